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
 * @param corruptRecords damage left out under the corruption policy (r[store.corrupt]): records, chunks of
 *     records, sections and log entries, each with where it is and what is wrong
 * @param dropped what was dropped because it no longer fits the application: derived sections whose types or
 *     shape changed, derived records that read an ingredient no longer registered, inputs discarded with
 *     {@code picante.store.discard-inputs}; what read them is recomputed when read
 */
public record StoreLoadReport(boolean loaded, long revision, long records, int logEntries,
        List<String> skippedSections, List<String> corruptRecords, List<String> dropped) {

    /** Copies the lists. */
    public StoreLoadReport {
        skippedSections = List.copyOf(skippedSections);
        corruptRecords = List.copyOf(corruptRecords);
        dropped = List.copyOf(dropped);
    }

    /** A report without dropped sections. */
    public StoreLoadReport(boolean loaded, long revision, long records, int logEntries,
            List<String> skippedSections, List<String> corruptRecords) {
        this(loaded, revision, records, logEntries, skippedSections, corruptRecords, List.of());
    }
}
