package dev.picante.spring.autoconfigure.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Database;
import dev.picante.InputIngredient;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.jdbc.JdbcStateStore;
import dev.picante.spring.jdbc.PicanteDataSource;
import dev.picante.spring.jdbc.PicanteStoreException;
import dev.picante.spring.jdbc.PicanteStoreLifecycle;
import dev.picante.spring.jdbc.StoreLoadReport;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** The store's auto-configuration, its lifecycle, and its coexistence with the host's own Flyway. */
class PicanteJdbcStoreAutoConfigurationTests {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String url = "jdbc:h2:mem:autoconfig-" + COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class,
                    PicanteJdbcStoreAutoConfiguration.class))
            .withPropertyValues("spring.flyway.enabled=false")
            .withBean(DataSource.class, this::dataSource)
            .withUserConfiguration(Ingredients.class);

    private DataSource dataSource() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        ds.setUser("sa");
        return ds;
    }

    /** The application's ingredients, registered the Spring way. */
    @Configuration(proxyBeanMethods = false)
    static class Ingredients {

        @Bean
        InputIngredient<String, String> pages(Database database) {
            return database.input("pages", String.class, String.class);
        }
    }

    @Test
    void createsTheStoreWhenADataSourceIsPresent() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(JdbcStateStore.class).hasSingleBean(PicanteStoreLifecycle.class);
            assertThat(context).doesNotHaveBean(Flyway.class);
            assertThat(context.getBean(JdbcStateStore.class).name()).isEqualTo("picante");
        });
    }

    @Test
    void theH2CompactionThresholdComesFromItsProperty() {
        runner.run(context -> assertThat(context.getBean(JdbcStateStore.class).h2CompactBelowFillRate())
                .as("default").isEqualTo(50));
        runner.withPropertyValues("picante.store.h2-compact-below-fill-rate=0").run(context -> assertThat(
                context.getBean(JdbcStateStore.class).h2CompactBelowFillRate()).as("off").isZero());
        runner.withPropertyValues("picante.store.h2-compact-below-fill-rate=101").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("must be 0 to 100").hasMessageContaining("101");
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void savesOnShutdownAndLoadsAtStartup() {
        // r[store.restore]
        runner.run(context -> {
            InputIngredient<String, String> pages = context.getBean(InputIngredient.class);
            pages.set(context.getBean(Database.class), "home", "welcome");
        });
        runner.run(context -> {
            InputIngredient<String, String> pages = context.getBean(InputIngredient.class);
            assertThat(pages.get(context.getBean(Database.class), "home")).contains("welcome");
            StoreLoadReport report = context.getBean(PicanteStoreLifecycle.class).lastLoad();
            assertThat(report).isNotNull();
            assertThat(report.loaded()).isTrue();
        });
    }

    @Test
    void bindsStoreProperties() {
        runner.withPropertyValues("picante.store.name=docs", "picante.store.load-on-startup=false",
                "picante.store.corruption-policy=ignore").run(context -> {
                    assertThat(context.getBean(JdbcStateStore.class).name()).isEqualTo("docs");
                    assertThat(context.getBean(PicanteStoreLifecycle.class).lastLoad()).isNull();
                });
    }

    @Test
    void aSecondUnsharedInstanceOnTheSameStoreFailsAtStartupNamingTheHolder() {
        // issue 14 item 3: one writer per unshared store
        runner.withPropertyValues("picante.store.instance-id=first").run(first -> {
            assertThat(first).hasNotFailed();
            runner.withPropertyValues("picante.store.instance-id=second").run(second -> {
                assertThat(second).hasFailed();
                assertThat(second.getStartupFailure()).rootCause().isInstanceOf(PicanteStoreException.class)
                        .hasMessageContaining("store 'picante'").hasMessageContaining("'first'")
                        .hasMessageContaining("picante.store.shared=true")
                        .hasMessageContaining("picante.store.take-over=true");
            });
            runner.withPropertyValues("picante.store.instance-id=third", "picante.store.take-over=true",
                    "picante.store.save-on-shutdown=false").run(third -> {
                        assertThat(third).hasNotFailed();
                        JdbcStateStore store = first.getBean(JdbcStateStore.class);
                        assertThat(store.leaseGeneration()).isPositive();
                        assertThatThrownBy(() -> store.save(first.getBean(Database.class)))
                                .isInstanceOf(PicanteStoreException.class).hasMessageContaining("taken over");
                    });
        });
        // Stopped cleanly: the lease is released and the next instance starts.
        runner.withPropertyValues("picante.store.instance-id=fourth").run(fourth -> assertThat(fourth).hasNotFailed());
    }

    @Test
    @SuppressWarnings("unchecked")
    void inputWritesAreDurableWhenTheyReturnByDefault() {
        // issue 13 item 5: nothing but the write itself, and no shutdown save
        runner.withPropertyValues("picante.store.save-on-shutdown=false").run(context -> {
            InputIngredient<String, String> pages = context.getBean(InputIngredient.class);
            Database db = context.getBean(Database.class);
            pages.set(db, "home", "welcome");
            pages.set(db, "about", "us");
            // What a crash now would leave: load into a new database while the context still runs.
            Database other = Database.create();
            InputIngredient<String, String> otherPages = other.input("pages", String.class, String.class);
            JdbcStateStore.builder(dataSource()).build().load(other);
            assertThat(otherPages.get(other, "home")).contains("welcome");
            assertThat(otherPages.get(other, "about")).contains("us");
        });
        runner.withPropertyValues("picante.store.append-mode=interval", "picante.store.save-on-shutdown=false")
                .run(context -> {
                    InputIngredient<String, String> pages = context.getBean(InputIngredient.class);
                    pages.set(context.getBean(Database.class), "home", "changed");
                    Database other = Database.create();
                    InputIngredient<String, String> otherPages = other.input("pages", String.class, String.class);
                    JdbcStateStore.builder(dataSource()).build().load(other);
                    assertThat(otherPages.get(other, "home")).as("interval mode: not yet appended")
                            .contains("welcome");
                });
    }

    /** A second DataSource for the store only. */
    @Configuration(proxyBeanMethods = false)
    static class SeparateStoreDataSource {

        @Bean
        @PicanteDataSource
        DataSource picanteOnly() {
            JdbcDataSource ds = new JdbcDataSource();
            ds.setURL("jdbc:h2:mem:picante-only-" + COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
            return ds;
        }
    }

    @Test
    void usesTheDataSourceQualifiedPicanteDataSource() {
        runner.withUserConfiguration(SeparateStoreDataSource.class).run(context -> {
            assertThat(context).hasNotFailed();
            Integer inMain = new JdbcTemplate(dataSource()).queryForObject("SELECT COUNT(*) FROM"
                    + " INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME LIKE 'PICANTE%'", Integer.class);
            assertThat(inMain).isZero();
            DataSource own = context.getBean("picanteOnly", DataSource.class);
            assertThat(new JdbcTemplate(own).queryForObject("SELECT COUNT(*) FROM PICANTE_METADATA", Integer.class))
                    .isZero();
        });
    }

    @Test
    void backsOffWhenDisabled() {
        runner.withPropertyValues("picante.store.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(JdbcStateStore.class));
    }

    @Test
    void backsOffWithoutADataSource() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class,
                        PicanteJdbcStoreAutoConfiguration.class))
                .run(context -> assertThat(context).hasSingleBean(Database.class)
                        .doesNotHaveBean(JdbcStateStore.class));
    }

    @Test
    void backsOffWithoutSpringJdbc() {
        runner.withClassLoader(new FilteredClassLoader(JdbcTemplate.class))
                .run(context -> assertThat(context).doesNotHaveBean(JdbcStateStore.class));
    }

    @Test
    void backsOffWhenTheUserDefinesAStore() {
        runner.withBean("myStore", JdbcStateStore.class, () -> JdbcStateStore.builder(dataSource()).name("mine").build())
                .run(context -> assertThat(context.getBean(JdbcStateStore.class).name()).isEqualTo("mine"));
    }

    @Test
    void theHostsFlywayRunsBeforeOursAndBothHistoriesComplete() {
        ApplicationContextRunner withHostFlyway = runner
                .withConfiguration(AutoConfigurations.of(FlywayAutoConfiguration.class))
                .withPropertyValues("spring.flyway.enabled=true");
        withHostFlyway.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(Flyway.class).hasSingleBean(JdbcStateStore.class);
            assertBothHistoriesComplete();
        });
        // A restart: both Flyway instances find their histories complete.
        withHostFlyway.run(context -> {
            assertThat(context).hasNotFailed();
            assertBothHistoriesComplete();
        });
    }

    @Test
    void theHostsFlywayAddedAfterOursCompletesWithABaselineBelowItsFirstMigration() {
        // picante created its tables first; the host adopts Flyway later, with the documented baseline.
        runner.run(context -> assertThat(context).hasNotFailed());
        runner.withConfiguration(AutoConfigurations.of(FlywayAutoConfiguration.class))
                .withPropertyValues("spring.flyway.enabled=true", "spring.flyway.baseline-on-migrate=true",
                        "spring.flyway.baseline-version=0")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertBothHistoriesComplete();
                });
    }

    private void assertBothHistoriesComplete() {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource());
        List<Map<String, Object>> host = jdbc.queryForList("SELECT \"version\", \"success\" FROM"
                + " \"flyway_schema_history\" WHERE \"version\" = '1'");
        List<Map<String, Object>> ours = jdbc.queryForList("SELECT \"version\", \"success\" FROM"
                + " \"picante_schema_history\" WHERE \"version\" = '1'");
        assertThat(host).singleElement().satisfies(r -> assertThat(r.get("success")).isEqualTo(Boolean.TRUE));
        assertThat(ours).singleElement().satisfies(r -> assertThat(r.get("success")).isEqualTo(Boolean.TRUE));
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM HOST_CUSTOMER", Integer.class)).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM PICANTE_METADATA", Integer.class)).isNotNull();
    }
}
