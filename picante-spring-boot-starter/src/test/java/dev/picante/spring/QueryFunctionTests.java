package dev.picante.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.picante.Database;
import dev.picante.Inspector.CellInfo;
import dev.picante.QueryRef;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Tests of {@link QueryFunction} methods on Spring beans. */
class QueryFunctionTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class))
            .withUserConfiguration(PagesConfiguration.class);

    @Test
    void memoizesPerArgumentAndRecomputesWhenAnInputItReadChanges() {
        // r[dep.recording] r[revision.early-cutoff]
        contextRunner.withBean("wordCounter", WordCounter.class).run(context -> {
            Database database = context.getBean(Database.class);
            WordCounter counter = context.getBean(WordCounter.class);
            @SuppressWarnings("unchecked")
            Input<String, String> pages = context.getBean(Input.class);
            pages.set("a", "one two three");
            pages.set("b", "four");
            assertThat(counter.words("a")).isEqualTo(3);
            assertThat(counter.words("a")).isEqualTo(3);
            assertThat(computations(database, "wordCounter.words")).isEqualTo(1);
            assertThat(counter.bodyRuns).isEqualTo(1);

            pages.set("b", "four five");
            assertThat(counter.words("a")).isEqualTo(3);
            assertThat(computations(database, "wordCounter.words")).isEqualTo(1);

            pages.set("a", "one two");
            assertThat(counter.words("a")).isEqualTo(2);
            assertThat(computations(database, "wordCounter.words")).isEqualTo(2);
        });
    }

    @Test
    void tracksCallsOnThisAsDependencies() {
        contextRunner.withBean("wordCounter", WordCounter.class).run(context -> {
            Database database = context.getBean(Database.class);
            WordCounter counter = context.getBean(WordCounter.class);
            @SuppressWarnings("unchecked")
            Input<String, String> pages = context.getBean(Input.class);
            pages.set("a", "one two three");
            pages.set("b", "four");
            assertThat(counter.total(List.of("a", "b"))).isEqualTo(4);
            assertThat(computations(database, "wordCounter.words")).isEqualTo(2);
            CellInfo total = database.inspector().cell("wordCounter.total", List.of("a", "b")).orElseThrow();
            assertThat(total.dependencies()).containsExactly(
                    new QueryRef("wordCounter.words", "a"), new QueryRef("wordCounter.words", "b"));

            pages.set("b", "four five");
            assertThat(counter.total(List.of("a", "b"))).isEqualTo(5);
            assertThat(computations(database, "wordCounter.words")).isEqualTo(3);
            assertThat(computations(database, "wordCounter.total")).isEqualTo(2);
        });
    }

    @Test
    void keysSeveralArgumentsByTheirListAndHonoursAnExplicitName() {
        contextRunner.withBean("wordCounter", WordCounter.class).run(context -> {
            Database database = context.getBean(Database.class);
            WordCounter counter = context.getBean(WordCounter.class);
            @SuppressWarnings("unchecked")
            Input<String, String> pages = context.getBean(Input.class);
            pages.set("a", "one two three");
            assertThat(counter.prefix("a", 2)).isEqualTo("on");
            assertThat(counter.prefix("a", 2)).isEqualTo("on");
            assertThat(database.inspector().cell("prefix", List.of("a", 2))).isPresent();
            assertThat(computations(database, "prefix")).isEqualTo(1);
        });
    }

    @Test
    void completableFutureResultsAreMemoized() {
        contextRunner.withBean("wordCounter", WordCounter.class).run(context -> {
            Database database = context.getBean(Database.class);
            WordCounter counter = context.getBean(WordCounter.class);
            @SuppressWarnings("unchecked")
            Input<String, String> pages = context.getBean(Input.class);
            pages.set("a", "one two three");
            assertThat(counter.shout("a").get(10, TimeUnit.SECONDS)).isEqualTo("ONE TWO THREE");
            assertThat(counter.shout("a").get(10, TimeUnit.SECONDS)).isEqualTo("ONE TWO THREE");
            assertThat(computations(database, "wordCounter.shout")).isEqualTo(1);
            pages.set("a", "four");
            assertThat(counter.shout("a").get(10, TimeUnit.SECONDS)).isEqualTo("FOUR");
            assertThat(computations(database, "wordCounter.shout")).isEqualTo(2);
        });
    }

    @Test
    void rethrowsTheUncheckedExceptionTheMethodThrew() {
        // r[cell.poison]
        contextRunner.withBean("wordCounter", WordCounter.class).run(context -> {
            WordCounter counter = context.getBean(WordCounter.class);
            assertThatIllegalArgumentException().isThrownBy(() -> counter.words("missing"))
                    .withMessage("no page missing");
            assertThatIllegalArgumentException().isThrownBy(() -> counter.words("missing"));
            assertThat(computations(context.getBean(Database.class), "wordCounter.words")).isEqualTo(1);
        });
    }

    @Test
    void writingAnInputInsideAQueryFunctionFails() {
        contextRunner.withBean("wordCounter", WordCounter.class).run(context -> {
            WordCounter counter = context.getBean(WordCounter.class);
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> counter.sneakyWrite("x")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("input 'pages' cannot be written while a query function computes");
        });
    }

    @Test
    void failsAtStartupForAPrivateOrFinalMethod() {
        contextRunner.withUserConfiguration(PrivateFunction.class).run(context -> assertThat(context).hasFailed()
                .getFailure().hasStackTraceContaining(
                        "@QueryFunction method dev.picante.spring.QueryFunctionTests$PrivateFunction.hidden(String) "
                                + "must be public, non-static and non-final (it is private)")
                .hasStackTraceContaining("PrivateFunction.fixed(String) must be public, non-static and non-final "
                        + "(it is public final)"));
    }

    @Test
    void failsAtStartupForAFinalClass() {
        contextRunner.withBean("sealedCounter", FinalFunctions.class).run(context -> assertThat(context).hasFailed()
                .getFailure().hasStackTraceContaining("Bean 'sealedCounter' cannot have query functions: class "
                        + "dev.picante.spring.QueryFunctionTests$FinalFunctions must be a non-final"));
    }

    @Test
    void internedTablesAreSharedAndUsableInsideQueryFunctions() {
        // r[snapshot.interned]
        contextRunner.withUserConfiguration(TagsConfiguration.class).withBean("tagger", Tagger.class).run(context -> {
            Database database = context.getBean(Database.class);
            Tagger tagger = context.getBean(Tagger.class);
            @SuppressWarnings("unchecked")
            Interned<String> tags = context.getBean(Interned.class);
            dev.picante.InternId id = tags.intern("java");
            assertThat(tagger.tagId("java")).isEqualTo(id);
            assertThat(tagger.tagId("java")).isEqualTo(id);
            assertThat(tags.lookup(id)).isEqualTo("java");
            assertThat(computations(database, "tagger.tagId")).isEqualTo(1);
            try (dev.picante.Snapshot snapshot = database.snapshot()) {
                assertThat(tags.ingredient().lookup(snapshot, id)).isEqualTo("java");
            }
        });
    }

    @Test
    void failsAtStartupForAnArrayOrIdentityKey() {
        contextRunner.withUserConfiguration(BadKeys.class).run(context -> assertThat(context).hasFailed()
                .getFailure().hasStackTraceContaining(
                        "BadKeys.sum(int[]): parameter type int[] is an array")
                .hasStackTraceContaining("BadKeys.name(Object): parameter type java.lang.Object does not override "
                        + "equals and hashCode"));
    }

    @Test
    void failsAtStartupForABeanFromAFactoryMethod() {
        contextRunner.withUserConfiguration(FactoryMethodConfiguration.class).run(context -> assertThat(context)
                .hasFailed().getFailure().hasStackTraceContaining(
                        "Bean 'wordCounter' of type dev.picante.spring.QueryFunctionTests$WordCounter has @QueryFunction "
                                + "methods")
                .hasStackTraceContaining("but was not created from its class")
                .hasStackTraceContaining("Declare the class as a component"));
    }

    private static long computations(Database database, String ingredient) {
        return database.inspector().ingredient(ingredient).counters().computations();
    }

    @Configuration(proxyBeanMethods = false)
    static class PagesConfiguration {

        @Bean
        Input<String, String> pages(PicanteViews views) {
            return views.input("pages", String.class, String.class);
        }
    }

    static class WordCounter {

        private final Input<String, String> pages;
        volatile int bodyRuns;

        WordCounter(Input<String, String> pages) {
            this.pages = pages;
        }

        @QueryFunction
        public int words(String page) {
            bodyRuns++;
            return pages.get(page).orElseThrow(() -> new IllegalArgumentException("no page " + page))
                    .split("\\s+").length;
        }

        @QueryFunction
        public int total(List<String> names) {
            int total = 0;
            for (String name : names) {
                total += this.words(name);
            }
            return total;
        }

        @QueryFunction(name = "prefix")
        public String prefix(String page, int length) {
            return pages.require(page).substring(0, length);
        }

        @QueryFunction
        public CompletableFuture<String> shout(String page) {
            return CompletableFuture.completedFuture(pages.require(page).toUpperCase(java.util.Locale.ROOT));
        }

        @QueryFunction
        public String sneakyWrite(String page) {
            pages.set(page, "oops");
            return page;
        }
    }

    static final class FinalFunctions {

        @QueryFunction
        public String name(String key) {
            return key;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TagsConfiguration {

        @Bean
        Interned<String> tags(PicanteViews views) {
            return views.interned("tags", String.class);
        }
    }

    static class Tagger {

        private final Interned<String> tags;

        Tagger(Interned<String> tags) {
            this.tags = tags;
        }

        @QueryFunction
        public dev.picante.InternId tagId(String tag) {
            return tags.intern(tag);
        }
    }

    static class PrivateFunction {

        @QueryFunction
        private String hidden(String key) {
            return key;
        }

        @QueryFunction
        public final String fixed(String key) {
            return hidden(key);
        }
    }

    static class BadKeys {

        @QueryFunction
        public int sum(int[] values) {
            return values.length;
        }

        @QueryFunction
        public String name(Object value) {
            return value.toString();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class FactoryMethodConfiguration {

        @Bean
        WordCounter wordCounter(Input<String, String> pages) {
            return new WordCounter(pages);
        }
    }
}
