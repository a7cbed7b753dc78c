package dev.picante.demo;

import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The site's inputs: {@code pages} (path to Markdown text), {@code files} (path of another file of the folder, such
 * as an image, to its version) and {@code site} (the lists of page paths and of file paths).
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
}
