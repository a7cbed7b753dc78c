package dev.picante.internal;

import dev.picante.Batch;
import dev.picante.DerivedIngredient;
import dev.picante.Durability;
import dev.picante.QueryCancelledException;
import dev.picante.QueryContext;
import dev.picante.Revision;
import dev.picante.Snapshot;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The {@link QueryContext} of one running computation: it binds every read to the computation's
 * {@link InputState} (r[derived.revision-binding]) and records each read as a dependency, from whichever
 * thread it comes (r[dep.recording], r[jvm.explicit-context]). Closed when the compute function returns.
 *
 * <p>It is also the computation's evaluation in flight ({@link InFlight}: single flight, the wait graph), made
 * by {@link InFlight#claim} before the claim, so that a cold read makes one object for both; its reads start
 * with {@link #start}, when the leader comes to compute. Nested reads name it as their caller (cycle detection).
 * What it exposes as a {@code QueryContext} is unchanged: {@link InFlight}'s members are package-private.
 */
final class Evaluation extends InFlight implements QueryContext {

    final ViewState view;
    final InputState state;
    /**
     * What was read, packed as {@link Memo}'s reads are: one array for every read, no object per read. While the
     * state is {@link #SLOTS}, one entry per read, the {@link InputSlot} found (a memo's slot-only layout); from
     * the first read of anything else on ({@link #GENERAL}), {@value Memo#STRIDE} entries per read (ingredient
     * index, key, seen), the slots read until then rewritten in place. Sized at first for as many entries as the
     * ingredient's last computation kept ({@link DerivedImpl#readsHint}, see {@link #entriesHint()}), so that the
     * usual computation neither grows it nor copies it to its exact size at the end. Set by {@link #start}: no
     * computation reads through its context before (a store fewer in the constructor, which every evaluation
     * pays, also one that only revalidates or follows).
     */
    @SuppressWarnings("NullAway.Init")
    private Object[] reads;
    /** Entries used in {@link #reads}. */
    private int used;
    /**
     * The {@link Durability#ordinal() ordinal} of the minimum durability of what was read: an int compared with
     * {@code <}, where {@code Enum.compareTo} checks both classes first.
     */
    private int durability = HIGHEST_DURABILITY;
    private static final Durability[] DURABILITIES = Durability.values();
    private static final int HIGHEST_DURABILITY = DURABILITIES.length - 1;
    /** Whether a read found a failure, or a result {@link Marking#taint tainted} by one (primary view only). */
    private volatile boolean readFailure;
    /**
     * The lock word: the state of the context ({@link #SLOTS}, {@link #GENERAL} or {@link #CLOSED}) and, in its
     * low bit ({@link #HELD}), the lock of {@link #lock()} that guards {@link #reads}, {@link #used} and
     * {@link #durability}. One compare-and-set both takes the lock and tests the state, so the common read (a slot
     * found, open, slot-only so far) tests neither a closed flag nor a mode of its own: a context that is closed
     * or no longer slot-only never holds {@code SLOTS}, and its reads take the general path. The state changes only
     * while the lock is held, and is published by the release store that frees it; a closed context is never
     * held again, so a read after the close throws ({@link #closedError()}).
     */
    @SuppressWarnings("unused")
    private volatile int lock;
    private static final VarHandle LOCK;
    /** The low bit of {@link #lock}: held. */
    private static final int HELD = 1;
    /** Open, and every read so far found an input slot (set or removed, not {@code null}): reads are the slots. */
    private static final int SLOTS = 0;
    /** Open, reads of {@value Memo#STRIDE} entries each (something other than a slot found was read). */
    private static final int GENERAL = 2;
    /** Closed by {@link #close()}: never held again. */
    private static final int CLOSED = 4;

    static {
        try {
            LOCK = MethodHandles.lookup().findVarHandle(Evaluation.class, "lock", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * An evaluation of {@code derived(key)} at {@code state} in {@code view} ({@link InFlight#claim}), and the
     * context of its computation once {@link #start started}; {@code hash} is {@link InFlight#hash}'s.
     */
    Evaluation(ViewState view, InputState state, DerivedImpl<?, ?> derived, Object key, int hash) {
        super(derived, key, state.revision, hash);
        this.view = view;
        this.state = state;
    }

    /** The derived ingredient evaluated. */
    DerivedImpl<?, ?> derived() {
        return (DerivedImpl<?, ?>) ingredient;
    }

    /** Starts the computation: its reads go into {@code buffer}, a new array from {@link #buffer}. */
    void start(Object[] buffer) {
        reads = buffer;
    }

    /**
     * A new, empty buffer of reads for {@code expectedEntries} entries (at least one). Up to six entries (up to six
     * slot-only reads, or two reads of anything else: most computations) by an allocation of a constant length:
     * C2 then allocates the array without the length's range check, its size computation and the zeroing loop of
     * an array whose length it does not know (about 20 instructions per computation), and its profile of the
     * switch puts the length a program's computations use most first.
     */
    static Object[] buffer(int expectedEntries) {
        switch (expectedEntries) {
            case 1:
                return new Object[1];
            case 2:
                return new Object[2];
            case 3:
                return new Object[3];
            case 4:
                return new Object[4];
            case 5:
                return new Object[5];
            case 6:
                return new Object[6];
            default:
                return new Object[Math.max(1, expectedEntries)];
        }
    }

    /**
     * Reads an input slot at this computation's revision and records it. Whether the context is still open is
     * checked once, by {@link #recordInput}'s taking of the lock (the look-up before it reads immutable state
     * only), so a read after the computation returned still throws {@link #closedError()}.
     */
    @Nullable InputSlot readInput(InputImpl<?, ?> input, Object key) {
        InputSlot slot = state.slot(input.index, key);
        recordInput(input, key, slot);
        return slot;
    }

    Object readDerived(DerivedImpl<?, ?> derived, Object key) {
        checkOpen();
        Memo memo = view.fetch(derived, key, state, this);
        record(Memo.boxIndex(derived.index), key, memo.version, memo.durability().ordinal());
        Marking marking = view.marking;
        if (marking != null && (memo.failed() || marking.tainted(derived.index, key))) {
            readFailure = true;
        }
        return derived.unwrap(memo, key);
    }

    /**
     * Records a read of {@code input}'s slot of {@code key}. The common case (open, slot-only so far, a slot found,
     * room in the buffer) takes the lock by one compare-and-set from {@link #SLOTS}, stores the slot alone and frees
     * the lock; everything else (a slot never set, the buffer full, reads no longer slot-only, a closed context,
     * the lock held by another thread) goes through {@link #recordInputOtherwise}. Small, so the read stays small
     * enough to be inlined into the compute function.
     */
    private void recordInput(InputImpl<?, ?> input, Object key, @Nullable InputSlot slot) {
        if (LOCK.compareAndSet(this, SLOTS, SLOTS | HELD)) {
            Object[] r = reads;
            int at = used;
            // at >= 0 (always true) lets C2 fold both bounds into one unsigned compare, the store's range check
            if (slot != null && at >= 0 && at < r.length) {
                r[at] = slot;
                used = at + 1;
                int level = input.durabilityOrdinal;
                if (level < durability) {
                    durability = level;
                }
                LOCK.setRelease(this, SLOTS);
                return;
            }
            LOCK.setRelease(this, SLOTS); // the rest under the general path's own taking of the lock
        }
        recordInputOtherwise(input, key, slot);
    }

    /**
     * {@link #recordInput} when the buffer is full, the slot was never set, reads are no longer slot-only, the
     * lock is held by another thread, or the context is closed (then it throws).
     */
    private void recordInputOtherwise(InputImpl<?, ?> input, Object key, @Nullable InputSlot slot) {
        int state = lock();
        try {
            if (state == SLOTS && slot != null) {
                if (used == reads.length) {
                    reads = Arrays.copyOf(reads, Math.max(1, 2 * reads.length));
                }
                reads[used++] = slot;
            } else {
                if (state == SLOTS) {
                    state = unpackSlots();
                }
                append(input.boxedIndex, key, slot);
            }
            int level = input.durabilityOrdinal;
            if (level < durability) {
                durability = level;
            }
        } finally {
            unlock(state);
        }
    }

    /** Records a read of a derived result. */
    private void record(Integer ingredient, Object key, @Nullable Object seen, int level) {
        int state = lock();
        try {
            if (state == SLOTS) {
                state = unpackSlots();
            }
            append(ingredient, key, seen);
            if (level < durability) {
                durability = level;
            }
        } finally {
            unlock(state);
        }
    }

    /** Appends one read of {@value Memo#STRIDE} entries (under the lock, in the {@link #GENERAL} state). */
    private void append(Integer ingredient, Object key, @Nullable Object seen) {
        Object[] r = reads;
        int at = used;
        if (at + Memo.STRIDE > r.length) {
            reads = r = Arrays.copyOf(r, Math.max(2 * r.length, at + Memo.STRIDE));
        }
        r[at] = ingredient;
        r[at + 1] = key;
        r[at + 2] = seen;
        used = at + Memo.STRIDE;
    }

    /**
     * Leaves {@link #SLOTS} (under the lock): rewrites the slots read so far as {@value Memo#STRIDE} entries each,
     * in place when the buffer has room for them and one more read. Returns the new state, {@link #GENERAL}, which
     * the caller's {@link #unlock} publishes.
     */
    private int unpackSlots() {
        int count = used;
        if (count == 0) {
            return GENERAL;
        }
        Object[] r = reads;
        int needed = (count + 1) * Memo.STRIDE;
        Object[] to = needed <= r.length ? r : new Object[Math.max(needed, 2 * count * Memo.STRIDE)];
        for (int i = count - 1; i >= 0; i--) { // from the last: entry i moves to 3i, never over one not moved yet
            InputSlot slot = (InputSlot) r[i];
            to[i * Memo.STRIDE] = Memo.boxIndex(slot.ingredient);
            to[i * Memo.STRIDE + 1] = slot.key;
            to[i * Memo.STRIDE + 2] = slot;
        }
        reads = to;
        used = count * Memo.STRIDE;
        return GENERAL;
    }

    /**
     * Takes the lock that guards {@link #reads}, {@link #used} and {@link #durability} in whichever open state the
     * context is, and returns that state ({@link #SLOTS} or {@link #GENERAL}); throws {@link #closedError()} if the
     * context is closed. One compare-and-set, where a monitor costs two. What it guards runs no user code and never
     * waits, so a thread that finds it held spins briefly (reads from several threads at once are rare:
     * {@link #map}, or a context handed to other threads).
     */
    private int lock() {
        return LOCK.compareAndSet(this, SLOTS, SLOTS | HELD) ? SLOTS : lockOtherwise();
    }

    /** {@link #lock()} when the context is not free in the {@link #SLOTS} state. */
    private int lockOtherwise() {
        for (int spins = 0; ; spins++) {
            int state = (int) LOCK.getVolatile(this);
            if (state == CLOSED) {
                throw closedError();
            }
            if ((state & HELD) == 0) {
                if (LOCK.compareAndSet(this, state, state | HELD)) {
                    return state;
                }
            } else if (spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /** Frees the lock, leaving the context in {@code state} (a release store: what was done under it is seen). */
    private void unlock(int state) {
        LOCK.setRelease(this, state);
    }

    private void checkOpen() {
        if ((int) LOCK.getVolatile(this) == CLOSED) {
            throw closedError();
        }
    }

    private IllegalStateException closedError() {
        return new IllegalStateException("the QueryContext of " + ref() + " at revision " + state.revision
                + " was used after its computation returned; read only while computing");
    }

    /**
     * Closes the context (a later read throws) and returns the dependencies in the order they were read, each
     * record once, packed for {@link Memo}: an array of exactly their size (the memo keeps it). One lock for
     * both; {@link #durability()} is stable from then on.
     */
    Object[] close() {
        Object[] all;
        int used;
        boolean slotsOnly;
        int state = lock();
        try {
            all = reads;
            used = this.used;
            slotsOnly = state == SLOTS;
        } finally {
            unlock(CLOSED);
        }
        // Closed: no read changes the array from here on, so repeats are removed without the lock (the keys'
        // equals may be user code).
        if (slotsOnly) {
            return closeSlots(all, used);
        }
        int kept = 0;
        if (used > 8 * Memo.STRIDE) {
            Set<NodeKey> seen = new HashSet<>();
            for (int i = 0; i < used; i += Memo.STRIDE) {
                if (seen.add(new NodeKey((Integer) all[i], Objects.requireNonNull(all[i + 1])))) {
                    kept = keep(all, i, kept);
                }
            }
        } else {
            // Few reads: remove repeats in place, without a set.
            outer:
            for (int i = 0; i < used; i += Memo.STRIDE) {
                for (int j = 0; j < kept; j += Memo.STRIDE) {
                    if (Objects.requireNonNull(all[j]).equals(all[i])
                            && Objects.requireNonNull(all[j + 1]).equals(all[i + 1])) {
                        continue outer;
                    }
                }
                kept = keep(all, i, kept);
            }
        }
        Arrays.fill(all, kept, used, null);
        this.used = kept;
        return Memo.packReads(all, kept);
    }

    /**
     * {@link #close} of slot-only reads: repeats are the same slot object (every read of a record at this
     * computation's revision finds the same one), so they are removed by identity, calling no key's
     * {@code equals}. Reads without a repeat (the usual case) are returned as they are, without a store: the
     * buffer itself when it has exactly their size.
     */
    private Object[] closeSlots(Object[] all, int used) {
        int kept;
        if (used > 16) {
            Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>(used));
            kept = 0;
            for (int i = 0; i < used; i++) {
                if (seen.add(all[i])) {
                    all[kept++] = all[i];
                }
            }
        } else {
            int first = firstRepeat(all, used);
            if (first == used) {
                return used == all.length ? all : used == 0 ? Memo.NO_READS : Arrays.copyOf(all, used);
            }
            kept = first;
            outer:
            for (int i = first + 1; i < used; i++) {
                Object slot = all[i];
                for (int j = 0; j < kept; j++) {
                    if (all[j] == slot) {
                        continue outer;
                    }
                }
                all[kept++] = slot;
            }
        }
        Arrays.fill(all, kept, used, null);
        this.used = kept;
        return kept == all.length ? all : kept == 0 ? Memo.NO_READS : Arrays.copyOf(all, kept);
    }

    /**
     * The position of the first of the {@code used} slots that repeats an earlier one, else {@code used}. Up to
     * four slots (most computations) are compared in a straight line, without a loop's set-up.
     */
    private static int firstRepeat(Object[] all, int used) {
        if (used <= 4) {
            return firstRepeatOfFew(all, used);
        }
        for (int i = 1; i < used; i++) {
            Object slot = all[i];
            for (int j = 0; j < i; j++) {
                if (all[j] == slot) {
                    return i;
                }
            }
        }
        return used;
    }

    /** {@link #firstRepeat} of at most four slots: each compared with those before it, by identity. */
    private static int firstRepeatOfFew(Object[] all, int used) {
        if (used < 2) {
            return used;
        }
        Object a = all[0];
        Object b = all[1];
        if (a == b) {
            return 1;
        }
        if (used == 2) {
            return 2;
        }
        Object c = all[2];
        if (c == a || c == b) {
            return 2;
        }
        if (used == 3) {
            return 3;
        }
        Object d = all[3];
        return d == a || d == b || d == c ? 3 : 4;
    }

    /**
     * After {@link #close}: how many buffer entries the reads kept took (one per slot-only read, else
     * {@value Memo#STRIDE} per read), which sizes the next computation's buffer ({@link DerivedImpl#readsHint}).
     */
    int entriesHint() {
        return used;
    }

    /** Moves the read at {@code from} to {@code to}; returns the next free position. */
    private static int keep(Object[] all, int from, int to) {
        if (from != to) {
            System.arraycopy(all, from, all, to, Memo.STRIDE);
        }
        return to + Memo.STRIDE;
    }

    /** Whether a read found a failure or a result tainted by one. */
    boolean readFailure() {
        return readFailure;
    }

    /**
     * The minimum durability of what was read; called by the computing thread after {@link #close}, whose
     * lock ordered every read's update before it.
     */
    Durability durability() {
        return DURABILITIES[durability];
    }

    /** {@link #durability()}'s {@link Durability#ordinal() ordinal}, under the same conditions. */
    int durabilityOrdinal() {
        return durability;
    }

    IllegalStateException writeRefused(IngredientImpl input) {
        return new IllegalStateException("cannot write " + input.describe() + " from inside the computation of "
                + ref() + ": a query is a pure function of what it reads; write inputs outside queries");
    }

    @Override
    public Revision revision() {
        return new Revision(state.revision);
    }

    @Override
    public Snapshot snapshot() {
        checkOpen();
        return ViewAccess.newSnapshot(view.forkAt(state));
    }

    @Override
    public Batch batch() {
        throw new IllegalStateException("cannot start a batch from inside the computation of " + ref()
                + ": a query is a pure function of what it reads; write inputs outside queries");
    }

    @Override
    public <K, V> List<V> getAll(DerivedIngredient<K, V> ingredient, List<? extends K> keys) {
        return map(keys, key -> ingredient.get(this, key));
    }

    @Override
    public <K, R> List<R> map(List<? extends K> keys, Function<? super K, ? extends R> function) {
        checkOpen();
        if (keys.size() <= 1) {
            return keys.stream().<R>map(function).toList();
        }
        List<CompletableFuture<R>> futures = new ArrayList<>(keys.size());
        for (K key : keys) {
            Supplier<R> task = () -> function.apply(key);
            futures.add(CompletableFuture.supplyAsync(task, view.engine.executor()));
        }
        // Wait for every read before reporting a failure, so no read outlives this call.
        List<R> results = new ArrayList<>(keys.size());
        Throwable first = null;
        for (CompletableFuture<R> future : futures) {
            try {
                results.add(future.get());
            } catch (InterruptedException e) {
                futures.forEach(f -> f.cancel(true));
                Thread.currentThread().interrupt();
                throw new QueryCancelledException("interrupted while " + ref()
                        + " waited for concurrent reads", e);
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause();
                }
                results.add(null);
            }
        }
        if (first instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (first instanceof Error error) {
            throw error;
        }
        if (first != null) {
            throw new IllegalStateException(first);
        }
        return results;
    }

    @Override
    public String toString() {
        return "QueryContext[" + ref() + " at " + revision() + "]";
    }
}
