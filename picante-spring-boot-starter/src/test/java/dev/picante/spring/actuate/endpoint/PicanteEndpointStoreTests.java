package dev.picante.spring.actuate.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.picante.Database;
import dev.picante.InputIngredient;
import dev.picante.spring.actuate.endpoint.PicanteEndpoint.PicanteDescriptor;
import dev.picante.spring.actuate.endpoint.PicanteEndpoint.StoreOperationDescriptor;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.autoconfigure.actuate.endpoint.PicanteEndpointAutoConfiguration;
import dev.picante.spring.autoconfigure.jdbc.PicanteJdbcStoreAutoConfiguration;
import dev.picante.spring.jdbc.JdbcStateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** The store operations of {@link PicanteEndpoint} and the store in its summary, on a real H2 store. */
class PicanteEndpointStoreTests {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String url = "jdbc:h2:mem:endpoint-store-" + COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1";

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class,
                    PicanteJdbcStoreAutoConfiguration.class, PicanteEndpointAutoConfiguration.class,
                    EndpointAutoConfiguration.class, WebEndpointAutoConfiguration.class))
            .withPropertyValues("spring.flyway.enabled=false", "picante.store.save-on-shutdown=false",
                    "management.endpoints.web.exposure.include=picante")
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
    @SuppressWarnings("unchecked")
    void saveAndCompactChangeWhatTheSummarySaysAndEmptyTheLog() {
        runner.withBean(DataSource.class, this::dataSource)
                // the explicit appends below count as in interval mode; the default (sync) appends each write too
                .withPropertyValues("picante.store.append-mode=interval").run(context -> {
            Database database = context.getBean(Database.class);
            InputIngredient<String, String> pages = context.getBean(InputIngredient.class);
            JdbcStateStore store = context.getBean(JdbcStateStore.class);
            PicanteEndpoint endpoint = context.getBean(PicanteEndpoint.class);
            JdbcTemplate jdbc = new JdbcTemplate(dataSource());

            PicanteEndpoint.StoreDescriptor before = summary(endpoint).store();
            assertThat(before).isNotNull();
            assertThat(before.name()).isEqualTo("picante");
            assertThat(before.savedRevision()).isNull();

            pages.set(database, "home", "welcome");
            StoreOperationDescriptor saved = endpoint.store("store", "save");
            assertThat(saved).isNotNull();
            assertThat(saved.operation()).isEqualTo("save");
            assertThat(saved.revision()).isEqualTo(database.revision().value());
            assertThat(saved.records()).isEqualTo(1);
            assertThat(saved.logEntries()).isZero();
            assertThat(summary(endpoint).store()).satisfies(s -> {
                assertThat(s.savedRevision()).isEqualTo(database.revision().value());
                assertThat(s.savedAt()).isNotNull();
                assertThat(s.logEntries()).isZero();
            });

            pages.set(database, "about", "us");
            assertThat(store.append(database)).isTrue();
            pages.set(database, "faq", "none");
            assertThat(store.append(database)).isTrue();
            assertThat(summary(endpoint).store()).satisfies(s -> {
                assertThat(s.logEntries()).isEqualTo(2);
                assertThat(s.lastAppendAt()).isNotNull();
            });
            assertThat(logRows(jdbc)).isEqualTo(2);

            StoreOperationDescriptor compacted = endpoint.store("store", "compact");
            assertThat(compacted).isNotNull();
            assertThat(compacted.operation()).isEqualTo("compact");
            assertThat(compacted.records()).isEqualTo(3);
            assertThat(compacted.logEntries()).isZero();
            assertThat(summary(endpoint).store()).satisfies(s -> {
                assertThat(s.savedRevision()).isEqualTo(database.revision().value());
                assertThat(s.logEntries()).isZero();
            });
            assertThat(logRows(jdbc)).isZero();
            assertThat(jdbc.queryForObject("SELECT SUM(RECORD_COUNT) FROM PICANTE_RECORD_CHUNKS", Integer.class))
                    .isEqualTo(3);
        });
    }

    @Test
    void unknownTargetIsNullAndUnknownOperationIsRefused() {
        runner.withBean(DataSource.class, this::dataSource).run(context -> {
            PicanteEndpoint endpoint = context.getBean(PicanteEndpoint.class);
            assertThat(endpoint.store("pages", "save")).isNull();
            assertThatIllegalArgumentException().isThrownBy(() -> endpoint.store("store", "vacuum"))
                    .withMessageContaining("save or compact");
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void compactFileHasH2CompactAnH2FileDatabaseWhenItCloses(@TempDir Path dir) {
        // Issue 17 item 4. Without a pool, the database closes with the operation's connection: H2 compacts then.
        String fileUrl = "jdbc:h2:file:" + dir.resolve("store").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE";
        Path file = dir.resolve("store.mv.db");
        runner.withBean(DataSource.class, () -> {
            JdbcDataSource ds = new JdbcDataSource();
            ds.setURL(fileUrl);
            ds.setUser("sa");
            return ds;
        }).run(context -> {
            Database database = context.getBean(Database.class);
            InputIngredient<String, String> pages = context.getBean(InputIngredient.class);
            PicanteEndpoint endpoint = context.getBean(PicanteEndpoint.class);
            for (int i = 0; i < 200; i++) {
                pages.set(database, "p" + i, "page " + i + " ".repeat(2_000));
            }
            endpoint.store("store", "save");

            StoreOperationDescriptor done = endpoint.store("store", "COMPACT-FILE");
            assertThat(done).isNotNull();
            assertThat(done.operation()).isEqualTo("compact-file");
            assertThat(done.file()).isNotNull();
            assertThat(done.file().scheduled()).as("%s", done.file()).isTrue();
            assertThat(done.file().skipped()).isNull();
            assertThat(done.file().bytes()).isPositive();
            assertThat(done.file().liveRate()).isBetween(1, 100);
            assertThat(Files.size(file)).as("compacted (and compressed) at the close").isLessThan(done.file().bytes());
            assertThat(pages.get(database, "p7")).contains("page 7" + " ".repeat(2_000));
        });
    }

    @Test
    void compactFileOnAnotherDatabaseThanAnH2FileIsRefused() {
        runner.withBean(DataSource.class, this::dataSource).run(context -> {
            PicanteEndpoint endpoint = context.getBean(PicanteEndpoint.class);
            assertThatIllegalArgumentException().isThrownBy(() -> endpoint.store("store", "compact-file"))
                    .withMessageContaining("compact-file applies to an H2 file database")
                    .withMessageContaining("store 'picante'");
        });
    }

    @Test
    void withoutAStoreTheSummaryHasNoStoreAndTheOperationsAreNull() {
        runner.run(context -> {
            assertThat(context).doesNotHaveBean(JdbcStateStore.class);
            PicanteEndpoint endpoint = context.getBean(PicanteEndpoint.class);
            assertThat(summary(endpoint).store()).isNull();
            assertThat(endpoint.store("store", "save")).isNull();
        });
    }

    private static PicanteDescriptor summary(PicanteEndpoint endpoint) {
        return (PicanteDescriptor) endpoint.picante(null, SecurityContext.NONE);
    }

    private static Integer logRows(JdbcTemplate jdbc) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM PICANTE_LOG", Integer.class);
    }
}
