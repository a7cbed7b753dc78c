package dev.picante.spring.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.spring.jdbc.HeldCall;
import dev.picante.spring.jdbc.TestDatabases.Vendor;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Stopping the repository inputs' version poller while a poll runs. A stop used to interrupt it
 * ({@code shutdownNow()}) and return at once: the interrupt reaches the JDBC driver inside the query (on an H2
 * file, {@code ClosedByInterruptException} closes the database's file channel under the store), and the poll went on
 * while the {@code DataSource} closed. The stop now cancels the next polls and waits for the running one.
 */
@Timeout(60)
class RepositoryInputsLifecycleStopTests {

    private final DataApps apps = new DataApps();

    @AfterEach
    void close() {
        apps.closeAll();
    }

    @Test
    void aStopDuringAPollLetsItFinishUninterruptedAndCancelsTheNextOnes() throws Exception {
        ConfigurableApplicationContext context = apps.start(DataApps.freshWithSchema(Vendor.H2));
        RepositoryInputs inputs = context.getBean(RepositoryInputs.class);
        CountDownLatch polling = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicBoolean finished = new AtomicBoolean();
        AtomicInteger polls = new AtomicInteger();
        Runnable slowPoll = () -> {
            if (polls.incrementAndGet() > 1) {
                return;
            }
            polling.countDown();
            interrupted.set(HeldCall.pauseUninterruptibly(Duration.ofMillis(1500))); // a query on a busy disk
            inputs.poll(); // the real poll, after the wait: it must still find its DataSource open
            finished.set(true);
        };
        RepositoryInputsLifecycle lifecycle = new RepositoryInputsLifecycle(inputs, slowPoll, false,
                Duration.ofMillis(20));
        lifecycle.start();
        assertThat(polling.await(20, TimeUnit.SECONDS)).as("a poll is running").isTrue();

        lifecycle.stop();

        assertThat(finished).as("the running poll finished before the stop returned").isTrue();
        assertThat(interrupted).as("the poll was interrupted").isFalse();
        assertThat(lifecycle.isRunning()).isFalse();
        int after = polls.get();
        Thread.sleep(200);
        assertThat(polls.get()).as("no poll after the stop").isEqualTo(after);
    }
}
