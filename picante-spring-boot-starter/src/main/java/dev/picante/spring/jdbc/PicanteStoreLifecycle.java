package dev.picante.spring.jdbc;

import dev.picante.Database;
import dev.picante.spring.support.PeriodicTasks;
import java.time.Duration;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;

/**
 * Ties a {@link JdbcStateStore} to the application's lifecycle: loads it into the {@link Database} when the
 * context starts (after every bean, so every ingredient is registered), appends every input write before it
 * returns ({@link AppendMode#SYNC}, the default) and the other changes periodically, and saves what is new
 * since the last save or append when the context stops (before the {@code DataSource} closes; nothing is
 * written when nothing is new, see {@link JdbcStateStore#saveIfChanged}). On an H2 file database that is mostly
 * free space at startup, it has H2 compact the file when the database closes
 * ({@link JdbcStateStore#compactH2FileIfSparse()}). An unshared store takes the store's lease
 * at startup (failing beside another live instance), renews it at a third of its timeout, and releases it
 * after the last save. The stop cancels the next appends and renewals and lets one that is running finish (up to
 * 10 seconds), never interrupting a write.
 *
 * <p>A failed load fails the startup: a store that does not match the application, or that cannot be read,
 * is reported rather than silently ignored. A failed periodic append is logged and retried at the next tick.
 */
public final class PicanteStoreLifecycle implements SmartLifecycle {

    private static final Log logger = LogFactory.getLog(PicanteStoreLifecycle.class);

    private final JdbcStateStore store;
    private final Database database;
    private final Settings properties;
    private volatile @Nullable PeriodicTasks appender;
    private volatile boolean running;
    private volatile @Nullable StoreLoadReport lastLoad;
    private final @Nullable SharedChangeLog sharedLog;
    private volatile @Nullable SharedChangeLog shared;
    private volatile @Nullable SharedLogListener listener;
    private volatile boolean syncAppend;

    /**
     * Creates the lifecycle of {@code store} for {@code database}.
     *
     * @param sharedLog the shared change log, used if the store turns out to be shared at startup, or
     *     {@code null}
     */
    public PicanteStoreLifecycle(JdbcStateStore store, Database database, Settings properties,
            @Nullable SharedChangeLog sharedLog) {
        this.store = store;
        this.database = database;
        this.properties = properties;
        this.sharedLog = sharedLog;
    }

    /** Returns the shared change log if the store is shared and started, else {@code null}. */
    public @Nullable SharedChangeLog sharedLog() {
        return shared;
    }

    /** Returns what the startup load did, or {@code null} if nothing was loaded. */
    public @Nullable StoreLoadReport lastLoad() {
        return lastLoad;
    }

    @Override
    public void start() {
        store.migrate();
        compactH2FileQuietly();
        SharedChangeLog log = sharedLog != null && sharedLog.isShared() && sharedLog.checkWired(database) ? sharedLog
                : null;
        long from = 0;
        if (log != null) {
            // registered before the load: the entries after the save's position are kept from now on
            from = log.register(properties.loadOnStartup());
        } else {
            // one writer per unshared store: fails here, naming the holder, if another live instance writes it
            store.acquireLease(ownerId(), properties.takeOver());
        }
        try {
            if (properties.loadOnStartup()) {
                StoreLoadReport report = store.load(database);
                lastLoad = report;
                logger.info("picante store '" + store.name() + "': " + (report.loaded() ? "loaded revision "
                        + report.revision() + " (" + report.records() + " records, " + report.logEntries()
                        + " log entries)" : "nothing saved yet")
                        + (report.dropped().isEmpty() ? "" : "; dropped " + report.dropped())
                        + (report.corruptRecords().isEmpty() ? "" : "; left out as damaged " + report.corruptRecords()));
            }
        } catch (RuntimeException e) {
            if (log == null) {
                store.releaseLease();
            }
            throw e;
        }
        if (log != null) {
            log.start(database, from);
            SharedLogListener l = new SharedLogListener(log, properties.pollInterval(), log.isPostgres());
            l.start();
            listener = l;
            shared = log;
        } else if (properties.appendMode() == AppendMode.SYNC) {
            if (sharedLog != null && sharedLog.isWired(database)) {
                sharedLog.appendLocally(store.inputChangeLog(database));
                syncAppend = true;
            } else {
                logger.warn("picante store '" + store.name() + "': picante.store.append-mode=sync, but the database's"
                        + " input writes do not pass the store's change log (build the Database with the"
                        + " auto-configured customizers); input writes are appended every append-interval only");
            }
        }
        Duration interval = properties.appendInterval();
        boolean appending = interval != null && !interval.isZero() && !interval.isNegative();
        Duration renewal = store.leaseTimeout().dividedBy(3);
        if (appending || (log == null && store.leaseGeneration() > 0)) {
            PeriodicTasks tasks = new PeriodicTasks("picante-store-append");
            if (appending && interval != null) {
                tasks.every(interval, log != null ? () -> maintainQuietly(log) : this::appendQuietly);
            }
            if (log == null) {
                tasks.every(renewal, this::renewQuietly);
            }
            appender = tasks;
        }
        running = true;
    }

    private String ownerId() {
        String id = properties.instanceId();
        if (id != null && !id.isBlank()) {
            return id;
        }
        return sharedLog != null ? sharedLog.instanceId() : StoreLease.HOST + "-" + StoreLease.PID + "-"
                + java.util.UUID.randomUUID().toString().substring(0, 8);
    }

    private void renewQuietly() {
        try {
            store.renewLease();
        } catch (RuntimeException e) {
            logger.error("picante store '" + store.name() + "': " + e.getMessage());
        }
    }

    private void appendQuietly() {
        try {
            store.append(database);
        } catch (RuntimeException e) {
            logger.warn("picante store '" + store.name() + "': append failed; retrying at the next tick", e);
        }
    }

    private void maintainQuietly(SharedChangeLog log) {
        try {
            log.maintain(store, database, properties.compactionThreshold());
        } catch (RuntimeException e) {
            logger.warn("picante store '" + store.name() + "': shared log maintenance failed; retrying at the next"
                    + " tick", e);
        }
    }

    @Override
    public void stop() {
        PeriodicTasks tasks = appender;
        if (tasks != null) {
            // Cancels the next appends and renewals but lets a running one finish: an interrupt inside a JDBC write
            // can close an H2 file's channel (ClosedByInterruptException), after which neither the save below nor
            // the lease's release can be written, and a restart is refused until the lease times out.
            tasks.stop(logger, "picante store '" + store.name() + "': a periodic append or lease renewal");
            appender = null;
        }
        SharedLogListener l = listener;
        if (l != null) {
            l.stop();
            listener = null;
        }
        running = false;
        SharedChangeLog log = shared;
        if (properties.saveOnShutdown()) {
            try {
                store.saveIfChanged(database, log);
            } catch (RuntimeException e) {
                logger.error("picante store '" + store.name() + "': save on shutdown failed; the store keeps its "
                        + "last save and log", e);
            }
        }
        if (log != null) {
            log.stop();
            shared = null;
        } else {
            if (syncAppend && sharedLog != null) {
                sharedLog.appendLocally(null);
                syncAppend = false;
            }
            store.releaseLease();
        }
    }

    /**
     * At startup, before the store writes anything but its schema, has H2 compact the file of an H2 file database
     * that is mostly free space when the database closes ({@link JdbcStateStore#compactH2FileIfSparse()}): the
     * file is then as the last close left it (at shutdown, chunks replaced in the last 45 s would count as dead
     * space though H2 drops them at close). A failure is logged, never thrown.
     */
    private void compactH2FileQuietly() {
        try {
            store.compactH2FileIfSparse();
        } catch (RuntimeException e) {
            logger.warn("picante store '" + store.name() + "': reading the H2 file's fill rate at startup failed; the"
                    + " file is not compacted", e);
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * What the lifecycle does at startup, while running and at shutdown (in a Spring Boot application, from
     * {@code picante.store.*}).
     *
     * @param loadOnStartup whether to load the store when the context starts
     * @param saveOnShutdown whether to save what is new since the last save or append when the context stops
     * @param takeOver whether to take the lease of an unshared store from a live holder
     * @param appendMode whether input writes are appended before they return ({@link AppendMode#SYNC})
     * @param appendInterval the period of appends (or of shared log maintenance); {@code null} or not
     *     positive for none
     * @param pollInterval how often a shared store's log is polled for other instances' entries
     * @param compactionThreshold the shared log's length past the full save that makes a new full save
     * @param instanceId this instance's id as lease holder, or {@code null} for one made of host and pid
     */
    public record Settings(boolean loadOnStartup, boolean saveOnShutdown, boolean takeOver, AppendMode appendMode,
            @Nullable Duration appendInterval, Duration pollInterval, int compactionThreshold,
            @Nullable String instanceId) {
    }
}
