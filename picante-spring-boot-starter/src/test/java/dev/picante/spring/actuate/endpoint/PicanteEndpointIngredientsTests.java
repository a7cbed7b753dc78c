package dev.picante.spring.actuate.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.spring.QueryFunction;
import dev.picante.spring.QueryFunctionRegistrar;
import dev.picante.spring.actuate.endpoint.PicanteEndpoint.IngredientDescriptor;
import dev.picante.spring.actuate.endpoint.PicanteEndpoint.PicanteDescriptor;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.autoconfigure.actuate.endpoint.PicanteEndpointAutoConfiguration;
import dev.picante.spring.autoconfigure.jdbc.PicanteJdbcStoreAutoConfiguration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** The summary's code version of each {@code @QueryFunction} and its list of ingredients a store leaves out. */
class PicanteEndpointIngredientsTests {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class,
                    PicanteJdbcStoreAutoConfiguration.class, PicanteEndpointAutoConfiguration.class,
                    EndpointAutoConfiguration.class, WebEndpointAutoConfiguration.class))
            .withPropertyValues("picante.store.save-on-shutdown=false",
                    "management.endpoints.web.exposure.include=picante")
            .withBean(Functions.class);

    /** Query functions: one whose raw result type a store cannot read back. */
    public static class Functions {

        @QueryFunction(name = "shout")
        public String shout(String text) {
            return text.toUpperCase(java.util.Locale.ROOT);
        }

        @QueryFunction(name = "raw", version = "7")
        @SuppressWarnings("rawtypes")
        public List raw(String text) {
            return List.of(text.length());
        }
    }

    @Test
    void summaryGivesEachQueryFunctionsCodeVersionAndWhatTheStoreDoesNotPersist() {
        runner.withBean(DataSource.class, () -> {
            JdbcDataSource ds = new JdbcDataSource();
            ds.setURL("jdbc:h2:mem:endpoint-ingredients-" + COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
            return ds;
        }).run(context -> {
            assertThat(context).hasNotFailed();
            Map<String, String> versions = context.getBean(QueryFunctionRegistrar.class).codeVersions();
            PicanteDescriptor summary = (PicanteDescriptor) context.getBean(PicanteEndpoint.class)
                    .picante(null, SecurityContext.NONE);
            Map<String, IngredientDescriptor> byName = summary.ingredients().stream()
                    .collect(Collectors.toMap(IngredientDescriptor::name, d -> d));
            assertThat(byName.get("raw").codeVersion()).isEqualTo("7");
            assertThat(byName.get("shout").codeVersion()).isNotBlank().isEqualTo(versions.get("shout"));
            assertThat(summary.notPersisted()).containsOnlyKeys("raw");
            assertThat(summary.notPersisted().get("raw")).contains("java.util.List");
        });
    }

    @Test
    void withoutAStoreNothingIsListedAsNotPersisted() {
        runner.run(context -> {
            PicanteDescriptor summary = (PicanteDescriptor) context.getBean(PicanteEndpoint.class)
                    .picante(null, SecurityContext.NONE);
            assertThat(summary.store()).isNull();
            assertThat(summary.notPersisted()).isEmpty();
            assertThat(summary.ingredients()).extracting(IngredientDescriptor::codeVersion).doesNotContainNull();
        });
    }
}
