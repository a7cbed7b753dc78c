package dev.picante.internal;

import dev.picante.Durability;
import dev.picante.Inspector.Outcome;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A view's record of one derived query: the memo it holds (a cell is that memo, one object for both), the newest
 * revision of the view at which that memo was confirmed ({@code verifiedAt}), and how that happened, for
 * {@link dev.picante.Inspector#explain}. The memo never changes: a new result is a new cell. Confirming the same
 * memo at a later revision advances the cell in place ({@link #reverify}), since that is what a read after an
 * edit does for most of the dependencies it walks; {@code verifiedAt} only ever increases. A memo another view
 * hands over (another view's cell, or a carrier) becomes a new cell of this view with the same fields
 * ({@link Memo#Memo(Memo)}): views never share cells. A cell is 40 bytes with compressed pointers (value,
 * version, reads, key, how, verifiedAt): its durability is held by {@link #how}, and the key's hash is not kept
 * ({@link CellTable} compares keys).
 *
 * <p>A plain cell has no sequence number ({@link #sequence()} is 0, before every checkpoint): only the primary
 * view of a database whose state was exported or loaded makes {@link Sequenced} cells, which change exports
 * need ({@link Persistence#sequencing()}), so a database never saved pays neither the 8 bytes per cell nor a
 * shared atomic increment per new cell.
 */
class Cell extends Memo {

    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final VarHandle VERIFIED_AT;
    private static final VarHandle HOW;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            VERIFIED_AT = lookup.findVarHandle(Cell.class, "verifiedAt", long.class);
            HOW = lookup.findVarHandle(Cell.class, "how", Verification.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The key of the record, which the view's {@link CellTable} finds the cell by. */
    final Object key;
    volatile long verifiedAt;
    /**
     * How the memo was last confirmed, and its durability (which a new verification keeps). Not volatile: the
     * constructor's store is a plain store into the new object (no fence, and no card mark, which a
     * {@code VarHandle} store would cost), ordered before every reader by the cell's publication (see
     * {@link #initialize}); {@link #reverify} replaces it with a release store after its compare-and-set of
     * {@link #verifiedAt}, and {@link #verification()} reads it with acquire, so a reader that sees the new value
     * sees that revision too. A plain read (the durability, which never changes for a cell) may see an older
     * value; a {@link Verification} has only final fields, so it is seen whole either way.
     */
    Verification how;

    /** A cell holding a copy of {@code memo} (its value, version and reads are shared, not copied). */
    Cell(Object key, Memo memo, long verifiedAt, Outcome outcome, @Nullable Dependency cause, long causeChangedAt) {
        super(memo);
        this.key = key;
        this.how = Verification.of(outcome, memo.durability(), cause, causeChangedAt);
        initialize(verifiedAt);
    }

    /**
     * A cell of a new memo: {@code value} (or {@code null} for a failure, whose version is a
     * {@link Version.Failed}), its version, its packed reads ({@link Memo#packReads}), and {@code how} it was
     * verified with its durability. The caller makes {@code how} ({@link Verification#ofOrdinal}) before the cell,
     * so that nothing that can fail (the shared array's bounds test) lies between the allocation and the stores.
     */
    Cell(Object key, @Nullable Object value, Version version, Object[] reads, long verifiedAt, Verification how) {
        super(value, version, reads);
        this.key = key;
        this.how = how;
        initialize(verifiedAt);
    }

    /**
     * Sets the volatile {@link #verifiedAt} of a new cell with a plain store: a volatile store costs a fence, and a
     * new cell needs none. Every way a cell reaches another thread publishes it after its construction with a
     * release or a lock ({@link CellTable}'s release store of the slot, {@link InFlight}'s volatile state, the
     * shared cache's map), which orders this store and {@link #how}'s before it.
     */
    private void initialize(long verifiedAt) {
        VERIFIED_AT.set(this, verifiedAt);
    }

    /**
     * {@link #how}, read with acquire: if it is the verification a {@link #reverify} stored, {@link #verifiedAt}
     * read after it is at least that reverification's revision.
     */
    Verification verification() {
        return (Verification) HOW.getAcquire(this);
    }

    @Override
    final Durability durability() {
        return how.durability();
    }

    /** The newest sequence number given to a cell so far. */
    static long lastSequence() {
        return SEQUENCE.get();
    }

    /**
     * What a change-log export has already seen of this cell: increases with every sequenced cell made or
     * reverified in this process; 0 for a cell made before anything was exported or loaded.
     */
    long sequence() {
        return 0;
    }

    /**
     * Records that the memo, unchanged, holds at {@code revision}, with a new sequence number if
     * {@code sequenced} and this cell has one ({@link Sequenced}); returns {@code false} (and changes nothing)
     * when the cell is already verified at or after it.
     */
    boolean reverify(long revision, Outcome outcome, boolean sequenced) {
        long at;
        do {
            at = verifiedAt;
            if (at >= revision) {
                return false;
            }
        } while (!VERIFIED_AT.compareAndSet(this, at, revision));
        Verification was = verification();
        Verification next = Verification.of(outcome, was.durability());
        if (was != next) {
            HOW.setRelease(this, next); // mostly already so: a cell reused after every edit skips this store
        }
        if (sequenced && this instanceof Sequenced cell) {
            cell.sequence = SEQUENCE.incrementAndGet();
        }
        return true;
    }

    /**
     * A cell with a sequence number, made by the primary view once a change export may ask what is new
     * ({@link Persistence#sequencing()}), and by bounded views ({@link Tracked}).
     */
    static class Sequenced extends Cell {

        /**
         * Increases with every cell made or reverified in this process: what a change-log export has already
         * seen.
         */
        volatile long sequence = SEQUENCE.incrementAndGet();

        Sequenced(Object key, Memo memo, long verifiedAt, Outcome outcome, @Nullable Dependency cause,
                long causeChangedAt) {
            super(key, memo, verifiedAt, outcome, cause, causeChangedAt);
        }

        Sequenced(Object key, @Nullable Object value, Version version, Object[] reads, long verifiedAt,
                Verification how) {
            super(key, value, version, reads, verifiedAt, how);
        }

        @Override
        long sequence() {
            return sequence;
        }

        /** Gives the cell a new sequence number, newer than every one given so far, and returns it. */
        long renumber() {
            long next = SEQUENCE.incrementAndGet();
            sequence = next;
            return next;
        }
    }

    /**
     * A cell of a view whose memos are bounded ({@link MemoPolicy}): it also records how often and how
     * recently it was used, and what it weighs. Use is written only when it changes (a frequency that
     * saturates at 15, and the policy's clock, which advances once per sweep), so a hot cell is rarely
     * written.
     */
    static final class Tracked extends Sequenced {

        /** Frequency in the low 4 bits, the policy's clock at the last use above them. */
        volatile int use;
        /** Estimated retained bytes of the memo with its key and value; 0 without a byte budget. */
        final long weight;

        Tracked(Object key, Memo memo, long verifiedAt, Outcome outcome, @Nullable Dependency cause,
                long causeChangedAt, int clock, @Nullable MemoPolicy weigher) {
            super(key, memo, verifiedAt, outcome, cause, causeChangedAt);
            this.use = (clock << 4) | 1;
            this.weight = weigher == null ? 0 : weigher.weigh(key, this);
        }

        Tracked(Object key, @Nullable Object value, Version version, Object[] reads, long verifiedAt,
                Verification how, int clock, @Nullable MemoPolicy weigher) {
            super(key, value, version, reads, verifiedAt, how);
            this.use = (clock << 4) | 1;
            this.weight = weigher == null ? 0 : weigher.weigh(key, this);
        }

        void touch(int clock) {
            int u = use;
            int frequency = u & 15;
            int next = (clock << 4) | Math.min(15, frequency + 1);
            if (next != u) {
                use = next; // a lost update between racing readers only undercounts a use
            }
        }
    }

    /**
     * How a memo was confirmed: the outcome and, for a recomputation, the dependency found changed; and the
     * memo's effective durability, which never changes for a cell (a verification replacing another keeps it),
     * so that the cell needs no field of its own for it.
     */
    record Verification(Outcome outcome, Durability durability, @Nullable Dependency cause, long causeChangedAt) {

        private static final int DURABILITIES = Durability.values().length;

        /**
         * The shared instances without a cause, by {@link Outcome#ordinal()} and {@link Durability#ordinal()} (an
         * array: no map look-up per cell).
         */
        private static final Verification[] PLAIN;

        static {
            Outcome[] outcomes = Outcome.values();
            PLAIN = new Verification[outcomes.length * DURABILITIES];
            for (Outcome outcome : outcomes) {
                for (Durability durability : Durability.values()) {
                    PLAIN[outcome.ordinal() * DURABILITIES + durability.ordinal()] =
                            new Verification(outcome, durability, null, 0);
                }
            }
        }

        /** The shared instance for an outcome without a cause. */
        static Verification of(Outcome outcome, Durability durability) {
            return PLAIN[outcome.ordinal() * DURABILITIES + durability.ordinal()];
        }

        /** The shared instance without a cause, or a new one with it. */
        static Verification of(Outcome outcome, Durability durability, @Nullable Dependency cause,
                long causeChangedAt) {
            return cause == null ? of(outcome, durability) : new Verification(outcome, durability, cause,
                    causeChangedAt);
        }

        /**
         * {@link #of(Outcome, Durability, Dependency, long)} with the durability given by its
         * {@link Durability#ordinal() ordinal} (what a computation keeps: no look-up of the constant).
         */
        static Verification ofOrdinal(Outcome outcome, int durability, @Nullable Dependency cause,
                long causeChangedAt) {
            return cause == null ? PLAIN[outcome.ordinal() * DURABILITIES + durability]
                    : new Verification(outcome, Durability.values()[durability], cause, causeChangedAt);
        }
    }
}
