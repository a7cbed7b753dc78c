package dev.picante.spring.jdbc;

import java.util.List;

/**
 * What {@link JdbcStateStore#load} did.
 *
 * @param loaded whether the store held a saved state (otherwise nothing was imported)
 * @param revision the database's revision after the load
 * @param records how many records of the last full save were imported
 * @param logEntries how many change-log entries were replayed on top of it
 * @param skippedSections sections left out because no ingredient of their name is registered
 *     (r[store.mismatch])
 * @param corruptRecords records, chunks of records or log entries left out under the corruption policy
 *     (r[store.corrupt])
 */
public record StoreLoadReport(boolean loaded, long revision, long records, int logEntries,
        List<String> skippedSections, List<String> corruptRecords) {

    /** Copies the lists. */
    public StoreLoadReport {
        skippedSections = List.copyOf(skippedSections);
        corruptRecords = List.copyOf(corruptRecords);
    }
}
