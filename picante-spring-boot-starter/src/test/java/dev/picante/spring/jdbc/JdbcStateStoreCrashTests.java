package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.InternId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Kills a child JVM that saves and appends in a loop against a file H2 database with SIGKILL at random
 * moments, and checks after every kill that a load yields exactly the last acknowledged step or the one in
 * flight: all counters from one batch, the interned values of every step up to it, and a derived sum that
 * agrees (r[store.atomic-save], r[store.log]). One lane runs on the H2 settings a user gets by default
 * (issue 14) with input writes appended before they return (issue 13).
 */
class JdbcStateStoreCrashTests {

    private static final int KILLS = 22;

    @Test
    void everyLoadAfterAKillSeesOneCommittedState(@TempDir Path dir) throws Exception {
        // r[store.atomic-save] r[store.log]
        // Two lanes, each with its own database file, share the kills to keep the test short on 2 cores.
        ExecutorService lanes = Executors.newFixedThreadPool(2);
        try {
            // Lane one: the H2 settings a user gets by default (no WRITE_DELAY in the URL: the store sets it) and
            // the default synchronous append of input writes. Lane two: WRITE_DELAY=0 in the URL and explicit
            // appends (append-mode interval).
            Future<List<Long>> one = lanes.submit(() -> killRepeatedly(dir.resolve("one"), "", "sync", KILLS / 2, 1));
            Future<List<Long>> two = lanes.submit(() -> killRepeatedly(dir.resolve("two"), ";WRITE_DELAY=0",
                    "interval", KILLS - KILLS / 2, 2));
            List<Long> first = one.get(5, TimeUnit.MINUTES);
            List<Long> second = two.get(5, TimeUnit.MINUTES);
            assertThat(first.size() + second.size()).isGreaterThanOrEqualTo(20);
            assertThat(first.get(first.size() - 1) + second.get(second.size() - 1))
                    .as("the children made progress").isPositive();
        } finally {
            lanes.shutdownNow();
        }
    }

    @Test
    void everyLoadAfterAKillDuringIncrementalSavesSeesOneCommittedState(@TempDir Path dir) throws Exception {
        // r[store.atomic-save] r[store.log]: a child that saves after every step (20,000 more records in about
        // 20 chunks, of which each save rewrites a few), killed at random moments, most of them in a save
        List<Long> seen = killRepeatedly(dir.resolve("incremental"), "", "incremental", 6, 3);
        assertThat(seen).hasSize(6);
        assertThat(seen.get(seen.size() - 1)).as("the children made progress").isPositive();
        String outputs = "";
        for (int kill = 0; kill < 6; kill++) {
            outputs += read(dir.resolve("incremental-child-" + kill + ".log"));
        }
        assertThat(outputs).as("the children's saves were incremental").contains(" incremental");
    }

    /**
     * Starts and kills a child {@code kills} times against one file; after each kill, checks that the load
     * yields exactly the last acknowledged step or the one in flight. Returns the step loaded after each.
     */
    private static List<Long> killRepeatedly(Path file, String settings, String mode, int kills, long seed)
            throws Exception {
        String url = "jdbc:h2:file:" + file.toAbsolutePath() + ";FILE_LOCK=FS" + settings;
        Random random = new Random(seed);
        List<Long> seen = new ArrayList<>();
        long start = System.nanoTime();
        // The schema is made once; the children and the checks skip Flyway to start fast.
        JdbcDataSource setup = dataSource(url);
        JdbcStateStore.builder(setup).build().migrate();
        new JdbcTemplate(setup).execute("SHUTDOWN");
        for (int kill = 0; kill < kills; kill++) {
            // The child's output goes to a file, read after it died: a pipe's unread end is drained and closed
            // by the JVM when the process exits, which can cut short a reader and lose the last "ack" lines.
            Path output = file.resolveSibling(file.getFileName() + "-child-" + kill + ".log");
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "-Xmx256m", "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC", CrashChild.class.getName(), url + ";DB_CLOSE_DELAY=-1", mode)
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            try {
                long started = lastMarker(output, "ready", Duration.ofSeconds(60));
                assertThat(started).as("child started; it printed:%n%s", read(output)).isGreaterThanOrEqualTo(0);
                // Killed at a random moment after its first acknowledged step, so that every child makes
                // progress even on a loaded machine.
                assertThat(lastMarker(output, "ack", Duration.ofSeconds(60)))
                        .as("child acknowledged a step; it printed:%n%s", read(output)).isGreaterThanOrEqualTo(0);
                Thread.sleep(random.nextInt(900));
            } finally {
                child.destroyForcibly();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            long acked = Math.max(markers(read(output), "ready"), markers(read(output), "ack"));
            long loaded = checkConsistent(url);
            assertThat(loaded).as("%s kill %d: the last acknowledged step %d or the one in flight", file.getFileName(),
                    kill, acked).isBetween(acked, acked + 1);
            seen.add(loaded);
            System.out.printf("%s kill %d: step %d after %d ms (acknowledged %d)%n", file.getFileName(), kill,
                    loaded, (System.nanoTime() - start) / 1_000_000, acked);
        }
        return seen;
    }

    /** The child's markers, {@code ready n} and {@code ack n}, at the end of a line. */
    private static final Pattern MARKER = Pattern.compile("(?m)(ready|ack) (\\d+)$");

    /** Waits until the child printed a {@code kind} marker; returns the last one's number, or -1 at the deadline. */
    private static long lastMarker(Path output, String kind, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long found = markers(read(output), kind);
            if (found >= 0) {
                return found;
            }
            Thread.sleep(20);
        }
        return -1;
    }

    /** The number of the last {@code kind} marker in {@code text} ({@code ready n} or {@code ack n}), or -1. */
    private static long markers(String text, String kind) {
        long last = -1;
        Matcher m = MARKER.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(kind)) {
                last = Long.parseLong(m.group(2));
            }
        }
        return last;
    }

    private static String read(Path output) throws java.io.IOException {
        return java.nio.file.Files.exists(output) ? java.nio.file.Files.readString(output, StandardCharsets.ISO_8859_1)
                : "";
    }

    private static JdbcDataSource dataSource(String url) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        ds.setUser("sa");
        return ds;
    }

    /** Loads the store and checks that its state is one committed step; returns that step. */
    private static long checkConsistent(String url) {
        JdbcDataSource ds = dataSource(url);
        CrashChild.App app = new CrashChild.App();
        try {
            JdbcStateStore.builder(ds).initializeSchema(false).build().load(app.db);
        } finally {
            new JdbcTemplate(ds).execute("SHUTDOWN"); // release the file for the next child
        }
        long n = app.counter();
        for (int i = 0; i < CrashChild.COUNTERS; i++) {
            assertThat(app.counters.get(app.db, "c" + i)).as("counter c%d at step %d", i, n)
                    .isEqualTo(n == 0 ? Optional.empty() : Optional.of(n));
        }
        assertThat(app.sum.get(app.db, "all")).isEqualTo(CrashChild.COUNTERS * n);
        if (app.bulk.get(app.db, "b0").isPresent()) {
            // the incremental lane: every bulk record is there, the last step's one as it wrote it
            for (int i = 0; i < CrashChild.BULK; i++) {
                assertThat(app.bulk.get(app.db, "b" + i)).as("bulk record %d at step %d", i, n).isPresent();
            }
            if (n > 0) {
                assertThat(app.bulk.get(app.db, "b" + (n % CrashChild.BULK))).contains("v" + n);
            }
        }
        for (int step = 1; step <= n; step++) {
            assertThat(app.values.lookup(app.db, new InternId(step - 1))).isEqualTo("v" + step);
        }
        assertThat(app.values.intern(app.db, "v" + (n + 1))).as("no interned value past step %d", n)
                .isEqualTo(new InternId((int) n));
        return n;
    }
}
