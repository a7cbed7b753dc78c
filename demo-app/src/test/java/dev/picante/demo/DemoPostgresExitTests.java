package dev.picante.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
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
 * The exit of the demo tests' PostgreSQL ({@link DemoPostgres#stopAndRemove}): the server stops and its data
 * directory is renamed and deleted by another process, so the test JVM's exit does not outlast surefire's 30
 * seconds (before, EmbeddedPostgres's own shutdown hook deleted the directory in the exit, unbounded); what is
 * left is deleted by the next test JVM.
 */
class DemoPostgresExitTests {

    @TempDir
    Path tmp;

    @Test
    void theExitStopsTheServerQuicklyAndNothingOfItsDirectoryIsLeft() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("epg-demo"));
        EmbeddedPostgres pg = server(data);
        DataSource postgres = pg.getPostgresDatabase();
        try (Connection c = postgres.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE demo_1");
        }
        long started = System.nanoTime();

        DemoPostgres.stopAndRemove(pg, data, Duration.ofMinutes(1));

        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("within the exit's budget")
                .isLessThan(Duration.ofSeconds(25));
        assertThatThrownBy(postgres::getConnection).as("the server stopped").isInstanceOf(SQLException.class);
        assertThat(data).as("renamed at once").doesNotExist();
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!isEmpty(tmp) && System.nanoTime() - deadline < 0) {
            Thread.sleep(100); // another process deletes it
        }
        assertThat(isEmpty(tmp)).as("nothing left in the temporary directory").isTrue();
    }

    @Test
    void aDirectoryTheExitLeftIsDeletedByTheNextTestJvmAndOnlyThatOne() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("epg-demo"));
        Path stopped = DemoPostgres.stop(server(data), data);

        assertThat(stopped).isEqualTo(tmp.resolve(DemoPostgres.STOPPED_PREFIX + "epg-demo"));
        assertThat(DemoPostgres.deleteTree(stopped, System.nanoTime())).as("no time left: left behind").isFalse();
        assertThat(stopped).isDirectory();
        Path running = Files.createDirectory(tmp.resolve("epg-of-a-running-server"));

        DemoPostgres.removeStopped(tmp, false);

        assertThat(stopped).doesNotExist();
        assertThat(running).as("a running server's directory is not touched").isDirectory();
    }

    private static EmbeddedPostgres server(Path data) throws Exception {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false)
                .setRegisterShutdownHook(false).start();
    }

    private static boolean isEmpty(Path directory) throws Exception {
        try (Stream<Path> children = Files.list(directory)) {
            return children.findAny().isEmpty();
        }
    }
}
