package dev.picante.spring.jdbc;

import dev.picante.Database;
import dev.picante.spring.autoconfigure.PicanteProperties;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;

/**
 * Ties a {@link JdbcStateStore} to the application's lifecycle: loads it into the {@link Database} when the
 * context starts (after every bean, so every ingredient is registered), appends every input write before it
 * returns ({@link AppendMode#SYNC}, the default) and the other changes periodically, and makes a full save
 * when the context stops (before the {@code DataSource} closes). An unshared store takes the store's lease
 * at startup (failing beside another live instance), renews it at a third of its timeout, and releases it
 * after the last save.
 *
 * <p>A failed load fails the startup: a store that does not match the application, or that cannot be read,
 * is reported rather than silently ignored. A failed periodic append is logged and retried at the next tick.
 */
public final class PicanteStoreLifecycle implements SmartLifecycle {

    private static final Log logger = LogFactory.getLog(PicanteStoreLifecycle.class);

    private final JdbcStateStore store;
    private final Database database;
    private final PicanteProperties.Store properties;
    private volatile @Nullable ScheduledExecutorService appender;
    private volatile boolean running;
    private volatile @Nullable StoreLoadReport lastLoad;
    private final @Nullable SharedChangeLog sharedLog;
    private volatile @Nullable SharedChangeLog shared;
    private volatile @Nullable SharedLogListener listener;
    private volatile boolean syncGate;

    PicanteStoreLifecycle(JdbcStateStore store, Database database, PicanteProperties.Store properties) {
        this(store, database, properties, null);
    }

    PicanteStoreLifecycle(JdbcStateStore store, Database database, PicanteProperties.Store properties,
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
        SharedChangeLog log = sharedLog != null && sharedLog.isShared() && sharedLog.checkGate(database) ? sharedLog
                : null;
        long from = 0;
        if (log != null) {
            // registered before the load: the entries after the save's position are kept from now on
            from = log.register(properties.isLoadOnStartup());
        } else {
            // one writer per unshared store: fails here, naming the holder, if another live instance writes it
            store.acquireLease(ownerId(), properties.isTakeOver());
        }
        try {
            if (properties.isLoadOnStartup()) {
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
            SharedLogListener l = new SharedLogListener(log, properties.getPollInterval(), log.isPostgres());
            l.start();
            listener = l;
            shared = log;
        } else if (properties.getAppendMode() == AppendMode.SYNC) {
            if (sharedLog != null && sharedLog.gateWired(database)) {
                sharedLog.gateUnshared(store.inputGate(database));
                syncGate = true;
            } else {
                logger.warn("picante store '" + store.name() + "': picante.store.append-mode=sync, but the database's"
                        + " input writes do not pass the store's gate (build the Database with the auto-configured"
                        + " customizers); input writes are appended every append-interval only");
            }
        }
        Duration interval = properties.getAppendInterval();
        boolean appending = interval != null && !interval.isZero() && !interval.isNegative();
        Duration renewal = store.leaseTimeout().dividedBy(3);
        if (appending || (log == null && store.leaseGeneration() > 0)) {
            ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "picante-store-append");
                t.setDaemon(true);
                return t;
            });
            if (appending && interval != null) {
                Runnable tick = log != null ? () -> maintainQuietly(log) : this::appendQuietly;
                executor.scheduleWithFixedDelay(tick, interval.toMillis(), interval.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
            if (log == null) {
                executor.scheduleWithFixedDelay(this::renewQuietly, renewal.toMillis(), renewal.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
            appender = executor;
        }
        running = true;
    }

    private String ownerId() {
        String id = properties.getInstanceId();
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
            log.maintain(store, database, properties.getCompactionThreshold());
        } catch (RuntimeException e) {
            logger.warn("picante store '" + store.name() + "': shared log maintenance failed; retrying at the next"
                    + " tick", e);
        }
    }

    @Override
    public void stop() {
        ScheduledExecutorService executor = appender;
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            appender = null;
        }
        SharedLogListener l = listener;
        if (l != null) {
            l.stop();
            listener = null;
        }
        running = false;
        SharedChangeLog log = shared;
        if (properties.isSaveOnShutdown()) {
            try {
                if (log != null) {
                    log.save(store, database);
                } else {
                    store.save(database);
                }
            } catch (RuntimeException e) {
                logger.error("picante store '" + store.name() + "': save on shutdown failed; the store keeps its "
                        + "last save and log", e);
            }
        }
        if (log != null) {
            log.stop();
            shared = null;
        } else {
            if (syncGate && sharedLog != null) {
                sharedLog.gateUnshared(null);
                syncGate = false;
            }
            store.releaseLease();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
