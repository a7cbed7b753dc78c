package dev.picante.persist;

import java.util.List;
import java.util.Objects;

/**
 * What an import did: records restored, sections skipped because no ingredient of that name is registered
 * (r[store.mismatch]: reported, not an error), derived results left out because they no longer fit this
 * database, and derived sections loaded that another code version computed.
 *
 * <p>Derived results are a cache: a derived section or record that does not fit (other key or value
 * types, a kind that is now an input, a record that read an ingredient that is not registered or a record
 * that was itself left out) is dropped, with everything that read it, and listed here; its values are
 * computed again when asked for. Input and interned records are data: one that does not fit fails the
 * import with a {@link StoreMismatchException} instead.
 *
 * @param revision the database's revision after the import
 * @param records how many records were read into the database: the records of the sections of registered
 *     ingredients, over all images loaded, but those in {@code droppedRecords}
 * @param skippedSections names of the sections skipped because no ingredient of that name is registered,
 *     of any kind (their derived records are not counted in {@code droppedRecords})
 * @param droppedSections derived records of registered ingredients that were left out, by ingredient and
 *     reason: a whole section ({@link DroppedSection#entire()}) or some of its records
 * @param droppedRecords how many derived records were left out in all ({@code droppedSections}' records)
 * @param outdatedSections names of the derived sections loaded although another code version computed
 *     them: their records are recomputed before they are served (as if an input they read had changed at
 *     the load), and dependents stay valid where the new code yields equal values
 */
public record ImportReport(long revision, long records, List<String> skippedSections,
        List<DroppedSection> droppedSections, long droppedRecords, List<String> outdatedSections) {

    /** Copies the lists. */
    public ImportReport {
        skippedSections = List.copyOf(skippedSections);
        droppedSections = List.copyOf(droppedSections);
        outdatedSections = List.copyOf(outdatedSections);
    }

    /** A report with nothing dropped and nothing outdated. */
    public ImportReport(long revision, long records, List<String> skippedSections) {
        this(revision, records, skippedSections, List.of(), 0, List.of());
    }

    /**
     * Derived records of one ingredient left out of an import for one reason.
     *
     * @param ingredient the section's ingredient name
     * @param records how many records were left out
     * @param entire whether the whole section was left out (else only some of its records)
     * @param reason why, naming what changed
     */
    public record DroppedSection(String ingredient, long records, boolean entire, String reason) {

        /** Checks the names. */
        public DroppedSection {
            Objects.requireNonNull(ingredient, "ingredient");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
