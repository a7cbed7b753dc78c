package dev.picante.internal;

import dev.picante.Durability;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The immutable outcome of one evaluation of a derived query: a value or a failure, with the dependencies it
 * read and its effective durability. A view holds its memos as {@link Cell}s, which are memos themselves (one
 * object per memo); a plain {@code Memo} is only a carrier between views or a copy on its way into a cell. A
 * memo handed to another view is copied into a cell of that view, field by field: the value, the version and
 * the reads array are immutable and shared, never copied. So two views never share a memo object, and "the same
 * memo" means the same fields ({@link #sameResult}), not the same object.
 *
 * <p>A memo is three references: its failure is held by its version ({@link Version.Failed}) and its durability
 * by the subclass ({@link Cell#how} for a cell, a field of its own for a carrier), so a cell adds only what a
 * view needs (its key, when and how it was verified) and stays 40 bytes.
 *
 * <p>Its three fields are written only by its constructors and never after, but are not {@code final}: the
 * freeze of final fields at the end of this constructor is a barrier in C2's graph that keeps the stores of a
 * subclass's constructor ({@link Cell}'s key, verification and revision) out of the new object's initialization,
 * so that each new cell cost two zeroing stores and a card mark more. A memo therefore must reach another thread
 * only through a release or a lock, as every one does ({@link CellTable}'s release store of a slot, {@link
 * InFlight}'s volatile state, the shared cache's concurrent map, a {@code CompletableFuture}; a load's cells through
 * the tables), which orders the constructor's stores before every reader's loads;
 * {@link Cell}'s own fields already rely on the same ({@code Cell.initialize}).
 */
abstract class Memo {

    /** Entries per dependency in {@link #reads}: the ingredient's index (boxed), the key, what was seen. */
    static final int STRIDE = 3;
    static final Object[] NO_READS = new Object[0];
    /** Boxed ingredient indexes, shared by every memo (most databases have fewer ingredients than this). */
    private static final Integer[] INDEXES = new Integer[1024];

    static {
        for (int i = 0; i < INDEXES.length; i++) {
            INDEXES[i] = i;
        }
    }

    /** The value, or {@code null} exactly for a failure. Never written after construction (see above). */
    @Nullable Object value;
    /**
     * For a value: its version. For a failure: a {@link Version.Failed} made at the failing revision. Never
     * written after construction.
     */
    Version version;
    /**
     * The dependencies in the order they were read, each record once, in one array: one object for all of
     * them instead of one per read. One of three layouts, told apart by the class of the first entry:
     * <ul>
     *   <li>slot-only: when every dependency is a read that found an {@link InputSlot} (set, or removed: a
     *       removed slot is an object too; a slot never set is {@code null} and needs another layout), just the
     *       slots, one entry each, since a slot names its record (as {@link Evaluation} records such reads and
     *       {@link #pack} makes them);
     *   <li>one ingredient: when every dependency is of one ingredient (as {@link #packReads} and the
     *       factories taking dependencies make it for two or more), a {@link OneIngredient} first and then 2
     *       entries each (key, the {@link Dependency#seen} object);
     *   <li>general: {@value #STRIDE} entries each (the ingredient index boxed, key, seen).
     * </ul>
     * Read only through {@link #dependencyCount}, {@link #ingredientAt}, {@link #keyAt} and {@link #seenAt}
     * (and {@link #slotsOnly}/{@link #stride} for loops over many). Never written after construction.
     */
    private Object[] reads;

    /**
     * A memo of {@code reads} as they are: an empty one is {@link #NO_READS} already ({@link Evaluation#close}
     * and {@link #packReads} make it so, {@link Carrier} replaces another empty array). No branch between the
     * allocation and the stores of a new cell, so C2 initializes it without card marks.
     */
    Memo(@Nullable Object value, Version version, Object[] reads) {
        this.value = value;
        this.version = version;
        this.reads = reads;
    }

    /** A copy of {@code memo}'s value, version and reads array (the objects themselves). */
    Memo(Memo memo) {
        this.value = memo.value;
        this.version = memo.version;
        this.reads = memo.reads;
    }

    /** A memo that is not a cell: what is handed from view to view or made on its way into a cell. */
    private static final class Carrier extends Memo {

        private final Durability durability;

        Carrier(@Nullable Object value, Version version, Object[] reads, Durability durability) {
            super(value, version, reads.length == 0 ? NO_READS : reads);
            this.durability = durability;
        }

        @Override
        Durability durability() {
            return durability;
        }
    }

    static Memo value(Object value, Version version, Dependency[] dependencies, Durability durability) {
        return new Carrier(Objects.requireNonNull(value), version, pack(dependencies), durability);
    }

    /** A value whose dependencies are already packed as {@link #reads} are (the array is kept, not copied). */
    static Memo valueOfReads(Object value, Version version, Object[] reads, Durability durability) {
        return new Carrier(Objects.requireNonNull(value), version, reads, durability);
    }

    static Memo failure(Throwable failure, long revision, Dependency[] dependencies) {
        return new Carrier(null, new Version.Failed(revision, failure), pack(dependencies), Durability.LOW);
    }

    /** A failure whose dependencies are already packed (the array is kept, not copied). */
    static Memo failureOfReads(Throwable failure, long revision, Object[] reads) {
        return new Carrier(null, new Version.Failed(revision, failure), reads, Durability.LOW);
    }

    /** The minimum durability of everything read, directly or transitively (r[durability.revalidation-opt]). */
    abstract Durability durability();

    /** What the compute function threw, or {@code null} for a value. */
    final @Nullable Throwable failure() {
        return version instanceof Version.Failed failed ? failed.failure : null;
    }

    /** The same memo with another effective durability, after revalidation found it changed. */
    Memo withDurability(Durability durability) {
        return new Carrier(value, version, reads, durability);
    }

    /**
     * This memo's dependencies and durability with another (equal) value and its version: a view keeping its
     * own version of an equal value, so its dependents stay valid ({@link EarlyCutoff#backdate(Memo, Memo)}).
     */
    Memo keeping(Object equalValue, Version kept) {
        return new Carrier(Objects.requireNonNull(equalValue), kept, reads, durability());
    }

    /**
     * Whether {@code other} is this memo or a copy of it (as another view's cell, or this view's cell copied into
     * a new one): the same value, version and reads objects and the same durability. A new result, an adoption
     * that kept an equal value's version, and a revalidation that changed the durability all differ.
     */
    final boolean sameResult(@Nullable Memo other) {
        return other == this || other != null && other.version == version && other.value == value
                && other.reads == reads && other.durability() == durability();
    }

    /** The first entry of {@link #reads} whose dependencies are all of one ingredient: that ingredient. */
    private static final class OneIngredient {

        private static final OneIngredient[] SHARED = new OneIngredient[256];

        static {
            for (int i = 0; i < SHARED.length; i++) {
                SHARED[i] = new OneIngredient(i);
            }
        }

        final int index;

        private OneIngredient(int index) {
            this.index = index;
        }

        static OneIngredient of(int index) {
            return index >= 0 && index < SHARED.length ? SHARED[index] : new OneIngredient(index);
        }
    }

    /**
     * The first {@code used} entries of {@code all} (reads packed {@value #STRIDE} entries each, as an
     * {@link Evaluation} records them) as a memo keeps them: an array of exactly their size, in the shorter
     * form when two or more dependencies are all of one ingredient; {@code all} itself when it is already
     * exactly that.
     */
    static Object[] packReads(Object[] all, int used) {
        if (used >= 2 * STRIDE) {
            Object first = all[0];
            boolean one = true;
            for (int i = STRIDE; i < used; i += STRIDE) {
                if (!first.equals(all[i])) {
                    one = false;
                    break;
                }
            }
            if (one) {
                Object[] reads = new Object[1 + 2 * (used / STRIDE)];
                reads[0] = OneIngredient.of((Integer) first);
                for (int i = 0, j = 1; i < used; i += STRIDE, j += 2) {
                    reads[j] = all[i + 1];
                    reads[j + 1] = all[i + 2];
                }
                return reads;
            }
        }
        return used == all.length ? all : used == 0 ? NO_READS : Arrays.copyOf(all, used);
    }

    /** The boxed form of an ingredient index, shared where possible. */
    static Integer boxIndex(int ingredient) {
        return ingredient >= 0 && ingredient < INDEXES.length ? INDEXES[ingredient] : Integer.valueOf(ingredient);
    }

    private static Object[] pack(Dependency[] dependencies) {
        if (dependencies.length == 0) {
            return NO_READS;
        }
        if (allSlots(dependencies)) {
            Object[] slots = new Object[dependencies.length];
            for (int i = 0; i < dependencies.length; i++) {
                slots[i] = dependencies[i].seen;
            }
            return slots;
        }
        Object[] reads = new Object[dependencies.length * STRIDE];
        for (int i = 0; i < dependencies.length; i++) {
            Dependency d = dependencies[i];
            reads[i * STRIDE] = boxIndex(d.ingredient);
            reads[i * STRIDE + 1] = d.key;
            reads[i * STRIDE + 2] = d.seen;
        }
        return packReads(reads, reads.length);
    }

    /**
     * The dependencies as packed here ({@link #reads}), for a holder that needs them but must not keep the value
     * (a {@link Marking} registration waiting to be applied); read with the static accessors below.
     */
    Object[] reads() {
        return reads;
    }

    /** How many dependencies. */
    int dependencyCount() {
        return dependencyCount(reads);
    }

    /** The ingredient index of dependency {@code i}. */
    int ingredientAt(int i) {
        return ingredientAt(reads, i);
    }

    /** The key of dependency {@code i}. */
    Object keyAt(int i) {
        return keyAt(reads, i);
    }

    /** What the computation saw of dependency {@code i} (see {@link Dependency#seen}). */
    @Nullable Object seenAt(int i) {
        return seenAt(reads, i);
    }

    /**
     * Whether every dependency is the read of an {@link InputSlot} that is the record's slot (what a slot-only
     * reads array can hold: the slot names the ingredient and key the dependency has).
     */
    private static boolean allSlots(Dependency[] dependencies) {
        for (Dependency d : dependencies) {
            if (!(d.seen instanceof InputSlot slot && slot.ingredient == d.ingredient && slot.key.equals(d.key))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether packed dependencies ({@link #reads()}) are slot-only: entry {@code i} is dependency {@code i}'s
     * {@link InputSlot}, which is what was seen and names the ingredient and key.
     */
    static boolean slotsOnly(Object[] r) {
        return r.length != 0 && r[0] instanceof InputSlot;
    }

    /**
     * Entries per dependency in packed dependencies ({@link #reads()}) that are not {@link #slotsOnly}, 2 or
     * {@value #STRIDE}: in both of those layouts the key of dependency {@code i} is at {@code 1 + stride * i}
     * and what was seen at {@code 2 + stride * i}, for a loop that reads many without looking at the layout
     * again for each.
     */
    static int stride(Object[] r) {
        return r.length != 0 && r[0] instanceof OneIngredient ? 2 : STRIDE;
    }

    /** {@link #dependencyCount()} of packed dependencies ({@link #reads()}). */
    static int dependencyCount(Object[] r) {
        if (r.length == 0) {
            return 0;
        }
        Object first = r[0];
        return first instanceof InputSlot ? r.length : first instanceof OneIngredient ? r.length >> 1
                : r.length / STRIDE;
    }

    /** {@link #ingredientAt(int)} of packed dependencies ({@link #reads()}). */
    static int ingredientAt(Object[] r, int i) {
        Object first = r[0];
        return first instanceof InputSlot ? ((InputSlot) r[i]).ingredient
                : first instanceof OneIngredient one ? one.index : (Integer) r[i * STRIDE];
    }

    /** {@link #keyAt(int)} of packed dependencies ({@link #reads()}). */
    static Object keyAt(Object[] r, int i) {
        Object first = r[0];
        return first instanceof InputSlot ? ((InputSlot) r[i]).key
                : Objects.requireNonNull(first instanceof OneIngredient ? r[1 + 2 * i] : r[i * STRIDE + 1]);
    }

    /** {@link #seenAt(int)} of packed dependencies ({@link #reads()}). */
    static @Nullable Object seenAt(Object[] r, int i) {
        Object first = r[0];
        return first instanceof InputSlot ? r[i] : first instanceof OneIngredient ? r[2 + 2 * i] : r[i * STRIDE + 2];
    }

    /** Dependency {@code i} as an object of its own (allocated: for cold paths). */
    Dependency dependency(int i) {
        return new Dependency(ingredientAt(i), keyAt(i), seenAt(i));
    }

    /** The dependencies as objects of their own (allocated: for cold paths), in the order they were read. */
    Dependency[] dependencies() {
        Dependency[] all = new Dependency[dependencyCount()];
        for (int i = 0; i < all.length; i++) {
            all[i] = dependency(i);
        }
        return all;
    }

    final boolean failed() {
        return value == null;
    }

    /** The revision a failure belongs to (r[cell.poison]). */
    long failedAt() {
        return version.changedAt();
    }

    /**
     * Whether this memo is known to hold at {@code revision}, given it was verified at {@code verifiedAt}.
     * Only the verified revision itself counts: a value equal at its {@code changed_at} and at
     * {@code verifiedAt} may still have differed in between (an input changed and changed back, and early
     * cutoff kept the old {@code changed_at}), so a read bound to an older revision revalidates.
     */
    boolean validAt(long revision, long verifiedAt) {
        return revision == verifiedAt && (value != null || revision == version.changedAt());
    }
}
