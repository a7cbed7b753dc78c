package dev.picante.spring.actuate.endpoint;

import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.QueryFunction;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/** A small application for the endpoint tests: an input {@code pages} and a query function {@code words}. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(EndpointTestApplication.Words.class)
public class EndpointTestApplication {

    @Bean
    Input<String, String> pages(PicanteViews views) {
        return views.input("pages", String.class, String.class);
    }

    /** The query function. */
    public static class Words {

        private final Input<String, String> pages;

        public Words(Input<String, String> pages) {
            this.pages = pages;
        }

        @QueryFunction(name = "words")
        public Integer words(String page) {
            return pages.require(page).split("\\s+").length;
        }

        @QueryFunction(name = "total")
        public Integer total(String first, String second) {
            return words(first) + words(second);
        }
    }
}
