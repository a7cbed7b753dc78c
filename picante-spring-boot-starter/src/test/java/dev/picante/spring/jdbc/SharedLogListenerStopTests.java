package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping a shared store's log reader while it reads the log. The stop used to interrupt the reader thread
 * wherever it was: inside a JDBC call on an H2 file that closes the database's file channel
 * ({@code ClosedByInterruptException}) under every other user of the store, as {@link LifecycleStopTests} saw
 * for the appender. The reader is now woken only from its wait between reads, and the stop waits for a read
 * that runs.
 */
@Timeout(60)
class SharedLogListenerStopTests {

    @TempDir
    Path tmp;

    @Test
    void aStopWhileTheReaderQueriesTheLogLetsTheQueryFinishUninterrupted() throws Exception {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:file:" + tmp.resolve("shared") + ";DB_CLOSE_ON_EXIT=FALSE");
        h2.setUser("sa");
        HeldCall read = new HeldCall(h2, "prepareStatement", "picante-shared-log-", Duration.ofMillis(1500));
        SharedChild.Instance instance = SharedChild.start(read.dataSource(), "reader");
        read.arm();
        assertThat(read.awaitHolding(20)).as("the log reader is querying the log").isTrue();

        instance.close();

        assertThat(read.finished()).as("the read finished before the stop returned").isTrue();
        assertThat(read.interrupted()).as("the log reader was interrupted in its read").isFalse();
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().equals("picante-shared-log-picante") && t.isAlive());
    }
}
