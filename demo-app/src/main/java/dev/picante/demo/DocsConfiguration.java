package dev.picante.demo;

import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The site's inputs: {@code pages} (path to Markdown text) and {@code site} (the list of page paths). */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DocsProperties.class)
class DocsConfiguration {

    @Bean
    Input<String, String> pages(PicanteViews views) {
        return views.input("pages", String.class, String.class);
    }

    @Bean
    Input<String, DocsQueries.PageIndex> site(PicanteViews views) {
        return views.input("site", String.class, DocsQueries.PageIndex.class);
    }
}
