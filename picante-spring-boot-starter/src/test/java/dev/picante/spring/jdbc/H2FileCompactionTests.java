package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.picante.spring.jdbc.FileCompactionChild.Pages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The H2 file's size after a kill -9 during a large save (issue 17 item 4: "the H2 file size stable (within
 * 10%) over five restarts without edits"), and the compaction that keeps it close to its data (H2's
 * {@code SHUTDOWN COMPACT} when the database closes, asked by the lifecycle at startup when less than half the
 * file is live data, {@link JdbcStateStore#compactH2FileIfSparse()}): its effect, without it, and a kill -9
 * during it.
 */
class H2FileCompactionTests {

    /**
     * The live share (percent) below which these tests call a file sparse, and the threshold their restarts use
     * (the property's default is 50). On an idle machine the kill leaves the file 54 to 58% live (on a loaded one
     * as little as 12%): below 70 every time seen, so the scenario is not skipped where it runs fastest.
     */
    private static final int SPARSE_BELOW = 70;

    /** About 18 KB a page: 1,000 pages make a store of about 18 MB. */
    private static final int PAGES = 1_000;

    @Test
    void afterAKillDuringALargeSaveTheNextStartFindsTheFileMostlyFreeAndItsRunCompactsIt(@TempDir Path dir)
            throws Exception {
        Path store = sparseStore(dir);
        long sparse = FileCompactionChild.size(store.resolve("store.mv.db"));
        long fresh = freshSaveSize(dir.resolve("fresh"));
        System.out.println("a fresh save: " + fresh + " bytes");
        System.out.println("the kill's file: " + sparse + " bytes");
        List<Long> sizes = new ArrayList<>();
        for (int run = 1; run <= 5; run++) {
            sizes.add(restartWithoutEdits(store, run, SPARSE_BELOW));
        }
        // Before, the file stayed as large as the kill left it over every restart (withTheCompactionOff... below):
        // H2's close-time compaction moves nothing while its chunks are at least 90% live, whatever the free space
        // between them, nor a chunk over 16 MB. Now the first restart finds it so at startup and H2 compacts it
        // when that run's last connection closes.
        for (int run = 1; run <= sizes.size(); run++) {
            assertThat(sizes.get(run - 1)).as("restart %d: within 10%% of a fresh save (%d bytes); all: %s", run,
                    fresh, sizes).isLessThanOrEqualTo(fresh + fresh / 10);
        }
        assertThat(java.util.Collections.max(sizes)).as("five restarts without edits: %s", sizes)
                .isLessThanOrEqualTo(java.util.Collections.min(sizes) * 11 / 10);
        assertThat(status(store.resolve("store")).liveRate()).as("live share").isGreaterThanOrEqualTo(SPARSE_BELOW);
    }

    @Test
    void withTheCompactionOffAFileMostlyFreeKeepsItsSize(@TempDir Path dir) throws Exception {
        // What H2 does by itself (picante.store.h2-compact-below-fill-rate=0), the reason for the compaction.
        Path store = sparseStore(dir);
        List<Long> sizes = new ArrayList<>(List.of(FileCompactionChild.size(store.resolve("store.mv.db"))));
        for (int run = 1; run <= 2; run++) {
            sizes.add(restartWithoutEdits(store, run, 0));
        }
        assertThat(sizes).as("the restarts keep the kill's file as it is").allSatisfy(size -> assertThat(size)
                .isGreaterThanOrEqualTo(sizes.get(0) * 99 / 100));
        assertThat(status(store.resolve("store")).liveRate()).as("live share").isLessThan(SPARSE_BELOW);
    }

    /**
     * A store whose file a kill during a large save left less than {@link #SPARSE_BELOW} percent live data (without the compaction),
     * in a directory under {@code dir}: H2's layout depends on timing (it reuses a dropped chunk's space only after
     * its retention time, 45 s), so the scenario is tried up to three times; the test is skipped if none does.
     */
    private static Path sparseStore(Path dir) throws Exception {
        List<H2FileStatus> tried = new ArrayList<>();
        for (int attempt = 0; attempt < 3; attempt++) {
            Path store = dir.resolve("sparse-" + attempt);
            Files.createDirectories(store);
            killDuringASaveThenRestart(store, 0);
            H2FileStatus status = status(store.resolve("store"));
            if (status.liveRate() < SPARSE_BELOW) {
                return store;
            }
            tried.add(status);
        }
        assumeTrue(false, "no kill left the file less than half live: " + tried);
        return dir;
    }

    @Test
    void aKillDuringTheCompactionLeavesTheLastCommittedState(@TempDir Path dir) throws Exception {
        // The file as a kill during a save leaves it (without the compaction), copied for each kill.
        Path sparse = sparseStore(dir);
        H2FileStatus before = status(sparse.resolve("store"));

        // One compaction left to finish, to time it.
        long millis = compactInAChild(sparse, dir.resolve("timed"), -1);
        long compacted = FileCompactionChild.size(dir.resolve("timed").resolve("store.mv.db"));
        assertThat(compacted).as("compacted from %s", before).isLessThan(before.bytes() / 2);
        checkLastSave(dir.resolve("timed"));

        // Kills at moments chosen so that most land inside the compaction: later after one that came before it
        // (no copy begun), earlier after one that came after it (the file replaced).
        Random random = new Random(17);
        long low = 0;
        long high = millis + millis / 2;
        int during = 0;
        for (int kill = 0; kill < 8; kill++) {
            Path copy = dir.resolve("kill-" + kill);
            long delay = low + (long) (random.nextDouble() * (high - low));
            compactInAChild(sparse, copy, delay);
            boolean copying = Files.exists(copy.resolve("store.mv.db.tempFile"));
            long size = FileCompactionChild.size(copy.resolve("store.mv.db"));
            // done once the copy replaced the file, which can come before the child's close returns
            boolean done = read(copy.resolve("child.log")).contains("compacted in") || size < before.bytes() / 2;
            if (done) {
                high = delay;
            } else if (copying) {
                during++;
            } else {
                low = delay;
            }
            System.out.println("kill " + kill + " " + delay + " ms after the close began (" + millis + " ms in all): "
                    + size + " bytes, " + (done ? "after the copy" : copying ? "during the copy" : "before the copy"));
            checkLastSave(copy);
            assertThat(copy.resolve("store.mv.db.tempFile")).as("the partial copy, deleted at the open").doesNotExist();
            // and a compaction after the kill does the job
            JdbcDataSource ds = dataSource(url(copy.resolve("store")));
            H2FileCompaction again = JdbcStateStore.builder(ds).initializeSchema(false).build().compactH2File();
            assertThat(again).isNotNull();
            assertThat(again.scheduled()).as("%s", again.describe()).isTrue();
            assertThat(FileCompactionChild.size(copy.resolve("store.mv.db"))).as("kill %d: %s", kill, again.describe())
                    .isLessThan(before.bytes() / 2);
            checkLastSave(copy);
        }
        assertThat(during).as("kills during the copy").isPositive();
    }

    /**
     * Copies the store in {@code from} to {@code to} and compacts it in a child, killed {@code delay} ms after it
     * started the compaction, or after it finished if {@code delay} is negative; returns how long the child's
     * compaction took in that case, else {@code delay}.
     */
    private static long compactInAChild(Path from, Path to, long delay) throws Exception {
        Files.createDirectories(to);
        Files.copy(from.resolve("store.mv.db"), to.resolve("store.mv.db"));
        Path output = to.resolve("child.log");
        Process child = child(url(to.resolve("store")), "compact", output);
        try {
            assertThat(waitFor(output, "compacting", Duration.ofSeconds(120))).as("child started: %s", read(output))
                    .isTrue();
            if (delay < 0) {
                assertThat(waitFor(output, "compacted in", Duration.ofSeconds(120))).as("child compacted: %s",
                        read(output)).isTrue();
            } else {
                Thread.sleep(delay);
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        if (delay >= 0) {
            return delay;
        }
        Matcher m = Pattern.compile("in (\\d+) ms").matcher(read(output));
        assertThat(m.find()).as("child's output: %s", read(output)).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** Loads the store in {@code dir} and checks that it holds the last save of {@link #killDuringASaveThenRestart}. */
    private static void checkLastSave(Path dir) {
        JdbcDataSource ds = dataSource(url(dir.resolve("store")));
        Pages app = new Pages();
        try {
            JdbcStateStore.builder(ds).initializeSchema(false).build().load(app.db);
        } finally {
            shutdown(ds);
        }
        for (int i = 0; i < PAGES; i++) {
            assertThat(app.pages.get(app.db, "p" + i)).as("%s: page %d", dir.getFileName(), i)
                    .contains(Pages.text(i, "restarted"));
        }
        app.readAll(PAGES);
        assertThat(app.db.inspector().ingredient("length").counters().computations()).as("served as saved").isZero();
    }

    /**
     * Saves {@link #PAGES} pages, kills a child during a full save of them all edited, then restarts as the
     * demo did after such a kill, editing every page (a full save at shutdown). The restart is a
     * {@link PicanteStoreLifecycle} started and stopped, then H2 closed with the demo's URL settings; returns the
     * file's size after it.
     */
    private static long killDuringASaveThenRestart(Path dir, int compactBelowFillRate) throws Exception {
        String url = url(dir.resolve("store"));
        Path file = dir.resolve("store.mv.db");
        JdbcDataSource setup = dataSource(url);
        Pages first = new Pages();
        first.write(PAGES, "first");
        JdbcStateStore.builder(setup).build().save(first.db);
        shutdown(setup);
        long saved = FileCompactionChild.size(file);

        Path output = dir.resolve("child.log");
        Process child = child(url, "save", output);
        try {
            assertThat(waitFor(output, "saving", Duration.ofSeconds(120))).as("child started the save: %s",
                    read(output)).isTrue();
            // Killed once the save has written a few MB (or right after it, on a machine too fast to catch it).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (FileCompactionChild.size(file) < saved + 8_000_000 && !read(output).contains("saved")
                    && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        System.out.println("saved " + saved + ", at the kill " + FileCompactionChild.size(file) + (read(output)
                .contains("saved") ? " (after the save)" : " (during the save)"));
        return run(dir, 0, compactBelowFillRate, true);
    }

    private static long restartWithoutEdits(Path dir, int run, int compactBelowFillRate) throws Exception {
        return run(dir, run, compactBelowFillRate, false);
    }

    /** One run of the application: a lifecycle started, every page edited or read, the lifecycle stopped, H2 closed. */
    private static long run(Path dir, int run, int compactBelowFillRate, boolean edit) throws Exception {
        JdbcDataSource ds = dataSource(url(dir.resolve("store")));
        // The application's pool: H2 closes the database (and compacts it if asked) when it closes.
        java.sql.Connection pool = ds.getConnection();
        JdbcStateStore store = JdbcStateStore.builder(ds).initializeSchema(false)
                .h2CompactBelowFillRate(compactBelowFillRate).build();
        Pages app = new Pages();
        PicanteStoreLifecycle lifecycle = new PicanteStoreLifecycle(store, app.db, new PicanteStoreLifecycle.Settings(
                true, true, false, AppendMode.INTERVAL, null, Duration.ofMillis(500), 100, "run-" + run), null);
        lifecycle.start();
        assertThat(app.pages.get(app.db, "p7")).as("run %d: the last committed save", run)
                .contains(Pages.text(7, edit ? "first" : "restarted"));
        if (edit) {
            app.write(PAGES, "restarted");
        } else {
            app.readAll(PAGES);
            assertThat(app.db.inspector().ingredient("length").counters().computations())
                    .as("run %d: served as saved", run).isZero();
        }
        lifecycle.stop();
        pool.close();
        long size = FileCompactionChild.size(dir.resolve("store.mv.db"));
        System.out.println("run " + run + " (compaction below " + compactBelowFillRate + "%): " + size + " bytes");
        return size;
    }

    private static H2FileStatus status(Path store) {
        JdbcDataSource ds = dataSource(url(store));
        try {
            H2FileStatus status = JdbcStateStore.builder(ds).initializeSchema(false).build().h2File();
            assertThat(status).isNotNull();
            return status;
        } finally {
            shutdown(ds);
        }
    }

    /** The size of a fresh H2 file holding one save of the pages as the restarts left them. */
    private static long freshSaveSize(Path store) throws Exception {
        JdbcDataSource ds = dataSource(url(store));
        Pages app = new Pages();
        app.write(PAGES, "restarted");
        JdbcStateStore.builder(ds).build().save(app.db);
        shutdown(ds);
        return FileCompactionChild.size(store.resolveSibling(store.getFileName() + ".mv.db"));
    }

    /** The demo's URL settings. */
    static String url(Path store) {
        return "jdbc:h2:file:" + store.toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE;MAX_COMPACT_TIME=10000";
    }

    static JdbcDataSource dataSource(String url) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        ds.setUser("sa");
        return ds;
    }

    static void shutdown(JdbcDataSource ds) {
        new JdbcTemplate(ds).execute("SHUTDOWN");
    }

    static Process child(String url, String mode, Path output) throws java.io.IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                FileCompactionChild.class.getName(), url, mode, String.valueOf(PAGES))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    static boolean waitFor(Path output, String marker, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (read(output).contains(marker)) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }

    static String read(Path output) throws java.io.IOException {
        return Files.exists(output) ? Files.readString(output, StandardCharsets.ISO_8859_1) : "";
    }
}
