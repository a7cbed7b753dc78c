package dev.picante.spring.support;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.commons.logging.Log;

/**
 * The background thread of a lifecycle's periodic work (the durable store's appends and lease renewals, the
 * repository inputs' polls) and the one way it stops.
 *
 * <p>Tasks run one at a time on a single daemon thread, each with a fixed delay between the end of a run and the
 * start of the next. {@link #stop} cancels the next runs and lets a running one finish, never interrupting it
 * within the grace period (10 seconds): an interrupt inside a JDBC call can close an H2 file database's file
 * channel ({@code ClosedByInterruptException}), after which nothing more can be written to that database in this
 * process, neither the shutdown save nor the lease's release. Only a run still going after the grace period is
 * interrupted (logged as a warning), and waited for 5 seconds more.
 *
 * <p>Thread safe. A task that throws is not run again: tasks catch and log their own failures.
 */
public final class PeriodicTasks {

    private final ScheduledExecutorService executor;
    private final Duration grace;
    private final Duration afterInterrupt;

    /** Creates the tasks' thread, a daemon named {@code threadName}; nothing runs before {@link #every}. */
    public PeriodicTasks(String threadName) {
        this(threadName, Duration.ofSeconds(10), Duration.ofSeconds(5));
    }

    /** As the public constructor, with the waits of {@link #stop} given (tests). */
    PeriodicTasks(String threadName, Duration grace, Duration afterInterrupt) {
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        this.grace = grace;
        this.afterInterrupt = afterInterrupt;
    }

    /**
     * Runs {@code task} every {@code period} (the first time one period from now), {@code period} after the end of
     * the previous run, until {@link #stop}.
     *
     * @throws IllegalArgumentException if {@code period} is not positive
     * @throws java.util.concurrent.RejectedExecutionException if the tasks were stopped
     */
    public void every(Duration period, Runnable task) {
        long millis = period.toMillis();
        executor.scheduleWithFixedDelay(task, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops the tasks: no run starts after this is called; a run in progress is waited for, up to the grace period
     * (10 seconds), without an interrupt. If it is still running after that, logs {@code what} followed by
     * "still runs after 10 s; interrupting it" as a warning to {@code logger}, interrupts it and waits up to 5
     * seconds more. Returns early, with the calling thread's interrupt status set, if that thread is interrupted
     * while waiting.
     *
     * @param logger the log of the lifecycle that owns the tasks
     * @param what what a run does, as the start of the warning, e.g. {@code "picante: a poll of the repository
     *     inputs' version columns"}
     */
    public void stop(Log logger, String what) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                logger.warn(what + " still runs after " + describe(grace) + "; interrupting it");
                executor.shutdownNow();
                executor.awaitTermination(afterInterrupt.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the tasks were stopped and no run is in progress. */
    public boolean isTerminated() {
        return executor.isTerminated();
    }

    private static String describe(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }
}
