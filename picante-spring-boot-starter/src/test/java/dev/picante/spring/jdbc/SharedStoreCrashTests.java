package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills an instance of a shared store (a child JVM, with SIGKILL) in the middle of its write loop, while
 * another instance runs in this JVM: every write the child acknowledged reaches the survivor and a fresh
 * instance, and no batch, acknowledged or not, is ever seen half-applied.
 */
class SharedStoreCrashTests {

    private static final int KILLS = 3;

    @Test
    void noAcknowledgedWriteIsLostAndNoBatchIsHalfAppliedWhenAnInstanceIsKilled(@TempDir Path dir)
            throws Exception {
        EmbeddedPostgres pg = TestDatabases.postgres();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE shared_crash");
        }
        String url = pg.getJdbcUrl("postgres", "shared_crash");
        Random random = new Random(8);
        try (HikariDataSource ds = dataSource(url);
                SharedChild.Instance survivorInstance = SharedChild.start(ds, "survivor")) {
            SharedStoreTests.Ingredients survivor = survivorInstance.app();
            long lastAck = 0;
            for (int kill = 0; kill < KILLS; kill++) {
                Path ackFile = dir.resolve("acks-" + kill);
                // The child's output goes to a file, read while and after it runs: an undrained pipe would block a
                // child that prints much, and the JVM drains and closes a pipe's unread end when the child exits,
                // which can cut short a reader (JdbcStateStoreCrashTests does the same).
                Path output = dir.resolve("child-" + kill + ".log");
                Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), "-Xmx256m", "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC", SharedChild.class.getName(), url, "child-" + kill, ackFile.toString())
                        .redirectErrorStream(true).redirectOutput(output.toFile()).start();
                try {
                    long ready = readyStep(output, child, Duration.ofSeconds(120));
                    assertThat(ready).as("child started; it printed:%n%s", read(output)).isGreaterThanOrEqualTo(0);
                    // the child caught up at startup with everything acknowledged before
                    assertThat(ready).isEqualTo(lastAck);
                    long target = lastAck + 20 + random.nextInt(60);
                    SharedStoreTests.await("the child acknowledged step " + target, () -> acknowledged(ackFile) >= target);
                } finally {
                    child.destroyForcibly(); // SIGKILL, in the middle of the write loop
                    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
                }
                long acked = acknowledged(ackFile);
                long seen = converged(survivor, acked);
                // every acknowledged batch is there; at most the one in flight at the kill was committed unacknowledged
                assertThat(seen).isBetween(acked, acked + 1);
                System.out.printf("kill %d: last acknowledged step %d, the survivor sees step %d%n", kill, acked,
                        seen);
                lastAck = seen;
            }
            // a fresh instance, started after the kills, sees exactly what the survivor sees
            try (HikariDataSource fresh = dataSource(url);
                    SharedChild.Instance lateInstance = SharedChild.start(fresh, "fresh")) {
                SharedStoreTests.Ingredients late = lateInstance.app();
                assertThat(late.inputs()).isEqualTo(survivor.inputs());
                assertThat(consistentStep(late)).isEqualTo(lastAck);
                assertThat(late.total.get(late.db, "all")).isEqualTo(lastAck * SharedStoreTests.COUNTERS);
            }
        }
    }

    /** The child's marker {@code ready n} at the start of a line. */
    private static final Pattern READY = Pattern.compile("(?m)^ready (\\d+)\\s*$");

    /** Waits until the child printed {@code ready n}; returns n, or -1 if it exited or the deadline passed. */
    private static long readyStep(Path output, Process child, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = READY.matcher(read(output));
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
            if (!child.isAlive()) {
                m = READY.matcher(read(output));
                return m.find() ? Long.parseLong(m.group(1)) : -1;
            }
            Thread.sleep(20);
        }
        return -1;
    }

    private static String read(Path output) throws IOException {
        return Files.exists(output) ? Files.readString(output, StandardCharsets.ISO_8859_1) : "";
    }

    private static long acknowledged(Path file) {
        try {
            if (!Files.exists(file)) {
                return 0;
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (lines.get(i).startsWith("ack ")) {
                    return Long.parseLong(lines.get(i).substring(4).trim());
                }
            }
            return 0;
        } catch (IOException | NumberFormatException e) {
            return 0; // a line being written; read again
        }
    }

    private static HikariDataSource dataSource(String url) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(url);
        ds.setUsername("postgres");
        ds.setMaximumPoolSize(4);
        return ds;
    }

    /** Waits until the survivor applied the whole log and at least {@code acked}; returns the step it sees. */
    private static long converged(SharedStoreTests.Ingredients survivor, long acked) throws InterruptedException {
        SharedStoreTests.await("the survivor sees step " + acked, () -> consistentStep(survivor) >= acked);
        // the log's head may hold one more batch, committed just before the kill but not acknowledged
        Thread.sleep(500);
        return consistentStep(survivor);
    }

    /** The step of the last batch the instance applied, checking that the whole batch is there. */
    private static long consistentStep(SharedStoreTests.Ingredients app) {
        var view = app.db.snapshot();
        try {
            Optional<Long> step = app.counters.get(view, "c0");
            for (int i = 1; i < SharedStoreTests.COUNTERS; i++) {
                assertThat(app.counters.get(view, "c" + i)).as("counter c%d of step %s", i, step).isEqualTo(step);
            }
            assertThat(app.pages.get(view, "step")).isEqualTo(step.map(n -> "s" + n));
            return step.orElse(0L);
        } finally {
            view.close();
        }
    }
}
