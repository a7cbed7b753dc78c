package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.picante.RuntimeEvent;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.h2.tools.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * On PostgreSQL and on an H2 server, kills (SIGKILL) an instance of a shared store in the middle of committing
 * a Spring transaction that wrote a row and set an input on the store's {@code DataSource}: after the commit
 * but before the instance applied the change, the other instance and a restart of the killed one see it
 * exactly once (one log entry, one input event); between the append and the commit, nobody ever sees it and
 * the row is gone with it.
 */
class SharedTransactionCrashTests {

    @Test
    void onPostgresql(@TempDir Path dir) throws Exception {
        EmbeddedPostgres pg = TestDatabases.postgres();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE tx_crash");
        }
        aCommittedTransactionWhoseInstanceDiesBeforeApplyingItIsSeenExactlyOnceAndAnUncommittedOneNever(dir,
                pg.getJdbcUrl("postgres", "tx_crash"));
    }

    @Test
    void onAnH2Server(@TempDir Path dir) throws Exception {
        // the instances are separate processes: an H2 server, as an application would run one
        Server server = Server.createTcpServer("-tcpPort", "0", "-ifNotExists", "-baseDir", dir.toString()).start();
        try {
            aCommittedTransactionWhoseInstanceDiesBeforeApplyingItIsSeenExactlyOnceAndAnUncommittedOneNever(dir,
                    "jdbc:h2:tcp://localhost:" + server.getPort() + "/tx_crash");
        } finally {
            server.stop();
        }
    }

    private static void aCommittedTransactionWhoseInstanceDiesBeforeApplyingItIsSeenExactlyOnceAndAnUncommittedOneNever(
            Path dir, String url) throws Exception {
        try (HikariDataSource ds = withOrdersTable(dataSource(url));
                SharedChild.Instance survivorInstance = SharedChild.start(ds, "survivor")) {
            JdbcTemplate jdbc = new JdbcTemplate(ds);
            SharedStoreTests.Ingredients survivor = survivorInstance.app();
            List<RuntimeEvent> events = new CopyOnWriteArrayList<>();
            survivor.db.subscribe(events::add);

            // killed after the commit, before its own apply
            String committed = runUntil(dir, url, "after-commit", 1, "committed ");
            assertThat(committed).as("not applied on the child when it was killed").startsWith("committed false ");
            SharedStoreTests.await("the survivor sees order-1",
                    () -> survivor.pages.get(survivor.db, "order-1").isPresent());
            assertThat(survivor.pages.get(survivor.db, "order-1")).contains("placed");
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM ORDERS WHERE ID = 1", Long.class)).isEqualTo(1);
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM PICANTE_SHARED_LOG WHERE INSTANCE_ID = 'child-1'",
                    Long.class)).isEqualTo(1);

            // killed between the append and the commit: the entry and the row roll back with the transaction
            String appended = runUntil(dir, url, "before-commit", 2, "appended");
            assertThat(appended).isEqualTo("appended");
            survivor.pages.set(survivor.db, "after", "the kill"); // takes the head row: the child's lock is gone
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM ORDERS WHERE ID = 2", Long.class)).isZero();
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM PICANTE_SHARED_LOG WHERE INSTANCE_ID = 'child-2'",
                    Long.class)).isZero();
            assertThat(survivor.pages.get(survivor.db, "order-2")).isEmpty();

            // each change seen once on the survivor
            assertThat(events).filteredOn(e -> e instanceof RuntimeEvent.InputSet set && set.key().toString()
                    .startsWith("order-")).hasSize(1);
            // a restart of the killed instance sees the committed change, from the log, and not the other
            try (HikariDataSource fresh = dataSource(url);
                    SharedChild.Instance restartedInstance = SharedChild.start(fresh, "child-1")) {
                SharedStoreTests.Ingredients restarted = restartedInstance.app();
                assertThat(restarted.pages.get(restarted.db, "order-1")).contains("placed");
                assertThat(restarted.pages.get(restarted.db, "order-2")).isEmpty();
                assertThat(restarted.pages.get(restarted.db, "after")).contains("the kill");
                assertThat(restarted.inputs()).isEqualTo(survivor.inputs());
            }
        }
    }

    /** {@code ds}, with the table of orders the children write in their transactions. */
    private static HikariDataSource withOrdersTable(HikariDataSource ds) {
        new JdbcTemplate(ds).execute("CREATE TABLE ORDERS (ID INT PRIMARY KEY)");
        return ds;
    }

    /** Runs a child until it prints a line starting with {@code marker}, kills it with SIGKILL, returns the line. */
    private static String runUntil(Path dir, String url, String mode, int order, String marker) throws Exception {
        Path output = dir.resolve("child-" + order + ".log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", TransactionCrashChild.class.getName(), url, "child-" + order, mode,
                String.valueOf(order)).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline) {
                for (String line : lines(output)) {
                    if (line.startsWith(marker)) {
                        return line.strip();
                    }
                }
                if (!child.isAlive()) {
                    break;
                }
                Thread.sleep(50);
            }
            throw new AssertionError("the child did not print '" + marker + "'; it printed:\n"
                    + String.join("\n", lines(output)));
        } finally {
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static List<String> lines(Path output) throws IOException {
        return Files.exists(output) ? Files.readAllLines(output, StandardCharsets.ISO_8859_1) : List.of();
    }

    private static HikariDataSource dataSource(String url) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(url);
        ds.setUsername(url.startsWith("jdbc:h2:") ? "sa" : "postgres");
        ds.setMaximumPoolSize(4);
        return ds;
    }
}
