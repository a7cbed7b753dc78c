package dev.picante.spring.autoconfigure.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Database;
import dev.picante.InputIngredient;
import dev.picante.spring.actuate.health.PicanteStoreHealthIndicator;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.autoconfigure.jdbc.PicanteJdbcStoreAutoConfiguration;
import dev.picante.spring.jdbc.JdbcStateStore;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Tests for {@link PicanteHealthContributorAutoConfiguration} and {@link PicanteStoreHealthIndicator}. */
class PicanteHealthContributorAutoConfigurationTests {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String url = "jdbc:h2:mem:health-" + COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class,
                    PicanteJdbcStoreAutoConfiguration.class, PicanteHealthContributorAutoConfiguration.class))
            .withPropertyValues("spring.flyway.enabled=false", "picante.store.save-on-shutdown=false")
            .withUserConfiguration(Ingredients.class);

    private DataSource dataSource() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        ds.setUser("sa");
        return ds;
    }

    /** The application's ingredients. */
    @Configuration(proxyBeanMethods = false)
    static class Ingredients {

        @Bean
        InputIngredient<String, String> pages(Database database) {
            return database.input("pages", String.class, String.class);
        }
    }

    @Test
    void registersTheIndicatorWhenAStoreExists() {
        runner.withBean(DataSource.class, this::dataSource).run(context -> {
            assertThat(context).hasSingleBean(PicanteStoreHealthIndicator.class);
            assertThat(context).hasBean("picanteHealthIndicator");
        });
    }

    @Test
    void backsOffWithoutAStore() {
        runner.run(context -> assertThat(context).hasSingleBean(Database.class)
                .doesNotHaveBean(JdbcStateStore.class).doesNotHaveBean(HealthIndicator.class));
    }

    @Test
    void backsOffWithoutHealthSupport() {
        runner.withBean(DataSource.class, this::dataSource)
                .withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .run(context -> assertThat(context).hasSingleBean(JdbcStateStore.class)
                        .doesNotHaveBean(PicanteStoreHealthIndicator.class));
    }

    @Test
    void backsOffWhenDisabled() {
        runner.withBean(DataSource.class, this::dataSource)
                .withPropertyValues("management.health.picante.enabled=false")
                .run(context -> assertThat(context).hasSingleBean(JdbcStateStore.class)
                        .doesNotHaveBean(PicanteStoreHealthIndicator.class));
    }

    @Test
    @SuppressWarnings("unchecked")
    void upAfterASaveAndDownOnceTheDatabaseIsGone() {
        runner.withBean(DataSource.class, this::dataSource)
                // the explicit appends below count as in interval mode; the default (sync) appends each write too
                .withPropertyValues("picante.store.append-mode=interval").run(context -> {
            Database database = context.getBean(Database.class);
            InputIngredient<String, String> pages = context.getBean(InputIngredient.class);
            JdbcStateStore store = context.getBean(JdbcStateStore.class);
            HealthIndicator indicator = context.getBean(PicanteStoreHealthIndicator.class);
            pages.set(database, "home", "welcome");
            store.save(database);
            pages.set(database, "about", "us");
            assertThat(store.append(database)).isTrue();

            Health up = indicator.health();
            assertThat(up.getStatus()).isEqualTo(Status.UP);
            assertThat(up.getDetails()).containsEntry("store", "picante")
                    .containsEntry("savedRevision", database.revision().value() - 1)
                    .containsEntry("savedRecords", 1L)
                    .containsEntry("logEntriesSinceSave", 1)
                    .containsEntry("storedLogEntries", 1)
                    .containsKeys("savedAt", "lastAppendAt")
                    .doesNotContainKey("failure");

            try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("SHUTDOWN");
            }
            pages.set(database, "home", "changed");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.append(database))
                    .hasMessageContaining("append failed");

            Health down = indicator.health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails()).containsEntry("failedOperation", "append")
                    .containsKeys("failure", "failedAt", "error");
        });
    }
}
