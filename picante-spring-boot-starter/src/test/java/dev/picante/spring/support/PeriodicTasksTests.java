package dev.picante.spring.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.commons.logging.impl.NoOpLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The background thread of the lifecycles' periodic work and its stop (the durable store's appends and lease
 * renewals, {@code LifecycleStopTests}; the repository inputs' polls, {@code RepositoryInputsLifecycleStopTests}):
 * a stop lets a running task finish uninterrupted and starts no other; only a task running past the grace period
 * is interrupted, with a warning.
 */
@Timeout(30)
class PeriodicTasksTests {

    /** The warnings logged. */
    private final List<String> warnings = new CopyOnWriteArrayList<>();

    private final NoOpLog log = new NoOpLog() {
        private static final long serialVersionUID = 1L;

        @Override
        public void warn(Object message) {
            warnings.add(String.valueOf(message));
        }
    };

    @Test
    void tasksRunOnOneDaemonThreadOfTheGivenNameEachWithItsPeriod() throws Exception {
        PeriodicTasks tasks = new PeriodicTasks("picante-test-tick");
        CountDownLatch fast = new CountDownLatch(5);
        CountDownLatch slow = new CountDownLatch(1);
        AtomicReference<Thread> thread = new AtomicReference<>();
        tasks.every(Duration.ofMillis(10), () -> {
            thread.set(Thread.currentThread());
            fast.countDown();
        });
        tasks.every(Duration.ofMillis(30), slow::countDown);
        assertThat(fast.await(10, TimeUnit.SECONDS)).as("the 10 ms task ran five times").isTrue();
        assertThat(slow.await(10, TimeUnit.SECONDS)).as("the 30 ms task ran").isTrue();
        assertThat(thread.get().getName()).isEqualTo("picante-test-tick");
        assertThat(thread.get().isDaemon()).as("a daemon: never keeps the JVM alive").isTrue();
        tasks.stop(log, "a test tick");
        assertThat(tasks.isTerminated()).isTrue();
        assertThat(warnings).isEmpty();
    }

    @Test
    void aStopLetsARunningTaskFinishUninterruptedAndStartsNoOtherRun() throws Exception {
        PeriodicTasks tasks = new PeriodicTasks("picante-test-tick");
        CountDownLatch running = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicBoolean finished = new AtomicBoolean();
        tasks.every(Duration.ofMillis(5), () -> {
            if (runs.incrementAndGet() > 1) {
                return;
            }
            running.countDown();
            interrupted.set(sleepUninterruptibly(Duration.ofMillis(700))); // a JDBC write on a busy disk
            finished.set(true);
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

        tasks.stop(log, "a test tick");

        assertThat(finished).as("the running task finished before the stop returned").isTrue();
        assertThat(interrupted).as("the running task was interrupted").isFalse();
        assertThat(tasks.isTerminated()).isTrue();
        int after = runs.get();
        Thread.sleep(100);
        assertThat(runs.get()).as("no run after the stop").isEqualTo(after).isEqualTo(1);
        assertThat(warnings).isEmpty();
    }

    @Test
    void aTaskStillRunningAfterTheGracePeriodIsInterruptedWithAWarning() throws Exception {
        PeriodicTasks tasks = new PeriodicTasks("picante-test-tick", Duration.ofMillis(200), Duration.ofSeconds(5));
        CountDownLatch running = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        tasks.every(Duration.ofMillis(5), () -> {
            running.countDown();
            try {
                Thread.sleep(20_000); // stuck
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

        long started = System.nanoTime();
        tasks.stop(log, "picante: a test tick");

        assertThat(interrupted).as("interrupted once the grace period was over").isTrue();
        assertThat(tasks.isTerminated()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(200))
                .isLessThan(Duration.ofSeconds(5));
        assertThat(warnings).containsExactly("picante: a test tick still runs after 200 ms; interrupting it");
    }

    @Test
    void aStopInterruptedWhileWaitingReturnsWithTheInterruptStatusSet() throws Exception {
        PeriodicTasks tasks = new PeriodicTasks("picante-test-tick");
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        tasks.every(Duration.ofMillis(5), () -> {
            running.countDown();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicBoolean flag = new AtomicBoolean();
        Thread stopper = new Thread(() -> {
            tasks.stop(log, "a test tick");
            flag.set(Thread.currentThread().isInterrupted());
        });
        stopper.start();
        Thread.sleep(100);
        stopper.interrupt();
        stopper.join(10_000);
        assertThat(stopper.isAlive()).isFalse();
        assertThat(flag).as("the stopping thread's interrupt status").isTrue();
        release.countDown();
        tasks.stop(log, "a test tick");
        assertThat(tasks.isTerminated()).isTrue();
    }

    /** Sleeps {@code duration} whatever interrupts come; returns whether one came. */
    private static boolean sleepUninterruptibly(Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        boolean interrupted = false;
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        return interrupted;
    }
}
