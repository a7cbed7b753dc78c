package dev.picante.spring.jdbc;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link JdbcStateStore} has done in this process: its last full save (made or loaded), the log
 * entries appended since, and its last failure. Read without touching the database.
 *
 * @param name the store's name
 * @param savedRevision the revision of the last full save this process made or loaded, or {@code null}
 * @param savedAt when this process made or loaded that save, or {@code null}
 * @param savedRecords how many records that save holds (for a loaded save: how many were imported)
 * @param logEntries how many log entries the store holds on top of that save, as far as this process knows
 * @param lastAppendAt when this process last appended a log entry, or {@code null}
 * @param failedOperation the operation ({@code save}, {@code append} or {@code load}) that failed last, if
 *     no operation succeeded since, else {@code null}
 * @param failure that failure's message, naming the store, the operation and the root cause, or {@code null}
 * @param failedAt when it failed, or {@code null}
 * @param droppedAtLoad what the last load dropped because it no longer fits the application (derived sections
 *     whose types or shape changed or that read a gone ingredient, discarded inputs); recomputed when read
 * @param corruptAtLoad what the last load left out as damaged, under the corruption policy
 */
public record StoreStatus(String name, @Nullable Long savedRevision, @Nullable Instant savedAt, long savedRecords,
        int logEntries, @Nullable Instant lastAppendAt, @Nullable String failedOperation, @Nullable String failure,
        @Nullable Instant failedAt, List<String> droppedAtLoad, List<String> corruptAtLoad) {

    /** Copies the lists. */
    public StoreStatus {
        droppedAtLoad = List.copyOf(droppedAtLoad);
        corruptAtLoad = List.copyOf(corruptAtLoad);
    }

    /** A status without load findings. */
    public StoreStatus(String name, @Nullable Long savedRevision, @Nullable Instant savedAt, long savedRecords,
            int logEntries, @Nullable Instant lastAppendAt, @Nullable String failedOperation, @Nullable String failure,
            @Nullable Instant failedAt) {
        this(name, savedRevision, savedAt, savedRecords, logEntries, lastAppendAt, failedOperation, failure,
                failedAt, List.of(), List.of());
    }

    /** Returns whether the last operation failed. */
    public boolean failing() {
        return failure != null;
    }
}
