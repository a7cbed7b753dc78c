package dev.picante.persist;

import java.util.List;

/**
 * A database's primary state, whole (a full save) or as the changes since a {@link Checkpoint} (a log
 * entry).
 *
 * @param revision the revision the image describes
 * @param sections one per ingredient with records
 * @param checkpoint where the next {@code exportChangesSince} should start
 */
public record StateImage(long revision, List<Section> sections, Checkpoint checkpoint) {

    /** Copies the section list. */
    public StateImage {
        sections = List.copyOf(sections);
    }

    /** Returns whether the image holds no record. */
    public boolean isEmpty() {
        return sections.stream().allMatch(s -> s.records().isEmpty());
    }

    /**
     * A position in a database's history: a revision and how many values each interned table held
     * (interning does not advance revisions).
     *
     * @param revision the revision
     * @param internedSizes per interned table name, its size
     */
    public record Checkpoint(long revision, java.util.Map<String, Integer> internedSizes) {

        /** Copies the map. */
        public Checkpoint {
            internedSizes = java.util.Map.copyOf(internedSizes);
        }
    }
}
