package dev.picante.internal;

import dev.picante.Durability;
import org.jspecify.annotations.Nullable;

/**
 * The immutable outcome of one evaluation of a derived query: a value or a failure, with the
 * dependencies it read. A memo can be shared by several views; each view's {@link Cell} says up to which
 * of its revisions the memo is known valid.
 */
final class Memo {

    private static final Dependency[] NO_DEPENDENCIES = new Dependency[0];

    final @Nullable Object value;
    /** What the compute function threw, or {@code null} for a value. */
    final @Nullable Throwable failure;
    /** For a value: its version. For a failure: a version made at the failing revision. */
    final Version version;
    final Dependency[] dependencies;
    /** The minimum durability of everything read, directly or transitively (r[durability.revalidation-opt]). */
    final Durability durability;

    private Memo(@Nullable Object value, @Nullable Throwable failure, Version version, Dependency[] dependencies,
            Durability durability) {
        this.value = value;
        this.failure = failure;
        this.version = version;
        this.dependencies = dependencies;
        this.durability = durability;
    }

    static Memo value(Object value, Version version, Dependency[] dependencies, Durability durability) {
        return new Memo(value, null, version, dependencies.length == 0 ? NO_DEPENDENCIES : dependencies, durability);
    }

    static Memo failure(Throwable failure, long revision, Dependency[] dependencies) {
        return new Memo(null, failure, new Version(revision), dependencies, Durability.LOW);
    }

    /** The same memo with another effective durability, after revalidation found it changed. */
    Memo withDurability(Durability durability) {
        return new Memo(value, failure, version, dependencies, durability);
    }

    boolean failed() {
        return failure != null;
    }

    /** The revision a failure belongs to (r[cell.poison]). */
    long failedAt() {
        return version.changedAt;
    }

    /**
     * Whether this memo is known to hold at {@code revision}, given it was verified at {@code verifiedAt}.
     * Only the verified revision itself counts: a value equal at its {@code changed_at} and at
     * {@code verifiedAt} may still have differed in between (an input changed and changed back, and early
     * cutoff kept the old {@code changed_at}), so a read bound to an older revision revalidates.
     */
    boolean validAt(long revision, long verifiedAt) {
        return revision == verifiedAt && (failure == null || revision == version.changedAt);
    }
}
