package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.Snapshot;
import dev.picante.spring.actuate.endpoint.PicanteEndpoint.InstanceDescriptor;
import dev.picante.spring.actuate.endpoint.PicanteEndpoint.PicanteDescriptor;
import dev.picante.spring.actuate.endpoint.PicanteEndpoint.SharedLogDescriptor;
import dev.picante.spring.actuate.endpoint.PicanteEndpoint;
import dev.picante.spring.actuate.health.PicanteStoreHealthIndicator;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.autoconfigure.jdbc.PicanteJdbcStoreAutoConfiguration;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Two application instances (two Spring application contexts) sharing one store on a real PostgreSQL
 * (embedded): writes on one are seen on the other, concurrent writes converge, batches stay atomic, a stopped
 * instance catches up at startup, and derived results equal a from-scratch evaluation.
 */
class SharedStoreTests {

    static final int COUNTERS = 5;
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private String url;
    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

    /** The application: pages and counters, and derived queries over them. */
    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ DataSourceAutoConfiguration.class, PicanteAutoConfiguration.class,
            PicanteJdbcStoreAutoConfiguration.class })
    static class App {

        @Bean
        Ingredients ingredients(Database database) {
            return new Ingredients(database);
        }
    }

    /** The ingredients of {@link App}; also built on a plain database for from-scratch evaluations. */
    static final class Ingredients {

        final Database db;
        final InputIngredient<String, String> pages;
        final InputIngredient<String, Long> counters;
        final DerivedIngredient<String, Long> total;
        final DerivedIngredient<String, Integer> length;

        Ingredients(Database db) {
            this.db = db;
            this.pages = db.input("pages", String.class, String.class);
            this.counters = db.input("counters", String.class, Long.class);
            this.total = db.derived("total", String.class, Long.class, (ctx, k) -> {
                long sum = 0;
                for (int i = 0; i < COUNTERS; i++) {
                    sum += counters.get(ctx, "c" + i).orElse(0L);
                }
                return sum;
            });
            this.length = db.derived("length", String.class, Integer.class,
                    (ctx, k) -> pages.get(ctx, k).map(String::length).orElse(-1));
        }

        Map<String, Object> inputs() {
            Map<String, Object> all = new TreeMap<>();
            db.inspector().cells("pages").forEach(c -> {
                if (c.value() != null) {
                    all.put("pages/" + c.query().key(), c.value());
                }
            });
            db.inspector().cells("counters").forEach(c -> {
                if (c.value() != null) {
                    all.put("counters/" + c.query().key(), c.value());
                }
            });
            return all;
        }
    }

    @BeforeEach
    void database() throws SQLException {
        EmbeddedPostgres pg = TestDatabases.postgres();
        String name = "shared_" + DATABASES.incrementAndGet();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        url = pg.getJdbcUrl("postgres", name);
    }

    @AfterEach
    void close() {
        for (ConfigurableApplicationContext context : contexts) {
            context.close();
        }
    }

    ConfigurableApplicationContext start(String instance, String... properties) {
        return start(App.class, instance, properties);
    }

    ConfigurableApplicationContext start(Class<?> source, String instance, String... properties) {
        List<String> all = new ArrayList<>(List.of("spring.datasource.url=" + url,
                "spring.datasource.username=" + (url.startsWith("jdbc:h2") ? "sa" : "postgres"),
                "spring.datasource.hikari.maximum-pool-size=6", "spring.main.banner-mode=off",
                "picante.store.instance-id=" + instance, "picante.store.poll-interval=200ms",
                "logging.level.com.zaxxer=warn"));
        all.addAll(List.of(properties));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(source)
                .web(WebApplicationType.NONE).properties(all.toArray(String[]::new)).run();
        contexts.add(context);
        return context;
    }

    static Ingredients app(ConfigurableApplicationContext context) {
        return context.getBean(Ingredients.class);
    }

    static SharedChangeLog log(ConfigurableApplicationContext context) {
        SharedChangeLog log = context.getBean(PicanteStoreLifecycle.class).sharedLog();
        assertThat(log).as("the store is shared").isNotNull();
        return log;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + TIMEOUT + " waiting until " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aWriteOnOneInstanceIsSeenOnTheOtherAndABatchIsNeverHalfApplied() throws Exception {
        Ingredients a = app(start("a"));
        Ingredients b = app(start("b"));
        assertThat(log(contexts.get(0)).isPostgres()).isTrue();

        a.pages.set(a.db, "home", "welcome");
        assertThat(a.pages.get(a.db, "home")).as("read-your-writes").contains("welcome");
        await("b sees a's write", () -> b.pages.get(b.db, "home").isPresent());
        assertThat(b.length.get(b.db, "home")).isEqualTo(7);

        // A reader on b checks that the five counters, written together by each batch on a, are always equal.
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong checks = new AtomicLong();
        List<String> violations = new ArrayList<>();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                Snapshot view = b.db.snapshot();
                try {
                    Optional<Long> first = b.counters.get(view, "c0");
                    for (int i = 1; i < COUNTERS; i++) {
                        Optional<Long> other = b.counters.get(view, "c" + i);
                        if (!other.equals(first)) {
                            synchronized (violations) {
                                violations.add("c0=" + first + " c" + i + "=" + other + " at " + view.revision());
                            }
                        }
                    }
                    long total = b.total.get(view, "all");
                    if (total != first.orElse(0L) * COUNTERS) {
                        synchronized (violations) {
                            violations.add("total " + total + " with c0=" + first);
                        }
                    }
                } finally {
                    view.close();
                }
                checks.incrementAndGet();
            }
        });
        reader.start();
        int batches = 40;
        for (long n = 1; n <= batches; n++) {
            var batch = a.db.batch();
            for (int i = 0; i < COUNTERS; i++) {
                batch.set(a.counters, "c" + i, n);
            }
            batch.commit();
        }
        await("b applied every batch", () -> b.counters.get(b.db, "c4").orElse(0L) == batches);
        stop.set(true);
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(violations).isEmpty();
        assertThat(checks.get()).isPositive();
        assertThat(b.total.get(b.db, "all")).isEqualTo(batches * COUNTERS);
        assertThat(log(contexts.get(1)).status().lag()).isZero();
    }

    @Test
    void aWriteTheLogRefusesFailsAndChangesNothingLocally() throws Exception {
        Ingredients a = app(start("a"));
        Ingredients b = app(start("b"));
        a.pages.set(a.db, "home", "v1");
        JdbcTemplate jdbc = new JdbcTemplate(contexts.get(0).getBean(DataSource.class));
        jdbc.execute("ALTER TABLE PICANTE_SHARED_LOG RENAME TO PICANTE_SHARED_LOG_AWAY");
        long revision = a.db.revision().value();

        assertThatThrownBy(() -> a.pages.set(a.db, "home", "v2")).isInstanceOf(PicanteStoreException.class)
                .hasMessageStartingWith("store 'picante': the shared change log refused the write:");
        assertThat(a.pages.get(a.db, "home")).contains("v1");
        assertThat(a.db.revision().value()).isEqualTo(revision);
        PicanteStoreHealthIndicator health = new PicanteStoreHealthIndicator(
                contexts.get(0).getBean(JdbcStateStore.class), contexts.get(0).getBeanProvider(SharedChangeLog.class));
        assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.health().getDetails()).containsEntry("sharedInstance", "a")
                .hasEntrySatisfying("sharedFailure", failure -> assertThat(failure.toString())
                        .startsWith("store 'picante': the shared change log refused the write:"));

        jdbc.execute("ALTER TABLE PICANTE_SHARED_LOG_AWAY RENAME TO PICANTE_SHARED_LOG");
        a.pages.set(a.db, "home", "v3");
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
        assertThat(health.health().getDetails()).containsEntry("sharedAppliedPosition", 2L);
        await("b sees v3", () -> b.pages.get(b.db, "home").equals(Optional.of("v3")));
        assertThat(log(contexts.get(1)).status().headPosition()).isEqualTo(2);
    }

    @Test
    void onH2InstancesShareByPollingWhenSharedIsSet() throws Exception {
        url = "jdbc:h2:mem:shared-h2-" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
        Ingredients a = app(start("a", "picante.store.shared=true"));
        Ingredients b = app(start("b", "picante.store.shared=true"));
        assertThat(log(contexts.get(0)).isPostgres()).isFalse();

        a.db.batch().set(a.pages, "home", "from a").set(a.counters, "c0", 1L).commit();
        b.pages.set(b.db, "about", "from b");
        await("both see both writes", () -> a.pages.get(a.db, "about").isPresent()
                && b.pages.get(b.db, "home").isPresent());
        assertThat(b.inputs()).isEqualTo(a.inputs());
        assertThat(evaluate(b)).isEqualTo(fromScratch(a.inputs()));
    }

    /** An application that builds its own database, without the shared log's gate. */
    @Configuration(proxyBeanMethods = false)
    @Import(App.class)
    static class OwnDatabase {

        @Bean
        Database database() {
            return Database.create();
        }
    }

    @Test
    void aDatabaseWithoutTheGateFailsTheStartupWhenSharedIsSetAndIsNotSharedByDefault() {
        assertThatThrownBy(() -> start(OwnDatabase.class, "a", "picante.store.shared=true"))
                .hasRootCauseInstanceOf(PicanteStoreException.class)
                .rootCause().hasMessageStartingWith("store 'picante' is shared but the database's writes do not pass"
                        + " its change log");

        ConfigurableApplicationContext context = start(OwnDatabase.class, "a");
        assertThat(context.getBean(PicanteStoreLifecycle.class).sharedLog()).isNull();
        Ingredients a = app(context);
        a.pages.set(a.db, "home", "local");
        assertThat(a.pages.get(a.db, "home")).contains("local");
    }

    @Test
    void onH2TheStoreIsNotSharedByDefault() {
        url = "jdbc:h2:mem:shared-h2-" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
        ConfigurableApplicationContext context = start("a");
        assertThat(context.getBean(PicanteStoreLifecycle.class).sharedLog()).isNull();
        Ingredients a = app(context);
        a.pages.set(a.db, "home", "local");
        assertThat(new JdbcTemplate(context.getBean(DataSource.class)).queryForObject(
                "SELECT COUNT(*) FROM PICANTE_SHARED_LOG", Integer.class)).isZero();
    }

    @Test
    void concurrentWritesToTheSameKeysFromBothInstancesConverge() throws Exception {
        ConfigurableApplicationContext contextA = start("a");
        ConfigurableApplicationContext contextB = start("b");
        Ingredients a = app(contextA);
        Ingredients b = app(contextB);
        ExecutorService writers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Ingredients app = t % 2 == 0 ? a : b;
                long seed = t;
                futures.add(writers.submit(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 60; i++) {
                        String key = "k" + random.nextInt(4);
                        switch (random.nextInt(4)) {
                            case 0 -> app.pages.remove(app.db, key);
                            case 1 -> {
                                var batch = app.db.batch();
                                for (int c = 0; c < COUNTERS; c++) {
                                    batch.set(app.counters, "c" + c, seed * 1000 + i);
                                }
                                batch.set(app.pages, key, "batch " + seed + "/" + i).commit();
                            }
                            default -> app.pages.set(app.db, key, "t" + seed + " #" + i);
                        }
                        // read-your-writes: what this thread wrote is visible unless another write came after
                        app.pages.get(app.db, key);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            writers.shutdownNow();
        }
        SharedChangeLog logA = log(contextA);
        SharedChangeLog logB = log(contextB);
        await("both applied the whole log", () -> {
            long head = logA.status().headPosition();
            return logA.appliedPosition() == head && logB.appliedPosition() == head;
        });
        assertThat(b.inputs()).isEqualTo(a.inputs()).isNotEmpty();
        Map<String, Object> expected = fromScratch(a.inputs());
        assertThat(evaluate(a)).isEqualTo(expected);
        assertThat(evaluate(b)).isEqualTo(expected);
        // the counters of one batch stay together
        Optional<Long> c0 = a.counters.get(a.db, "c0");
        for (int c = 1; c < COUNTERS; c++) {
            assertThat(a.counters.get(a.db, "c" + c)).isEqualTo(c0);
        }
    }

    /** The derived results of the keys the tests use, evaluated on {@code app}'s database. */
    static Map<String, Object> evaluate(Ingredients app) {
        Map<String, Object> results = new TreeMap<>();
        results.put("total/all", app.total.get(app.db, "all"));
        for (int k = 0; k < 4; k++) {
            results.put("length/k" + k, app.length.get(app.db, "k" + k));
        }
        results.put("length/home", app.length.get(app.db, "home"));
        return results;
    }

    /** The same results, computed on a new plain database holding {@code inputs}. */
    static Map<String, Object> fromScratch(Map<String, Object> inputs) {
        Ingredients fresh = new Ingredients(Database.create());
        inputs.forEach((key, value) -> {
            String[] parts = key.split("/", 2);
            if (parts[0].equals("pages")) {
                fresh.pages.set(fresh.db, parts[1], (String) value);
            } else {
                fresh.counters.set(fresh.db, parts[1], (Long) value);
            }
        });
        return evaluate(fresh);
    }

    @Test
    void aStoppedInstanceCatchesUpAtStartupAlsoAfterCompaction() throws Exception {
        // The first tick of a's maintenance saves and compacts the log once it holds 5 entries.
        ConfigurableApplicationContext contextA = start("a", "picante.store.compaction-threshold=5",
                "picante.store.append-interval=200ms");
        ConfigurableApplicationContext contextB = start("b");
        Ingredients a = app(contextA);
        a.pages.set(a.db, "home", "v1");
        await("b sees v1", () -> app(contextB).pages.get(app(contextB).db, "home").isPresent());
        contextB.close();
        assertThat(log(contextA).status().instances()).extracting(SharedLogStatus.Instance::id).containsExactly("a");

        for (int i = 2; i <= 12; i++) {
            a.pages.set(a.db, "home", "v" + i);
            a.counters.set(a.db, "c0", (long) i);
        }
        await("a compacted the log", () -> log(contextA).status().compactedTo() > 0);
        a.pages.set(a.db, "late", "after compaction");

        ConfigurableApplicationContext restarted = start("b");
        Ingredients b = app(restarted);
        // caught up during startup: no waiting
        assertThat(b.pages.get(b.db, "home")).contains("v12");
        assertThat(b.pages.get(b.db, "late")).contains("after compaction");
        assertThat(b.inputs()).isEqualTo(a.inputs());
        assertThat(evaluate(b)).isEqualTo(fromScratch(a.inputs())).isEqualTo(evaluate(a));
        SharedLogStatus status = log(restarted).status();
        assertThat(status.instanceId()).isEqualTo("b");
        assertThat(status.lag()).isZero();
        assertThat(status.instances()).extracting(SharedLogStatus.Instance::id).containsExactly("a", "b");

        // the actuator summary shows this instance's id, and each instance's applied position and lag
        PicanteEndpoint endpoint = new PicanteEndpoint(b.db, Show.NEVER, Set.of(),
                restarted.getBeanProvider(JdbcStateStore.class), restarted.getBeanProvider(SharedChangeLog.class));
        PicanteDescriptor summary = (PicanteDescriptor) endpoint.picante(null, SecurityContext.NONE);
        assertThat(summary.store()).isNotNull();
        SharedLogDescriptor shared = summary.store().shared();
        assertThat(shared).isNotNull();
        assertThat(shared.instanceId()).isEqualTo("b");
        assertThat(shared.lag()).isZero();
        assertThat(shared.appliedPosition()).isEqualTo(shared.headPosition()).isEqualTo(24);
        assertThat(shared.instances()).extracting(InstanceDescriptor::id, InstanceDescriptor::self)
                .containsExactly(tuple("a", false), tuple("b", true));
        assertThat(shared.instances().get(1).lag()).isZero();
        await("a's heartbeat reports its position", () -> {
            SharedLogDescriptor now = ((PicanteDescriptor) endpoint.picante(null, SecurityContext.NONE)).store()
                    .shared();
            return now.instances().get(0).appliedPosition() == 24 && now.instances().get(0).lag() == 0;
        });
    }
}
