package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test PostgreSQL's exit ({@link TestDatabases#stopAndRemove}): the server stops, and its data directory
 * (a database per test) is renamed and deleted by another process, or within a budget that keeps the test JVM's
 * exit under surefire's 30 seconds; what is left is deleted by the next test JVM. Before, the deletion ran
 * unbounded in the exit, and surefire killed the fork ("The exit has elapsed 30 seconds after System.exit(0)")
 * half way through it.
 */
class PostgresDataDirectoryTests {

    @TempDir
    Path tmp;

    @Test
    void aStoppedServersDirectoryIsRenamedAndWhatIsLeftOfItDeletedByTheNextTestJvm() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("epg-server"));
        EmbeddedPostgres pg = server(data);
        DataSource postgres = pg.getPostgresDatabase();
        try (Connection c = postgres.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE one");
            s.execute("CREATE DATABASE two");
        }

        Path stopped = TestDatabases.stop(pg, data);

        assertThatThrownBy(postgres::getConnection).as("the server stopped").isInstanceOf(SQLException.class);
        assertThat(data).doesNotExist();
        assertThat(stopped).isEqualTo(tmp.resolve(TestDatabases.STOPPED_PREFIX + "epg-server"));
        assertThat(TestDatabases.deleteTree(stopped, System.nanoTime())).as("no time left").isFalse();
        assertThat(stopped).as("left for the next JVM").isDirectory();

        Path other = Files.createDirectory(tmp.resolve("epg-of-a-running-server"));
        TestDatabases.removeStoppedDataDirectories(tmp, false);
        assertThat(stopped).doesNotExist();
        assertThat(other).as("only stopped servers' directories").isDirectory();
    }

    @Test
    void theExitStopsTheServerAndDeletesItsDirectory() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("epg-server"));
        EmbeddedPostgres pg = server(data);
        DataSource postgres = pg.getPostgresDatabase();
        long started = System.nanoTime();

        TestDatabases.stopAndRemove(pg, data, Duration.ofMinutes(1));

        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("within the exit's budget")
                .isLessThan(Duration.ofSeconds(25));
        assertThatThrownBy(postgres::getConnection).as("the server stopped").isInstanceOf(SQLException.class);
        // where another process deletes it, it may still be doing so
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!isEmpty(tmp) && System.nanoTime() - deadline < 0) {
            Thread.sleep(100);
        }
        assertThat(isEmpty(tmp)).as("nothing left in the temporary directory").isTrue();
    }

    private static EmbeddedPostgres server(Path data) throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false)
                .setRegisterShutdownHook(false).start();
    }

    private static boolean isEmpty(Path directory) throws IOException {
        try (Stream<Path> children = Files.list(directory)) {
            return children.findAny().isEmpty();
        }
    }
}
