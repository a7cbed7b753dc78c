package dev.picante.benchmarks;

import com.sun.management.ThreadMXBean;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.picante.spring.jdbc.JdbcStateStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.h2.jdbcx.JdbcDataSource;

/**
 * A companion to {@link JdbcStoreBenchmark} for a loaded machine: the same database (100,000 inputs, 10,000
 * memos) and store, timed by the calling thread's CPU time and allocation, which other processes' load
 * changes much less than elapsed time. On H2 (embedded) that thread does the database's work too, except
 * H2's background writer; on PostgreSQL the server's work is in its own processes and not counted, so the
 * PostgreSQL figures are the client side only. Not a JMH benchmark: no forks, few repetitions.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.picante.benchmarks.StoreCpuTime h2|postgresql
 * [rounds]} (JVM flags as the benchmark's: {@code -Xms2g -Xmx2g}).
 */
public final class StoreCpuTime {

    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int APPENDS = 200;

    private StoreCpuTime() {
    }

    public static void main(String[] args) throws Exception {
        boolean h2 = args.length > 0 && args[0].equalsIgnoreCase("h2");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        HikariConfig pool = new HikariConfig();
        pool.setPoolName("picante-store-cpu");
        pool.setMaximumPoolSize(2);
        EmbeddedPostgres postgres = null;
        Path dir = null;
        if (h2) {
            dir = Files.createTempDirectory("picante-store-cpu");
            JdbcDataSource ds = new JdbcDataSource();
            ds.setURL("jdbc:h2:file:" + dir.resolve("picante").toAbsolutePath());
            ds.setUser("sa");
            pool.setDataSource(ds);
        } else {
            postgres = EmbeddedPostgres.start();
            pool.setDataSource(postgres.getPostgresDatabase());
        }
        try (HikariDataSource dataSource = new HikariDataSource(pool)) {
            JdbcStateStore store = JdbcStateStore.builder(dataSource).compactionThreshold(Integer.MAX_VALUE)
                    .build();
            JdbcStoreBenchmark.App app = new JdbcStoreBenchmark.App();
            for (int i = 0; i < JdbcStoreBenchmark.INPUTS; i++) {
                app.pages.set(app.db, "k" + i, "value " + i);
            }
            for (int i = 0; i < JdbcStoreBenchmark.MEMOS; i++) {
                app.length.get(app.db, "k" + i);
            }
            System.out.println("vendor " + (h2 ? "H2 (file)" : "PostgreSQL (embedded)") + "; calling thread only;"
                    + " load average " + Files.readString(Path.of("/proc/loadavg")).strip());
            long[] n = {0};
            for (int round = 1; round <= rounds; round++) {
                measure("round " + round + " save", 1, () -> store.save(app.db));
                JdbcStoreBenchmark.App target = new JdbcStoreBenchmark.App();
                measure("round " + round + " load", 1, () -> store.load(target.db));
                measure("round " + round + " append (per op, " + APPENDS + " ops)", APPENDS, () -> {
                    for (int i = 0; i < APPENDS; i++) {
                        long k = n[0]++;
                        app.pages.set(app.db, "k" + (k % JdbcStoreBenchmark.INPUTS), "changed " + k);
                        Work.check(store.append(app.db), "append wrote nothing");
                    }
                });
            }
        } finally {
            if (postgres != null) {
                postgres.close();
            }
            if (dir != null) {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private static void measure(String what, int ops, Runnable action) {
        long wall = System.nanoTime();
        long cpu = THREADS.getCurrentThreadCpuTime();
        long bytes = THREADS.getCurrentThreadAllocatedBytes();
        action.run();
        double cpuMs = (THREADS.getCurrentThreadCpuTime() - cpu) / 1e6 / ops;
        double wallMs = (System.nanoTime() - wall) / 1e6 / ops;
        double kb = (THREADS.getCurrentThreadAllocatedBytes() - bytes) / 1024.0 / ops;
        System.out.printf(Locale.ROOT, "%-40s cpu %10.3f ms  elapsed %10.3f ms  allocated %,12.0f KB%n", what, cpuMs,
                wallMs, kb);
    }
}
