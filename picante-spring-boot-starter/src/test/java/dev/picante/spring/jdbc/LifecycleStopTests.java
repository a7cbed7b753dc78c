package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.spring.jdbc.JdbcStateStoreTests.App;
import java.nio.file.Path;
import java.time.Duration;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping the application while a periodic append (or lease renewal) is writing. Found by stopping the demo
 * (SIGTERM) on a real book: the stop interrupted the append thread inside an H2 commit, H2's file channel closed
 * ({@code ClosedByInterruptException}, "Writing to ... failed"), so the shutdown could neither save nor release
 * the lease ("could not release the lease"), and a restart within the lease timeout was refused as a second
 * writer. The stop now lets a running append finish (up to 10 seconds) and only cancels the next ones. Whether
 * H2 writes its file in the committing thread depends on its load, so the test checks the cause, the interrupt,
 * as well as what the stop must leave: the write stored and the lease released.
 */
@Timeout(60)
class LifecycleStopTests {

    @TempDir
    Path tmp;

    @Test
    void aStopDuringAPeriodicAppendLetsItFinishThenSavesAndReleasesTheLease() throws Exception {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:file:" + tmp.resolve("app") + ";DB_CLOSE_ON_EXIT=FALSE");
        h2.setUser("sa");
        // an interrupt in the held commit reaches H2 writing its file: ClosedByInterruptException
        HeldCall commit = new HeldCall(h2, "commit", "picante-store-append", Duration.ofMillis(1500));
        JdbcStateStore store = JdbcStateStore.builder(commit.dataSource()).build();
        App app = new App();
        PicanteStoreLifecycle lifecycle = new PicanteStoreLifecycle(store, app.db, new PicanteStoreLifecycle.Settings(
                true, true, false, AppendMode.INTERVAL, Duration.ofMillis(50), Duration.ofSeconds(1), 1000,
                "first-instance"), null);
        lifecycle.start();
        commit.arm();
        app.pages.set(app.db, "a", "written before the stop");
        assertThat(commit.awaitHolding(20)).as("a periodic append is committing").isTrue();

        lifecycle.stop();

        assertThat(store.status().failure()).as("no failed append, save or release").isNull();
        JdbcStateStore restarted = JdbcStateStore.builder(h2).build();
        restarted.acquireLease("second-instance", false); // refused while the first one's lease is held
        App after = new App();
        restarted.load(after.db);
        assertThat(after.pages.get(after.db, "a")).contains("written before the stop");
        restarted.releaseLease();
        assertThat(commit.interrupted()).as("the append thread was interrupted in its commit").isFalse();
    }
}
