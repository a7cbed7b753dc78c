package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.datasource.DelegatingDataSource;

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
        AtomicBoolean hold = new AtomicBoolean();
        CountDownLatch inQuery = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicBoolean finished = new AtomicBoolean();
        DataSource slowReads = new DelegatingDataSource(h2) {
            @Override
            public Connection getConnection() throws java.sql.SQLException {
                Connection real = super.getConnection();
                return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                            if (method.getName().startsWith("prepareStatement")
                                    && Thread.currentThread().getName().startsWith("picante-shared-log-")
                                    && hold.compareAndSet(true, false)) {
                                inQuery.countDown();
                                interrupted.set(pauseUninterruptibly(1500)); // a read on a busy disk
                                finished.set(true);
                            }
                            try {
                                return method.invoke(real, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            }
        };
        SharedChild.Instance instance = SharedChild.start(slowReads, "reader");
        hold.set(true);
        assertThat(inQuery.await(20, TimeUnit.SECONDS)).as("the log reader is querying the log").isTrue();

        instance.close();

        assertThat(finished).as("the read finished before the stop returned").isTrue();
        assertThat(interrupted).as("the log reader was interrupted in its read").isFalse();
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().equals("picante-shared-log-picante") && t.isAlive());
    }

    /** Waits {@code millis} whatever interrupts come; returns whether one came (and restores it). */
    private static boolean pauseUninterruptibly(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        boolean interrupted = false;
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return interrupted;
    }
}
