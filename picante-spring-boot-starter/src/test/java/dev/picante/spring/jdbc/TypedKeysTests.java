package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Database;
import dev.picante.Inspector.CellInfo;
import dev.picante.spring.DeclaredTypes;
import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.QueryArguments;
import dev.picante.spring.QueryFunction;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.autoconfigure.jdbc.PicanteJdbcStoreAutoConfiguration;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Keys and values of query functions written and read back as their declared generic types (issue 13,
 * item 4): each key type the README allows round-trips through a save and a load with a two-argument
 * function, so the memo saved before a restart is found after it; declared types that cannot round-trip are
 * refused at startup (an input) or not persisted (a derived result).
 */
@ExtendWith(OutputCaptureExtension.class)
class TypedKeysTests {

    @TempDir
    Path directory;

    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

    enum Budget {
        LOW, HIGH
    }

    record Money(BigDecimal amount, String currency) {
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ DataSourceAutoConfiguration.class, PicanteAutoConfiguration.class,
            PicanteJdbcStoreAutoConfiguration.class })
    @Import(Functions.class)
    static class App {

        @Bean
        Input<String, String> shelves(PicanteViews views) {
            return views.input("shelves", String.class, String.class);
        }
    }

    /** Two-argument functions over every key type the README allows. */
    public static class Functions {

        private final Input<String, String> shelves;

        public Functions(Input<String, String> shelves) {
            this.shelves = shelves;
        }

        private String shelf() {
            return shelves.get("main").orElse("-");
        }

        @QueryFunction(name = "enums")
        public String enums(String shelf, List<Budget> budgets) {
            return shelf() + shelf + budgets.get(0).ordinal();
        }

        @QueryFunction(name = "records")
        public String records(Money money, Instant at) {
            return shelf() + money.amount().scale() + at.getEpochSecond();
        }

        @QueryFunction(name = "times")
        public String times(LocalDate date, Duration duration) {
            return shelf() + date.getDayOfMonth() + duration.toMinutes();
        }

        @QueryFunction(name = "ids")
        public String ids(UUID id, BigDecimal amount) {
            return shelf() + id.getLeastSignificantBits() + amount.scale();
        }

        @QueryFunction(name = "nested")
        public String nested(Optional<String> tag, Map<String, List<Set<Budget>>> budgets) {
            return shelf() + tag.orElse("none") + budgets.size();
        }

        @QueryFunction(name = "longs")
        public List<Long> longs(String shelf, int count) {
            List<Long> longs = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                longs.add((long) i + shelf().length());
            }
            return longs;
        }

        @QueryFunction(name = "budgetsByShelf")
        public Map<Budget, List<UUID>> budgetsByShelf(String shelf) {
            return Map.of(Budget.HIGH, List.of(new UUID(1, shelf().length())));
        }

        @SuppressWarnings("rawtypes")
        @QueryFunction(name = "raw")
        public List raw(String shelf) {
            return List.of(1L, 2L);
        }
    }

    @AfterEach
    void close() {
        contexts.forEach(ConfigurableApplicationContext::close);
    }

    private ConfigurableApplicationContext start(Class<?> app) {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(app).web(WebApplicationType.NONE)
                .properties("spring.datasource.url=jdbc:h2:file:" + directory.resolve("store").toAbsolutePath(),
                        "spring.datasource.username=sa", "spring.main.banner-mode=off",
                        "logging.level.com.zaxxer=warn")
                .run();
        contexts.add(context);
        return context;
    }

    private static long computations(ConfigurableApplicationContext context, String function) {
        return context.getBean(Database.class).inspector().ingredient(function).counters().computations();
    }

    private static final UUID ID = UUID.fromString("0b5d3c5e-7f4a-4c38-9d0e-2f1f5e8a6b11");
    private static final Instant AT = Instant.parse("2026-12-05T10:15:30.123456Z");

    private static List<Object> callAll(Functions f) {
        return List.of(f.enums("books", List.of(Budget.HIGH)),
                f.records(new Money(new BigDecimal("12.50"), "EUR"), AT),
                f.times(LocalDate.of(2026, 12, 5), Duration.ofMinutes(90)),
                f.ids(ID, new BigDecimal("1.000")),
                f.nested(Optional.of("sale"), Map.of("books", List.of(Set.of(Budget.LOW, Budget.HIGH)))),
                f.nested(Optional.empty(), Map.of()),
                f.longs("books", 3),
                f.budgetsByShelf("books"));
    }

    @Test
    void everyAllowedKeyTypeRoundTripsThroughASaveAndALoad(CapturedOutput output) {
        // r[store.restore]
        ConfigurableApplicationContext first = start(App.class);
        List<Object> before = callAll(first.getBean(Functions.class));
        first.close();
        assertThat(output).doesNotContain("ERROR");

        ConfigurableApplicationContext second = start(App.class);
        assertThat(callAll(second.getBean(Functions.class))).isEqualTo(before);
        for (String function : List.of("enums", "records", "times", "ids", "nested", "longs", "budgetsByShelf")) {
            assertThat(computations(second, function)).as(function + " was loaded, not recomputed").isZero();
        }
        // the loaded keys and values are of the declared types, not what JSON reads by default
        Database database = second.getBean(Database.class);
        CellInfo enums = database.inspector().cells("enums").get(0);
        assertThat(enums.query().key()).isInstanceOf(QueryArguments.class)
                .isEqualTo(List.of("books", List.of(Budget.HIGH)));
        assertThat(((List<?>) ((List<?>) enums.query().key()).get(1)).get(0)).isSameAs(Budget.HIGH);
        List<?> longs = (List<?>) database.inspector().cells("longs").get(0).value();
        assertThat(longs).isEqualTo(List.of(1L, 2L, 3L));
        assertThat(longs).allSatisfy(element -> assertThat(element).isInstanceOf(Long.class));
    }

    @Test
    void keysSavedAfterASaveWithoutCellsOfTheirFunctionStillMatch(CapturedOutput output) {
        // the issue: the type check ran on an ingredient's first record only, so a first save without cells
        // let later mistyped keys through; keys are now always written as their declared types
        start(App.class).close();
        ConfigurableApplicationContext second = start(App.class);
        assertThat(second.getBean(Functions.class).enums("books", List.of(Budget.LOW))).isEqualTo("-books0");
        second.close();
        ConfigurableApplicationContext third = start(App.class);
        assertThat(third.getBean(Functions.class).enums("books", List.of(Budget.LOW))).isEqualTo("-books0");
        assertThat(computations(third, "enums")).isZero();
        assertThat(output).doesNotContain("ERROR");
    }

    @Test
    void aDerivedResultWithARawCollectionIsNotPersistedAndTheRestIsSaved(CapturedOutput output) {
        ConfigurableApplicationContext first = start(App.class);
        DeclaredTypes types = first.getBean(PicanteViews.class).declaredTypes();
        assertThat(types.notPersisted()).containsOnlyKeys("raw");
        assertThat(output).contains("derived 'raw' is not persisted").contains("the raw java.util.List");
        Functions functions = first.getBean(Functions.class);
        assertThat((Object) functions.raw("books")).isEqualTo(List.of(1L, 2L));
        functions.enums("books", List.of(Budget.HIGH));
        first.close();
        assertThat(output).doesNotContain("ERROR");

        ConfigurableApplicationContext second = start(App.class);
        assertThat((Object) second.getBean(Functions.class).raw("books")).isEqualTo(List.of(1L, 2L));
        assertThat(computations(second, "raw")).isEqualTo(1);
        second.getBean(Functions.class).enums("books", List.of(Budget.HIGH));
        assertThat(computations(second, "enums")).isZero();
    }

    @Configuration(proxyBeanMethods = false)
    @Import(App.class)
    static class RawInputApp {

        @Bean
        @SuppressWarnings("rawtypes")
        Input<String, List> rawInput(PicanteViews views) {
            return views.input("rawInput", String.class, List.class);
        }
    }

    @Test
    void anInputWhoseTypesCannotRoundTripFailsTheStartupNamingItAndTheType() {
        assertThatThrownBy(() -> start(RawInputApp.class)).hasStackTraceContaining(
                "input 'rawInput' cannot be stored: its value type java.util.List cannot be written and read back")
                .hasStackTraceContaining("declare them, e.g. List<String>");
    }
}
