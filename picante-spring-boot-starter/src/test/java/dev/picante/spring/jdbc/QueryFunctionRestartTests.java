package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Database;
import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.QueryFunction;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.autoconfigure.jdbc.PicanteJdbcStoreAutoConfiguration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Query functions after a restart on an H2 file store whose inputs changed while the application was down
 * (issue 13, item 1): the engine computes a function while revalidating a dependent loaded from the store,
 * before anything in the new process called it; every answer is right and only what depended on the change
 * is recomputed.
 */
class QueryFunctionRestartTests {

    @TempDir
    Path directory;

    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

    /** The application: pages, the words of each page, and the total words of a group of pages. */
    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ DataSourceAutoConfiguration.class, PicanteAutoConfiguration.class,
            PicanteJdbcStoreAutoConfiguration.class })
    @Import(Words.class)
    static class App {

        @Bean
        Input<String, String> pages(PicanteViews views) {
            return views.input("pages", String.class, String.class);
        }
    }

    /** Query functions; {@code total} calls {@code words} on {@code this}. */
    public static class Words {

        private final Input<String, String> pages;

        public Words(Input<String, String> pages) {
            this.pages = pages;
        }

        @QueryFunction(name = "words")
        public int words(String page) {
            return pages.get(page).map(text -> text.split(" ").length).orElse(0);
        }

        @QueryFunction(name = "total")
        public int total(String group) {
            int total = 0;
            for (char page : group.toCharArray()) {
                total += words(String.valueOf(page));
            }
            return total;
        }
    }

    @AfterEach
    void close() {
        contexts.forEach(ConfigurableApplicationContext::close);
    }

    private ConfigurableApplicationContext start(String... properties) {
        List<String> all = new ArrayList<>(List.of("spring.datasource.url=jdbc:h2:file:"
                + directory.resolve("store").toAbsolutePath() + ";DB_CLOSE_DELAY=0", "spring.datasource.username=sa",
                "spring.main.banner-mode=off", "logging.level.com.zaxxer=warn"));
        all.addAll(List.of(properties));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE).properties(all.toArray(String[]::new)).run();
        contexts.add(context);
        return context;
    }

    @SuppressWarnings("unchecked")
    private static Input<String, String> pages(ConfigurableApplicationContext context) {
        return context.getBean(Input.class);
    }

    private static long computations(ConfigurableApplicationContext context, String function) {
        return context.getBean(Database.class).inspector().ingredient(function).counters().computations();
    }

    @Test
    void aFunctionIsComputedWhileRevalidatingADependentBeforeAnyCallAfterARestartWithAnOfflineChange() {
        // r[store.restore] r[revision.early-cutoff]
        ConfigurableApplicationContext first = start();
        pages(first).set("a", "one two");
        pages(first).set("b", "three");
        pages(first).set("c", "four five six");
        Words words = first.getBean(Words.class);
        assertThat(words.total("ab")).isEqualTo(3);
        assertThat(words.total("c")).isEqualTo(3);
        first.close();

        // changed while the application is down, by another run that calls no query function
        ConfigurableApplicationContext offline = start();
        pages(offline).set("a", "one two seven");
        offline.close();

        // the dependent is read first: words("a") is computed while total("ab") is revalidated
        ConfigurableApplicationContext second = start();
        Words restarted = second.getBean(Words.class);
        assertThat(restarted.total("ab")).isEqualTo(4);
        assertThat(computations(second, "words")).isEqualTo(1);
        assertThat(computations(second, "total")).isEqualTo(1);
        assertThat(restarted.total("c")).isEqualTo(3);
        assertThat(restarted.words("a")).isEqualTo(3);
        assertThat(restarted.words("b")).isEqualTo(1);
        assertThat(computations(second, "words")).isEqualTo(1);
        assertThat(computations(second, "total")).isEqualTo(1);
        second.close();

        // an offline change that keeps the word count: words("a") recomputes, total("ab") is cut off
        ConfigurableApplicationContext offlineAgain = start();
        pages(offlineAgain).set("a", "uno dos tres");
        offlineAgain.close();
        ConfigurableApplicationContext third = start();
        assertThat(third.getBean(Words.class).total("ab")).isEqualTo(4);
        assertThat(computations(third, "words")).isEqualTo(1);
        assertThat(computations(third, "total")).isZero();
        // and later edits are served right too: the failure of issue 13 was memoized and never healed
        pages(third).set("b", "three eight");
        assertThat(third.getBean(Words.class).total("ab")).isEqualTo(5);
    }

    @Test
    void restartsAfterAnEditWhoseFunctionRecomputedToAnEqualValueComputeNothing() {
        // r[store.restore] r[revision.early-cutoff]: an edit made at startup (as a file synced while the application
        // was down) that keeps the word count recomputes words("a") to an equal value, which now reads the page
        // at its new revision. The shutdown save must store that: before, it kept the record that named the page's
        // old revision, and every later restart computed words("a") again.
        ConfigurableApplicationContext first = start();
        pages(first).set("a", "one two");
        pages(first).set("b", "three");
        assertThat(first.getBean(Words.class).total("ab")).isEqualTo(3);
        first.close();

        ConfigurableApplicationContext edited = start();
        pages(edited).set("a", "uno dos");
        assertThat(edited.getBean(Words.class).total("ab")).isEqualTo(3);
        assertThat(computations(edited, "words")).as("words(\"a\") recomputed, equal").isEqualTo(1);
        assertThat(computations(edited, "total")).as("total cut off").isZero();
        edited.close();

        for (int restart = 1; restart <= 3; restart++) {
            ConfigurableApplicationContext again = start();
            Words words = again.getBean(Words.class);
            assertThat(words.total("ab")).isEqualTo(3);
            assertThat(words.words("a")).isEqualTo(2);
            assertThat(words.words("b")).isEqualTo(1);
            assertThat(pages(again).get("a")).contains("uno dos");
            assertThat(computations(again, "words")).as("restart %d: words computed", restart).isZero();
            assertThat(computations(again, "total")).as("restart %d: totals computed", restart).isZero();
            again.close();
        }
    }

    @Test
    void aSharedStoreInstanceThatCatchesUpAtStartupComputesFunctionsBeforeAnyCall() throws Exception {
        String[] shared = { "picante.store.shared=true", "picante.store.poll-interval=100ms" };
        ConfigurableApplicationContext a = start(concat(shared, "picante.store.instance-id=a"));
        ConfigurableApplicationContext b = start(concat(shared, "picante.store.instance-id=b"));
        pages(a).set("a", "one two");
        pages(a).set("b", "three");
        SharedStoreTests.await("b sees a's writes", () -> pages(b).get("b").isPresent());
        assertThat(b.getBean(Words.class).total("ab")).isEqualTo(3);
        b.close();

        pages(a).set("a", "one two seven");
        pages(a).set("c", "new");

        ConfigurableApplicationContext restarted = start(concat(shared, "picante.store.instance-id=b"));
        // caught up during startup; the dependent is read first
        assertThat(restarted.getBean(Words.class).total("ab")).isEqualTo(4);
        assertThat(computations(restarted, "words")).isEqualTo(1);
        assertThat(computations(restarted, "total")).isEqualTo(1);
        assertThat(restarted.getBean(Words.class).words("c")).isEqualTo(1);
        assertThat(pages(restarted).get("a")).isEqualTo(Optional.of("one two seven"));
    }

    private static String[] concat(String[] first, String... rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }
}
