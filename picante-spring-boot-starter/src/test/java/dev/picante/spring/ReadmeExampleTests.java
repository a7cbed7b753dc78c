package dev.picante.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;

import dev.picante.Database;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.autoconfigure.web.PicanteWebAutoConfiguration;
import jakarta.servlet.Filter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The README's starter example, with what it claims as assertions. */
class ReadmeExampleTests {

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class,
                    PicanteWebAutoConfiguration.class, WebMvcAutoConfiguration.class,
                    HttpMessageConvertersAutoConfiguration.class, JacksonAutoConfiguration.class))
            .withUserConfiguration(PicanteIngredients.class)
            .withBean("wordCounter", WordCounter.class)
            .withBean(PagesController.class);

    @Test
    void wordsAreMemoizedAndRecomputedOnlyAfterAnEdit() {
        contextRunner.run(context -> {
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(context)
                    .addFilters(context.getBeansOfType(Filter.class).values().toArray(Filter[]::new)).build();
            Database database = context.getBean(Database.class);
            mvc.perform(put("/pages/intro").contentType(MediaType.TEXT_PLAIN).content("one two three"));
            mvc.perform(put("/pages/faq").contentType(MediaType.TEXT_PLAIN).content("four"));
            mvc.perform(get("/words").param("names", "intro", "faq")).andExpect(content().string("4"));
            mvc.perform(get("/words").param("names", "intro", "faq")).andExpect(content().string("4"));
            assertThat(computations(database, "total")).isEqualTo(1);
            assertThat(computations(database, "wordCounter.words")).isEqualTo(2);

            mvc.perform(put("/pages/faq").contentType(MediaType.TEXT_PLAIN).content("four five"));
            mvc.perform(get("/words").param("names", "intro", "faq")).andExpect(content().string("5"));
            assertThat(computations(database, "total")).isEqualTo(2);
            assertThat(computations(database, "wordCounter.words")).isEqualTo(3);   // intro was reused
        });
    }

    private static long computations(Database database, String ingredient) {
        return database.inspector().ingredient(ingredient).counters().computations();
    }

    @Configuration(proxyBeanMethods = false)
    static class PicanteIngredients {

        @Bean
        Input<String, String> pages(PicanteViews views) {
            return views.input("pages", String.class, String.class);
        }
    }

    public static class WordCounter {

        private final Input<String, String> pages;

        public WordCounter(Input<String, String> pages) {
            this.pages = pages;
        }

        @QueryFunction
        public int words(String page) {
            return pages.require(page).split("\\s+").length;
        }

        @QueryFunction(name = "total")
        public int total(List<String> names) {
            int total = 0;
            for (String name : names) {
                total += words(name);
            }
            return total;
        }
    }

    @RestController
    static class PagesController {

        private final Input<String, String> pages;
        private final WordCounter counter;

        PagesController(Input<String, String> pages, WordCounter counter) {
            this.pages = pages;
            this.counter = counter;
        }

        @PutMapping("/pages/{name}")
        long put(@PathVariable String name, @RequestBody String text) {
            return pages.set(name, text).value();
        }

        @GetMapping("/words")
        int words(@RequestParam List<String> names) {
            return counter.total(names);
        }
    }
}
