package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.spring.jdbc.JdbcStateStoreTests.App;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
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
        AtomicBoolean hold = new AtomicBoolean();
        CountDownLatch inCommit = new CountDownLatch(1);
        AtomicBoolean interruptedInCommit = new AtomicBoolean();
        DataSource slowCommits = new DelegatingDataSource(h2) {
            @Override
            public Connection getConnection() throws java.sql.SQLException {
                Connection real = super.getConnection();
                return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                            if (method.getName().equals("commit")
                                    && Thread.currentThread().getName().equals("picante-store-append")
                                    && hold.compareAndSet(true, false)) {
                                inCommit.countDown();
                                pauseUninterruptibly(Duration.ofMillis(1500)); // a commit on a busy disk
                                // an interrupt here reaches H2 writing its file: ClosedByInterruptException
                                interruptedInCommit.set(Thread.currentThread().isInterrupted());
                            }
                            try {
                                return method.invoke(real, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            }
        };
        JdbcStateStore store = JdbcStateStore.builder(slowCommits).build();
        App app = new App();
        PicanteStoreLifecycle lifecycle = new PicanteStoreLifecycle(store, app.db, new PicanteStoreLifecycle.Settings(
                true, true, false, AppendMode.INTERVAL, Duration.ofMillis(50), Duration.ofSeconds(1), 1000,
                "first-instance"), null);
        lifecycle.start();
        hold.set(true);
        app.pages.set(app.db, "a", "written before the stop");
        assertThat(inCommit.await(20, TimeUnit.SECONDS)).as("a periodic append is committing").isTrue();

        lifecycle.stop();

        assertThat(store.status().failure()).as("no failed append, save or release").isNull();
        JdbcStateStore restarted = JdbcStateStore.builder(h2).build();
        restarted.acquireLease("second-instance", false); // refused while the first one's lease is held
        App after = new App();
        restarted.load(after.db);
        assertThat(after.pages.get(after.db, "a")).contains("written before the stop");
        restarted.releaseLease();
        assertThat(interruptedInCommit).as("the append thread was interrupted in its commit").isFalse();
    }

    /** Waits {@code time} whatever interrupts come, then restores the interrupt, as a blocking write would. */
    private static void pauseUninterruptibly(Duration time) {
        long deadline = System.nanoTime() + time.toNanos();
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
    }
}
