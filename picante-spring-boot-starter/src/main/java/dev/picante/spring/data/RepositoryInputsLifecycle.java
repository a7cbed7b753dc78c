package dev.picante.spring.data;

import dev.picante.spring.support.PeriodicTasks;
import java.time.Duration;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;

/**
 * Reconciles the repository inputs with their tables when the context starts (after the durable store's
 * lifecycle, which loads the store), and polls version columns if a poll interval is set
 * ({@code picante.data.poll-interval}).
 * A failed reconciliation fails the startup: serving results of tables known to be out of step is worse. The stop
 * cancels the next polls and lets one that is running finish (up to 10 seconds), never interrupting a query.
 */
public final class RepositoryInputsLifecycle implements SmartLifecycle {

    private static final Log logger = LogFactory.getLog(RepositoryInputsLifecycle.class);

    private final RepositoryInputs inputs;
    /** What each tick of the poller runs: {@link RepositoryInputs#poll()}. */
    private final Runnable poll;
    private final boolean reconcileOnStartup;
    private final @Nullable Duration pollInterval;
    private volatile @Nullable PeriodicTasks poller;
    private volatile boolean running;
    private volatile @Nullable ResyncReport startupReport;

    /**
     * Creates the lifecycle of {@code inputs}.
     *
     * @param reconcileOnStartup whether to reconcile every input with its table when started
     * @param pollInterval how often to poll version columns, or null (or zero) for never
     */
    public RepositoryInputsLifecycle(RepositoryInputs inputs, boolean reconcileOnStartup,
            @Nullable Duration pollInterval) {
        this(inputs, inputs::poll, reconcileOnStartup, pollInterval);
    }

    /** As the public constructor, with what a poll runs given (tests). */
    RepositoryInputsLifecycle(RepositoryInputs inputs, Runnable poll, boolean reconcileOnStartup,
            @Nullable Duration pollInterval) {
        this.inputs = inputs;
        this.poll = poll;
        this.reconcileOnStartup = reconcileOnStartup;
        this.pollInterval = pollInterval;
    }

    /** Returns what the startup reconciliation did, or null if it did not run. */
    @Nullable ResyncReport startupReport() {
        return startupReport;
    }

    @Override
    public void start() {
        if (reconcileOnStartup && !inputs.inputs().isEmpty()) {
            ResyncReport report = inputs.resync();
            startupReport = report;
            logger.info("picante: reconciled repository inputs with their tables: " + report.rowsRead()
                    + " rows read, " + report.changes() + " changes");
        }
        Duration interval = pollInterval;
        if (interval != null && !interval.isZero() && !interval.isNegative()) {
            PeriodicTasks tasks = new PeriodicTasks("picante-data-poll");
            tasks.every(interval, this::pollQuietly);
            poller = tasks;
        }
        running = true;
    }

    private void pollQuietly() {
        try {
            poll.run();
        } catch (RuntimeException e) {
            logger.warn("picante: polling the repository inputs' version columns failed; retrying at the next tick",
                    e);
        }
    }

    @Override
    public void stop() {
        PeriodicTasks tasks = poller;
        if (tasks != null) {
            // Cancels the next polls but lets a running one finish before the DataSource closes: an interrupt
            // inside a JDBC call can close an H2 file's channel (ClosedByInterruptException) under the store.
            tasks.stop(logger, "picante: a poll of the repository inputs' version columns");
            poller = null;
        }
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
