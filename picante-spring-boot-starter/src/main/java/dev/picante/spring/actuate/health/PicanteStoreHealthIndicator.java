package dev.picante.spring.actuate.health;

import dev.picante.spring.jdbc.H2FileStatus;
import dev.picante.spring.jdbc.JdbcStateStore;
import dev.picante.spring.jdbc.SharedChangeLog;
import dev.picante.spring.jdbc.SharedLogStatus;
import dev.picante.spring.jdbc.StoreStatus;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of a {@link JdbcStateStore}: {@code UP} when its last save, append or load succeeded and its
 * database answers, with the details of its {@link StoreStatus} (revision and time of the last save, log
 * entries since, last append) and the log size the database holds; {@code DOWN} with the error when the
 * last operation failed or the database cannot be queried (the error names the store, the operation and the
 * root cause). What the startup load dropped or left out as damaged is listed ({@code droppedAtLoad},
 * {@code corruptAtLoad}). On an H2 file database, the file's size and the share of it that chunks occupy
 * ({@code h2FileBytes}, {@code h2FileFillRate}, see {@link H2FileStatus}). Thread-safe; a check waits for a save
 * or append in progress.
 */
public class PicanteStoreHealthIndicator implements HealthIndicator {

    private final JdbcStateStore store;
    private final @Nullable ObjectProvider<SharedChangeLog> sharedLog;

    /** Creates the indicator of {@code store}. */
    public PicanteStoreHealthIndicator(JdbcStateStore store) {
        this(store, null);
    }

    /**
     * Creates the indicator of {@code store} and of its shared change log, if any: while the log is started
     * the details show this instance's id, applied position and lag, and a failure of the log (a refused
     * write, entries it cannot apply) makes the health {@code DOWN}.
     */
    public PicanteStoreHealthIndicator(JdbcStateStore store, @Nullable ObjectProvider<SharedChangeLog> sharedLog) {
        this.store = store;
        this.sharedLog = sharedLog;
    }

    @Override
    public Health health() {
        Health.Builder builder = Health.up();
        try {
            builder.withDetail("storedLogEntries", store.logSize());
            H2FileStatus file = store.h2File();
            if (file != null) {
                builder.withDetail("h2FileBytes", file.bytes()).withDetail("h2FileFillRate", file.fillRate());
            }
        } catch (RuntimeException ex) {
            builder.down(ex);
        }
        StoreStatus status = store.status();
        builder.withDetail("store", status.name());
        if (status.savedRevision() != null) {
            builder.withDetail("savedRevision", status.savedRevision());
        }
        if (status.savedAt() != null) {
            builder.withDetail("savedAt", status.savedAt().toString());
        }
        builder.withDetail("savedRecords", status.savedRecords());
        builder.withDetail("logEntriesSinceSave", status.logEntries());
        if (status.lastAppendAt() != null) {
            builder.withDetail("lastAppendAt", status.lastAppendAt().toString());
        }
        if (!status.droppedAtLoad().isEmpty()) {
            builder.withDetail("droppedAtLoad", status.droppedAtLoad());
        }
        if (!status.corruptAtLoad().isEmpty()) {
            builder.withDetail("corruptAtLoad", status.corruptAtLoad());
        }
        if (status.failing()) {
            builder.down().withDetail("failedOperation", String.valueOf(status.failedOperation()))
                    .withDetail("failure", String.valueOf(status.failure()));
            if (status.failedAt() != null) {
                builder.withDetail("failedAt", status.failedAt().toString());
            }
        }
        SharedChangeLog log = sharedLog == null ? null : sharedLog.getIfAvailable();
        if (log != null && log.isStarted()) {
            SharedLogStatus shared = log.status();
            builder.withDetail("sharedInstance", shared.instanceId())
                    .withDetail("sharedAppliedPosition", shared.appliedPosition())
                    .withDetail("sharedLag", shared.lag());
            if (shared.failure() != null) {
                builder.down().withDetail("sharedFailure", shared.failure());
            }
        }
        return builder.build();
    }
}
