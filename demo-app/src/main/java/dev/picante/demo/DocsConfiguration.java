package dev.picante.demo;

import dev.picante.demo.db.TablePages;
import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The site's inputs: {@code pages} (path to Markdown text), {@code files} (path of another file of the folder, such
 * as an image, to its version) and {@code site} (the lists of page paths and of file paths); and the
 * {@link PageSource} the queries read pages from: the {@code pages} and {@code site} inputs, or with
 * {@code demo.docs.source=database} the {@link TablePages table}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DocsProperties.class)
class DocsConfiguration {

    @Bean
    Input<String, String> pages(PicanteViews views) {
        return views.input("pages", String.class, String.class);
    }

    @Bean
    Input<String, String> files(PicanteViews views) {
        return views.input("files", String.class, String.class);
    }

    @Bean
    Input<String, DocsQueries.PageIndex> site(PicanteViews views) {
        return views.input("site", String.class, DocsQueries.PageIndex.class);
    }

    @Bean
    @ConditionalOnProperty(name = "demo.docs.source", havingValue = "files", matchIfMissing = true)
    PageSource folderPages(Input<String, String> pages, Input<String, DocsQueries.PageIndex> site) {
        return new FolderPages(pages, site);
    }

    /** The pages of the folder: the inputs {@code pages} and {@code site} (under {@link DocsQueries#SITE}). */
    record FolderPages(Input<String, String> pages, Input<String, DocsQueries.PageIndex> site) implements PageSource {

        @Override
        public Optional<String> text(String path) {
            return pages.get(path);
        }

        @Override
        public String require(String path) {
            return pages.require(path);
        }

        @Override
        public List<String> paths() {
            return site.require(DocsQueries.SITE).paths();
        }
    }
}
