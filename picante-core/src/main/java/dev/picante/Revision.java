package dev.picante;

/**
 * An opaque token naming one state of one view (r[revision.type]). Revisions of one view are totally
 * ordered in the order of its successful mutations (r[revision.order]); revisions of different views
 * are not to be compared for correctness (r[snapshot.revisions]).
 *
 * @param value the revision's number; larger is later within one view
 */
public record Revision(long value) implements Comparable<Revision> {

    /** Returns whether this revision comes after {@code other} on the same view. */
    public boolean isAfter(Revision other) {
        return value > other.value;
    }

    @Override
    public int compareTo(Revision other) {
        return Long.compare(value, other.value);
    }

    @Override
    public String toString() {
        return "R" + value;
    }
}
