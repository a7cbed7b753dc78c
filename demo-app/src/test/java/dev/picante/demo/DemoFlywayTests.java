package dev.picante.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The demo's own Flyway migration (Spring Boot's Flyway, {@code db/migration}, history table
 * {@code flyway_schema_history}) and the store's private one ({@code picante_schema_history}) share one schema
 * on H2 and on PostgreSQL: on an empty database both run; on a database that has only the store's tables (a demo
 * database from before the pages table existed) the demo's Flyway records a baseline below its V1 and runs it.
 */
class DemoFlywayTests {

    @TempDir
    Path folder;

    static Stream<Arguments> databases() {
        return Stream.of(Arguments.of("H2", (Supplier<String>) DemoContexts::memoryDatabase),
                Arguments.of("PostgreSQL", (Supplier<String>) DemoPostgres::freshDatabase));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void bothMigrationsRunOnAnEmptyDatabaseEachWithItsHistoryTable(String vendor, Supplier<String> database) {
        try (ConfigurableApplicationContext context = start(database.get(), vendor)) {
            JdbcTemplate jdbc = DatabasePagesTests.jdbc(context);
            assertThat(history(jdbc, "flyway_schema_history")).containsExactly("1:true");
            assertThat(history(jdbc, "picante_schema_history")).startsWith("0:true", "1:true", "2:true")
                    .allMatch(row -> row.endsWith(":true"));
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM DOC_PAGE", Integer.class)).isZero(); // files mode
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM PICANTE_METADATA", Integer.class)).isNotNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aDatabaseWithOnlyTheStoresTablesGetsTheDemosTablesToo(String vendor, Supplier<String> database) {
        String url = database.get();
        // the demo before its own migration existed: only the store's tables
        try (ConfigurableApplicationContext context = start(url, vendor, "spring.flyway.enabled=false")) {
            JdbcTemplate jdbc = DatabasePagesTests.jdbc(context);
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM PICANTE_METADATA", Integer.class)).isNotNull();
            assertThat(tables(jdbc)).doesNotContain("doc_page", "flyway_schema_history");
        }
        try (ConfigurableApplicationContext context = start(url, vendor, "demo.docs.source=database")) {
            JdbcTemplate jdbc = DatabasePagesTests.jdbc(context);
            assertThat(history(jdbc, "flyway_schema_history")).containsExactly("0:true", "1:true");
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM DOC_PAGE", Integer.class))
                    .isEqualTo(context.getBean(PageStore.class).paths().size()).isGreaterThanOrEqualTo(30);
        }
    }

    private ConfigurableApplicationContext start(String url, String vendor, String... properties) {
        List<String> all = new java.util.ArrayList<>(List.of(properties));
        if (vendor.equals("PostgreSQL")) {
            all.addAll(List.of("spring.profiles.active=postgres", "spring.datasource.username=postgres",
                    "spring.datasource.password="));
        }
        return DemoContexts.start(WebApplicationType.NONE, folder.resolve("docs"), url, all.toArray(String[]::new));
    }

    /**
     * The versioned rows of a Flyway history table as {@code version:success}, in installation order (without the
     * unversioned row Flyway adds on H2 for the schema it found).
     */
    private static List<String> history(JdbcTemplate jdbc, String table) {
        return jdbc.query("SELECT \"version\", \"success\" FROM \"" + table + "\" WHERE \"version\" IS NOT NULL"
                + " ORDER BY \"installed_rank\"",
                (rs, i) -> rs.getString(1) + ":" + rs.getBoolean(2));
    }

    private static List<String> tables(JdbcTemplate jdbc) {
        return jdbc.query("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES", (rs, i) -> rs.getString(1).toLowerCase(
                java.util.Locale.ROOT));
    }
}
