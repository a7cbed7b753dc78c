package dev.picante.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.LimitExceededException;
import dev.picante.Revision;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.QueryFunction;
import dev.picante.spring.QueryFunctionEnhancer;
import dev.picante.spring.QueryFunctionRegistrar;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Tests for {@link PicanteAutoConfiguration}. */
class PicanteAutoConfigurationTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class));

    @Test
    void createsDatabaseByDefault() {
        contextRunner.run(context -> {
            assertThat(context).hasSingleBean(Database.class).hasSingleBean(PicanteProperties.class);
            Database database = context.getBean(Database.class);
            assertThat(database.name()).isEqualTo("picante");
            assertThat(database.revision()).isEqualTo(new Revision(0));
        });
    }

    @Test
    void usesNameProperty() {
        contextRunner.withPropertyValues("picante.name=docs").run(context ->
                assertThat(context.getBean(Database.class).name()).isEqualTo("docs"));
    }

    @Test
    void backsOffWhenUserDefinesDatabase() {
        contextRunner.withUserConfiguration(UserDatabaseConfiguration.class).run(context -> {
            assertThat(context).hasSingleBean(Database.class);
            assertThat(context.getBean(Database.class)).isSameAs(context.getBean("userDatabase"));
            assertThat(context.getBean(Database.class).name()).isEqualTo("user");
        });
    }

    @Test
    void createsViewsAndQueryFunctionSupportWithoutADataSource() {
        contextRunner.run(context -> {
            assertThat(context).doesNotHaveBean(javax.sql.DataSource.class)
                    .hasSingleBean(PicanteViews.class).hasSingleBean(QueryFunctionEnhancer.class)
                    .hasSingleBean(QueryFunctionRegistrar.class);
            assertThat(context.getBean(PicanteViews.class).current()).isSameAs(context.getBean(Database.class));
        });
    }

    @Test
    void queryFunctionsRegisterOnTheUserDefinedDatabase() {
        contextRunner.withUserConfiguration(UserDatabaseConfiguration.class)
                .withBean("echo", Echo.class)
                .run(context -> {
                    Database database = context.getBean(Database.class);
                    assertThat(database.name()).isEqualTo("user");
                    assertThat(context.getBean(PicanteViews.class).database()).isSameAs(database);
                    assertThat(context.getBean(Echo.class).echo("hi")).isEqualTo("hi!");
                    assertThat(database.inspector().ingredient("echo.echo").counters().computations()).isEqualTo(1);
                });
    }

    @Test
    void appliesDatabaseCustomizersAfterTheProperties() {
        contextRunner.withPropertyValues("picante.name=docs")
                .withBean(PicanteDatabaseCustomizer.class, () -> builder -> builder.name("customized"))
                .run(context -> assertThat(context.getBean(Database.class).name()).isEqualTo("customized"));
    }

    @Test
    void metadataDescribesEveryProperty() throws Exception {
        String metadata = new String(getClass().getResourceAsStream(
                "/META-INF/spring-configuration-metadata.json").readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(metadata).contains("\"picante.enabled\"", "\"picante.name\"", "\"picante.state-byte-limit\"",
                "\"picante.shared-cache-max-entries\"", "\"picante.web.request-snapshots\"",
                "\"picante.actuator.show-values\"", "\"picante.actuator.roles\"", "Whether to read every query function",
                "\"picante.store.shared\"", "Defaults to on when the DataSource is PostgreSQL",
                "\"picante.store.poll-interval\"", "\"picante.store.instance-retention\"",
                "\"picante.store.instance-id\"", "\"picante.memo-byte-limit\"",
                "\"picante.max-memos-per-ingredient\"", "Budget of estimated bytes for the memoized results");
    }

    @Test
    void appliesStateByteLimitProperty() {
        contextRunner.withPropertyValues("picante.state-byte-limit=1KB").run(context -> {
            Database database = context.getBean(Database.class);
            InputIngredient<String, String> pages = database.input("pages", String.class, String.class);
            Revision before = database.revision();
            assertThatExceptionOfType(LimitExceededException.class)
                    .isThrownBy(() -> pages.set(database, "big", "x".repeat(4096)))
                    .satisfies(e -> assertThat(e.limit()).isEqualTo(1024));
            assertThat(database.revision()).isEqualTo(before);
            assertThat(pages.get(database, "big")).isEmpty();
        });
    }

    @Test
    void noStateByteLimitByDefault() {
        contextRunner.run(context -> {
            Database database = context.getBean(Database.class);
            InputIngredient<String, String> pages = database.input("pages", String.class, String.class);
            pages.set(database, "big", "x".repeat(4096));
            assertThat(pages.get(database, "big")).hasValue("x".repeat(4096));
        });
    }

    /** Fills a derived function whose every result weighs over 1,000 bytes; returns it. */
    private static DerivedIngredient<Integer, String> paddedResults(Database database, int count) {
        DerivedIngredient<Integer, String> padded = database.derived("padded", Integer.class, String.class,
                (ctx, k) -> k + "x".repeat(1_000));
        for (int k = 0; k < count; k++) {
            assertThat(padded.get(database, k)).hasSize(String.valueOf(k).length() + 1_000);
        }
        return padded;
    }

    @Test
    void appliesMemoByteLimitProperty() {
        // r[evict.derived]: past the budget results are evicted, and recomputed (to the same value) when read again
        contextRunner.withPropertyValues("picante.memo-byte-limit=16KB", "picante.shared-cache-max-entries=0")
                .run(context -> {
                    Database database = context.getBean(Database.class);
                    DerivedIngredient<Integer, String> padded = paddedResults(database, 200);
                    long kept = database.inspector().ingredient("padded").entries();
                    assertThat(kept).isPositive().isLessThanOrEqualTo(16 * 1024 / 1_000);
                    assertThat(padded.get(database, 0)).isEqualTo("0" + "x".repeat(1_000));
                    assertThat(database.inspector().ingredient("padded").counters().computations()).isEqualTo(201);
                });
    }

    @Test
    void appliesMaxMemosPerIngredientProperty() {
        contextRunner.withPropertyValues("picante.max-memos-per-ingredient=10", "picante.shared-cache-max-entries=0")
                .run(context -> {
                    Database database = context.getBean(Database.class);
                    paddedResults(database, 200);
                    assertThat(database.inspector().ingredient("padded").entries()).isPositive()
                            .isLessThanOrEqualTo(10);
                });
    }

    @Test
    void keepsEveryMemoByDefault() {
        contextRunner.withPropertyValues("picante.shared-cache-max-entries=0").run(context -> {
            Database database = context.getBean(Database.class);
            DerivedIngredient<Integer, String> padded = paddedResults(database, 200);
            assertThat(database.inspector().ingredient("padded").entries()).isEqualTo(200);
            padded.get(database, 0);
            assertThat(database.inspector().ingredient("padded").counters().computations()).isEqualTo(200);
        });
    }

    @Test
    void rejectsAMemoByteLimitBelowOneByte() {
        contextRunner.withPropertyValues("picante.memo-byte-limit=0B").run(context ->
                assertThat(context).hasFailed().getFailure().rootCause()
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("memoByteLimit must be >= 1, was 0"));
    }

    @Test
    void disabledWhenPicanteEnabledFalse() {
        contextRunner.withPropertyValues("picante.enabled=false").run(context ->
                assertThat(context).doesNotHaveBean(Database.class).doesNotHaveBean(PicanteProperties.class));
    }

    @Test
    void backsOffWithoutPicanteCore() {
        contextRunner.withClassLoader(new FilteredClassLoader(Database.class)).run(context ->
                assertThat(context).doesNotHaveBean(Database.class).doesNotHaveBean(PicanteProperties.class));
    }

    static class Echo {

        @QueryFunction
        public String echo(String text) {
            return text + "!";
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserDatabaseConfiguration {

        @Bean
        Database userDatabase() {
            return Database.builder().name("user").build();
        }
    }
}
