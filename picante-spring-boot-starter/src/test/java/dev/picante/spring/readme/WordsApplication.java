package dev.picante.spring.readme;

import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** The README's starter example: the application. Keep the two in sync. */
@SpringBootApplication
public class WordsApplication {

    public static void main(String[] args) {
        SpringApplication.run(WordsApplication.class, args);
    }

    @Bean
    Input<String, String> pages(PicanteViews views) {          // an input named "pages"
        return views.input("pages", String.class, String.class);
    }
}
