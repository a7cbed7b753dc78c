package dev.picante.internal;

import dev.picante.Inspector.Outcome;
import org.jspecify.annotations.Nullable;

/**
 * A view's immutable record of one derived query: the memo it holds, the newest revision of the view at
 * which that memo was confirmed ({@code verifiedAt}), and how that happened, for
 * {@link dev.picante.Inspector#explain}. Replaced as a whole, never mutated.
 */
final class Cell {

    private static final java.util.concurrent.atomic.AtomicLong SEQUENCE = new java.util.concurrent.atomic.AtomicLong();

    final Memo memo;
    /** The memo's value, or {@code null} for a failure: what a hit returns without reading the memo. */
    final @Nullable Object value;
    /** Increases with every cell made in this process: what a change-log export has already seen. */
    final long sequence = SEQUENCE.incrementAndGet();
    final long verifiedAt;
    final Outcome outcome;
    /** The dependency found changed, for recomputations; {@code null} otherwise or when unknown. */
    final @Nullable Dependency cause;
    final long causeChangedAt;

    Cell(Memo memo, long verifiedAt, Outcome outcome, @Nullable Dependency cause, long causeChangedAt) {
        this.memo = memo;
        this.value = memo.value;
        this.verifiedAt = verifiedAt;
        this.outcome = outcome;
        this.cause = cause;
        this.causeChangedAt = causeChangedAt;
    }

    /** The newest sequence number given to a cell so far. */
    static long lastSequence() {
        return SEQUENCE.get();
    }

    Cell reverified(long revision, Outcome how) {
        return new Cell(memo, revision, how, null, 0);
    }
}
