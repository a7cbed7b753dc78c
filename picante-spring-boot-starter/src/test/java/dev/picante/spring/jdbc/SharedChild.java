package dev.picante.spring.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.picante.Batch;
import dev.picante.Database;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The child JVM of {@link SharedStoreCrashTests}: one instance of a shared store that, until it is killed,
 * sets the counters {@code c0..c4} and the page {@code step} to step {@code n} in one batch, and prints
 * {@code ack n} to a file after each commit returned (each line is one write to the file, which the
 * operating system keeps when the process is killed).
 */
public final class SharedChild {

    private SharedChild() {
    }

    /**
     * Runs as instance {@code args[1]} against the PostgreSQL JDBC URL {@code args[0]}, acknowledging to the
     * file {@code args[2]}.
     */
    public static void main(String[] args) throws IOException {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(args[0]);
        ds.setUsername("postgres");
        ds.setMaximumPoolSize(4);
        SharedStoreTests.Ingredients app = instance(ds, args[1]);
        long n = app.counters.get(app.db, "c0").orElse(0L);
        PrintStream acks = new PrintStream(new FileOutputStream(args[2], true), true, StandardCharsets.UTF_8);
        System.out.println("ready " + n);
        System.out.flush();
        while (true) {
            n++;
            Batch batch = app.db.batch();
            for (int i = 0; i < SharedStoreTests.COUNTERS; i++) {
                batch.set(app.counters, "c" + i, n);
            }
            batch.set(app.pages, "step", "s" + n).commit();
            acks.println("ack " + n);
        }
    }

    /** Starts an instance of the shared store on {@code ds}, as the auto-configuration would, for good. */
    static SharedStoreTests.Ingredients instance(javax.sql.DataSource ds, String id) {
        return start(ds, id).app();
    }

    /**
     * Starts an instance of the shared store on {@code ds}, as the auto-configuration would; closing it stops its
     * appender and log listener, as a closing context would. A test closes it before {@code ds}: otherwise the
     * instance keeps polling a closed pool for the rest of the test JVM.
     */
    static Instance start(javax.sql.DataSource ds, String id) {
        SharedChangeLog log = new SharedChangeLog(ds, new JacksonCodec(), "picante", true, id, Duration.ofHours(1));
        SharedStoreTests.Ingredients app = new SharedStoreTests.Ingredients(Database.builder().inputChangeLog(log)
                .build());
        PicanteStoreLifecycle.Settings settings = new PicanteStoreLifecycle.Settings(true, false, false,
                AppendMode.SYNC, Duration.ofMillis(300), Duration.ofMillis(100), 25, null);
        PicanteStoreLifecycle lifecycle = new PicanteStoreLifecycle(JdbcStateStore.builder(ds).build(), app.db,
                settings, log);
        lifecycle.start();
        return new Instance(app, lifecycle);
    }

    /** A started instance: its ingredients, and its lifecycle, which {@link #close()} stops. */
    record Instance(SharedStoreTests.Ingredients app, PicanteStoreLifecycle lifecycle) implements AutoCloseable {

        @Override
        public void close() {
            lifecycle.stop();
        }
    }
}
