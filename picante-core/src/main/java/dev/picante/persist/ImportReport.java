package dev.picante.persist;

import java.util.List;

/**
 * What an import did: records restored, and sections skipped because no ingredient of that name is
 * registered (r[store.mismatch]: reported, not an error).
 *
 * @param revision the database's revision after the import
 * @param records how many records were restored
 * @param skippedSections names of the sections skipped
 */
public record ImportReport(long revision, long records, List<String> skippedSections) {

    /** Copies the list. */
    public ImportReport {
        skippedSections = List.copyOf(skippedSections);
    }
}
