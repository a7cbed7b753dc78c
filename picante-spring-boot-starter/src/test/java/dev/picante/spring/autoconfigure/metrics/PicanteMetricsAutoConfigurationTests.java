package dev.picante.spring.autoconfigure.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.picante.Database;
import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.QueryFunction;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Tests for {@link PicanteMetricsAutoConfiguration}. */
class PicanteMetricsAutoConfigurationTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class,
                    PicanteMetricsAutoConfiguration.class))
            .withUserConfiguration(PagesConfiguration.class)
            .withBean("lengths", Lengths.class);

    @Test
    void countsLookupsByOutcomeTimesComputationsAndGaugesCellsAndStateBytes() {
        contextRunner.run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            PicanteMetrics metrics = context.getBean(PicanteMetrics.class);
            metrics.bindTo(registry);
            Lengths lengths = context.getBean(Lengths.class);
            @SuppressWarnings("unchecked")
            Input<String, String> pages = context.getBean(Input.class);
            pages.set("a", "abc");
            pages.set("b", "de");

            assertThat(lengths.length("a")).isEqualTo(3);           // computed
            assertThat(lengths.length("a")).isEqualTo(3);           // hit
            pages.set("b", "xyz");
            assertThat(lengths.length("a")).isEqualTo(3);           // revalidated
            assertThat(catchThrowable(() -> lengths.length("none"))).isInstanceOf(RuntimeException.class);

            assertThat(lookups(registry, "computed")).isEqualTo(1);
            assertThat(lookups(registry, "hit")).isEqualTo(1);
            assertThat(lookups(registry, "revalidated")).isEqualTo(1);
            assertThat(lookups(registry, "failed")).isEqualTo(1);
            assertThat(registry.get("picante.compute").tag("ingredient", "length").tag("outcome", "success")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.get("picante.compute").tag("ingredient", "length").tag("outcome", "failure")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.get("picante.cells").tag("ingredient", "length").gauge().value()).isEqualTo(2);
            assertThat(registry.get("picante.cells").tag("ingredient", "pages").gauge().value()).isEqualTo(2);
            assertThat(registry.get("picante.state.bytes").tag("database", "picante").gauge().value())
                    .isEqualTo((double) context.getBean(Database.class).stateBytes()).isPositive();
        });
    }

    @Test
    void backsOffWithoutMicrometer() {
        contextRunner.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
                .run(context -> assertThat(context).hasSingleBean(Database.class)
                        .doesNotHaveBean(PicanteMetrics.class));
    }

    @Test
    void backsOffWithoutDatabase() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class,
                        PicanteMetricsAutoConfiguration.class))
                .withPropertyValues("picante.enabled=false")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(PicanteMetrics.class));
    }

    private static double lookups(MeterRegistry registry, String outcome) {
        return registry.get("picante.lookups").tag("ingredient", "length").tag("outcome", outcome)
                .functionCounter().count();
    }

    @Configuration(proxyBeanMethods = false)
    static class PagesConfiguration {

        @Bean
        Input<String, String> pages(PicanteViews views) {
            return views.input("pages", String.class, String.class);
        }
    }

    static class Lengths {

        private final Input<String, String> pages;

        Lengths(Input<String, String> pages) {
            this.pages = pages;
        }

        @QueryFunction(name = "length")
        public Integer length(String page) {
            return pages.require(page).length();
        }
    }
}
