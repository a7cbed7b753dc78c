package dev.picante.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Tests of {@link QueryFunctionObserver}: which computations it is told about, with which keys. */
class QueryFunctionObserverTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class))
            .withUserConfiguration(ObserversConfiguration.class)
            .withBean("pages", Pages.class);

    record Computation(String ingredient, Object key, boolean failed) {
    }

    @Test
    void anObserverIsToldTheKeyOfEveryComputationAndNotOfHits() {
        contextRunner.run(context -> {
            KeyedObserver observer = context.getBean(KeyedObserver.class);
            Pages pages = context.getBean(Pages.class);
            @SuppressWarnings("unchecked")
            Input<String, String> text = context.getBean(Input.class);
            text.set("a", "one two");
            assertThat(pages.words("a")).isEqualTo(2);
            assertThat(pages.words("a")).isEqualTo(2); // a hit: not computed, not reported
            assertThat(pages.prefix("a", 3)).isEqualTo("one");
            assertThatIllegalArgumentException().isThrownBy(() -> pages.words("missing"));
            assertThat(observer.computations).containsExactly(
                    new Computation("pages.words", "a", false),
                    new Computation("pages.prefix", List.of("a", 3), false),
                    new Computation("pages.words", "missing", true));

            text.set("a", "one two three");
            assertThat(pages.words("a")).isEqualTo(3);
            assertThat(observer.computations).hasSize(4).last().isEqualTo(new Computation("pages.words", "a", false));
        });
    }

    @Test
    void anObserverWrittenAsALambdaIsStillCalled() {
        contextRunner.run(context -> {
            List<String> plain = context.getBean("plainLog", PlainLog.class).names;
            @SuppressWarnings("unchecked")
            Input<String, String> text = context.getBean(Input.class);
            text.set("a", "one two");
            context.getBean(Pages.class).words("a");
            assertThat(plain).containsExactly("pages.words");
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class ObserversConfiguration {

        @Bean
        Input<String, String> text(PicanteViews views) {
            return views.input("text", String.class, String.class);
        }

        @Bean
        KeyedObserver keyedObserver() {
            return new KeyedObserver();
        }

        @Bean
        PlainLog plainLog() {
            return new PlainLog();
        }

        @Bean
        QueryFunctionObserver lambdaObserver(PlainLog log) {
            return (ingredient, nanos, failed) -> log.names.add(ingredient);
        }
    }

    static final class PlainLog {
        final List<String> names = new CopyOnWriteArrayList<>();
    }

    static final class KeyedObserver implements QueryFunctionObserver {

        final List<Computation> computations = new CopyOnWriteArrayList<>();

        @Override
        public void computed(String ingredient, long nanos, boolean failed) {
            throw new AssertionError("the starter calls the keyed variant");
        }

        @Override
        public void computed(String ingredient, Object key, long nanos, boolean failed) {
            assertThat(nanos).isNotNegative();
            computations.add(new Computation(ingredient, key, failed));
        }
    }

    static class Pages {

        private final Input<String, String> text;

        Pages(Input<String, String> text) {
            this.text = text;
        }

        @QueryFunction
        public int words(String page) {
            return text.get(page).orElseThrow(() -> new IllegalArgumentException("no page " + page))
                    .split("\\s+").length;
        }

        @QueryFunction
        public String prefix(String page, int length) {
            return text.require(page).substring(0, length);
        }
    }
}
