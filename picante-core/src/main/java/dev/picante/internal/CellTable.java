package dev.picante.internal;

import dev.picante.Inspector.Outcome;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A view's memo table of one derived ingredient: its cells by key. A cell carries its key ({@link Cell#key}), so
 * the table is one array of cells with open addressing (linear probing from the high bits of the key's
 * {@link #hash}), where a {@code ConcurrentHashMap} adds a node of 32 bytes per entry. Cells do not keep the
 * hash (4 bytes per memo): a probe compares keys by identity, then with {@code equals} (keys of one
 * ingredient are of one class), and a resize asks each key for its hash again.
 *
 * <p>Reads ({@link #get}, {@link #forEach}, {@link #size}) take no lock and write no shared memory. Writes take
 * the table's lock ({@link #lockWord}), held for a few probes (and for a resize, which copies every cell once, by its
 * key's hash); a key's {@code equals} and {@code hashCode} run under it, as it runs under a bin's lock in a
 * concurrent map. At most two
 * thirds of the slots are in use (cells and tombstones): past that a write doubles the array, or rebuilds it at
 * its size when tombstones are most of it.
 *
 * <p>Guarantees, the same as a {@code ConcurrentHashMap}'s for the operations it has: every operation on one
 * key is linearizable. What makes it so with lock-free readers:
 * <ul>
 *   <li>a key is in at most one slot of the current array, and a write replaces a slot's reference whole
 *       (release stores; readers load with acquire), so a reader sees a slot before or after a write;</li>
 *   <li>a removed cell leaves a tombstone ({@link #REMOVED}) that readers probe past, or {@code null} when the
 *       next slot is {@code null} (no probe chain goes past it then); so no slot between a key's home and its
 *       cell is ever {@code null} while the cell is there, and a reader never stops short of a present key;</li>
 *   <li>a resize copies the live cells into a new array and then publishes it; writers use only the array
 *       published last, so an old array never changes once a newer one is published, and a reader still on it
 *       answers as the table was at that moment, which lies within its call.</li>
 * </ul>
 * Iteration ({@link #forEach}, {@link #cells}) is weakly consistent: it sees every cell present for its whole
 * run, no key twice, and may or may not see what changes meanwhile.
 *
 * <p>Keys are compared with {@code equals} and must not change their hash; cells are replaced and removed by
 * identity. The table knows the ingredient it belongs to ({@link #ingredient}). Thread-safe.
 */
final class CellTable {

    /** The smallest array: 8 slots. */
    private static final int MIN_CAPACITY = 8;
    /** The largest array: a table of two thirds of it refuses new keys. */
    private static final int MAX_CAPACITY = 1 << 30;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Cell[].class);
    private static final VarHandle SIZE;
    private static final VarHandle LOCK;
    /** {@link #lockWord}: no writer holds it. */
    private static final int FREE = 0;
    /** {@link #lockWord}: held, and no writer waits for it. */
    private static final int HELD = 1;
    /** {@link #lockWord}: held, and writers may wait for it on the table's monitor. */
    private static final int CONTENDED = 2;
    /** How often a writer that finds the lock held tries again before it waits. */
    private static final int SPINS = 64;

    static {
        try {
            SIZE = MethodHandles.lookup().findVarHandle(CellTable.class, "size", int.class);
            LOCK = MethodHandles.lookup().findVarHandle(CellTable.class, "lockWord", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What a removed cell leaves in its slot while a probe chain may go through it. */
    static final Cell REMOVED = sentinel();

    /**
     * What {@link #putUnlessNewer} returns when it kept the table's cell, verified at a later revision than
     * the one offered.
     */
    static final Cell KEPT = sentinel();

    /** The index of the derived ingredient whose cells this table holds. */
    final int ingredient;
    /**
     * The writers' lock, one word ({@link #FREE}, {@link #HELD}, {@link #CONTENDED}): taken by one compare-and-set from
     * {@code FREE} and freed by one atomic exchange: the same two atomic operations as the table's monitor took,
     * without its stack lock's bookkeeping around them (about 8 instructions per write). A writer that finds it held
     * spins briefly, then marks it {@code CONTENDED} by an exchange (which also takes it if it was freed meanwhile) and
     * waits on the table's monitor while it stays so; a writer that frees a {@code CONTENDED} lock wakes the waiters
     * under the same monitor, so no wake-up is lost (a waiter checks the word under the monitor before it waits). The
     * exchange and the compare-and-set are volatile accesses of the word, so everything a writer did while holding the
     * lock happens-before what the next holder does, as with a monitor. Not reentrant (nothing under it calls back into
     * the table), and, like a monitor, not interruptible: an interrupt that comes while a writer waits is kept for the
     * thread and the writer waits on.
     */
    @SuppressWarnings("unused")
    private volatile int lockWord;
    /** The cells; a power of two long; written (the reference and its slots) only under this table's lock. */
    private volatile @Nullable Cell[] slots;
    /** How many cells the table holds; written only under the lock. */
    private volatile int size;
    /** How many slots hold {@link #REMOVED}; guarded by the lock. */
    private int removed;
    /**
     * The most slots in use (cells and tombstones) the current array takes, two thirds of its length rounded
     * down: a write that would go past it grows or cleans the array first. Set with the array; guarded by the
     * lock.
     */
    private int limit;
    /**
     * How many cells were removed so far; written under the lock, after the removal's slot: an iteration that
     * reads it unchanged around its scan saw no key move.
     */
    private volatile int removals;

    /** An empty table of the cells of ingredient {@code ingredient}. */
    CellTable(int ingredient) {
        this(ingredient, MIN_CAPACITY);
    }

    /** An empty table whose first array has {@code capacity} slots (rounded up to a power of two, at least 8). */
    CellTable(int ingredient, int capacity) {
        this.ingredient = ingredient;
        int c = MIN_CAPACITY;
        while (c < capacity && c < MAX_CAPACITY) {
            c <<= 1;
        }
        this.slots = new Cell[c];
        this.limit = limitOf(c);
    }

    /**
     * Two thirds of {@code length} rounded down: {@code used <= limitOf(length)} exactly when
     * {@code 3 used <= 2 length}.
     */
    private static int limitOf(int length) {
        return (int) (length * 2L / 3);
    }

    private static Cell sentinel() {
        Memo none = Memo.failure(new IllegalStateException("not a result"), -1, new Dependency[0]);
        return new Cell(new Object(), none, -1, Outcome.FAILED, null, 0);
    }

    /**
     * The hash a cell of {@code key} is found by: the key's hash with its high half folded in, times the golden
     * ratio, so that its high bits (which pick the home slot) depend on all of the key's hash bits.
     */
    static int hash(Object key) {
        int h = key.hashCode();
        return (h ^ (h >>> 16)) * 0x9E3779B9;
    }

    /** The home slot of {@code hash} in an array of {@code length} slots (a power of two, at least 8). */
    private static int home(int hash, int length) {
        return hash >>> Integer.numberOfLeadingZeros(length - 1);
    }

    /** The cell of {@code key}, or {@code null}. Lock-free. */
    @Nullable Cell get(Object key) {
        return get(key, hash(key));
    }

    /** {@link #get(Object)} for a caller that has {@code key}'s {@link #hash(Object) hash} already. Lock-free. */
    @Nullable Cell get(Object key, int h) {
        @Nullable Cell[] t = slots;
        int mask = t.length - 1;
        for (int i = home(h, t.length); ; i = (i + 1) & mask) {
            Cell c = (Cell) SLOT.getAcquire(t, i);
            if (c == null) {
                return null;
            }
            Object k = c.key;
            if (k == key || (c != REMOVED && key.equals(k))) {
                return c;
            }
        }
    }

    /** How many cells the table holds. */
    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** How many slots the current array has (for tests). */
    int capacity() {
        return slots.length;
    }

    /** Puts {@code cell} unless the table holds a cell of its key; returns that cell, or {@code null}. */
    @Nullable Cell putIfAbsent(Cell cell) {
        lock();
        try {
            @Nullable Cell[] t = slots;
            int at = find(t, cell);
            Cell existing = t[at];
            if (existing != null && existing != REMOVED) {
                return existing;
            }
            insert(t, cell, at, existing == REMOVED);
            return null;
        } finally {
            unlock();
        }
    }

    /**
     * Puts {@code cell} unless the table holds a cell of its key verified at a later revision: returns the cell
     * it replaced, {@code null} when there was none, or {@link #KEPT} when it kept the table's own.
     */
    @Nullable Cell putUnlessNewer(Cell cell) {
        lock();
        try {
            @Nullable Cell[] t = slots;
            int at = find(t, cell);
            Cell existing = t[at];
            if (existing == null || existing == REMOVED) {
                insert(t, cell, at, existing == REMOVED);
                return null;
            }
            if (existing.verifiedAt > cell.verifiedAt) {
                return KEPT;
            }
            SLOT.setRelease(t, at, cell);
            return existing;
        } finally {
            unlock();
        }
    }

    /** Puts {@code cell} in place of any cell of its key; returns the cell it replaced, or {@code null}. */
    @Nullable Cell put(Cell cell) {
        lock();
        try {
            @Nullable Cell[] t = slots;
            int at = find(t, cell);
            Cell existing = t[at];
            if (existing == null || existing == REMOVED) {
                insert(t, cell, at, existing == REMOVED);
                return null;
            }
            SLOT.setRelease(t, at, cell);
            return existing;
        } finally {
            unlock();
        }
    }

    /** Replaces {@code expected} (by identity) with {@code cell}, of the same key; whether it was there. */
    boolean replace(Cell expected, Cell cell) {
        lock();
        try {
            @Nullable Cell[] t = slots;
            int at = slotOf(t, expected);
            if (at < 0) {
                return false;
            }
            SLOT.setRelease(t, at, cell);
            return true;
        } finally {
            unlock();
        }
    }

    /** Removes {@code cell} (by identity); whether it was there. */
    boolean remove(Cell cell) {
        lock();
        try {
            @Nullable Cell[] t = slots;
            int at = slotOf(t, cell);
            if (at < 0) {
                return false;
            }
            int mask = t.length - 1;
            if (t[(at + 1) & mask] == null) {
                // The end of every probe chain through this slot: it can end here instead, and so can the
                // tombstones right before it.
                SLOT.setRelease(t, at, null);
                for (int i = (at - 1) & mask; t[i] == REMOVED; i = (i - 1) & mask) {
                    SLOT.setRelease(t, i, null);
                    removed--;
                }
            } else {
                SLOT.setRelease(t, at, REMOVED);
                removed++;
            }
            size = size - 1;
            removals = removals + 1;
            return true;
        } finally {
            unlock();
        }
    }

    /**
     * Calls {@code action} with each cell of the table, weakly consistently: every cell present during the
     * whole call is seen, no key twice. Lock-free.
     */
    void forEach(Consumer<Cell> action) {
        for (Cell cell : cells()) {
            action.accept(cell);
        }
    }

    /**
     * The cells of the table, weakly consistently as {@link #forEach}: a copy, so a caller may remove or store
     * while it goes through them. Lock-free.
     */
    List<Cell> cells() {
        int before = removals;
        @Nullable Cell[] t = slots;
        List<Cell> all = new ArrayList<>(Math.min(size, t.length));
        for (int i = 0; i < t.length; i++) {
            Cell c = (Cell) SLOT.getAcquire(t, i);
            if (c != null && c != REMOVED) {
                all.add(c);
            }
        }
        if (removals == before) {
            return all;
        }
        // A key removed and stored again while the scan ran may have been seen in its old slot and again in a
        // later one (the only way a key moves within an array): keep its later cell, the newer.
        Map<Object, Cell> byKey = new LinkedHashMap<>();
        for (Cell c : all) {
            byKey.put(c.key, c);
        }
        return byKey.size() == all.size() ? all : new ArrayList<>(byKey.values());
    }

    // ---------------------------------------------------------------------------------------------
    // The lock

    /** Takes the writers' lock (see {@link #lockWord}). */
    private void lock() {
        if (!LOCK.compareAndSet(this, FREE, HELD)) {
            lockContended();
        }
    }

    /** Frees the writers' lock, waking the writers that wait for it if any may (see {@link #lockWord}). */
    private void unlock() {
        if ((int) LOCK.getAndSet(this, FREE) == CONTENDED) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** {@link #lock()} when the lock was not free: spins, then waits on the table's monitor until it takes it. */
    private void lockContended() {
        for (int spins = 0; spins < SPINS; spins++) {
            Thread.onSpinWait();
            if ((int) LOCK.getVolatile(this) == FREE && LOCK.compareAndSet(this, FREE, HELD)) {
                return;
            }
        }
        boolean interrupted = false;
        // Held from here on as CONTENDED (by this writer once the exchange finds it free), so that its holder
        // wakes the waiters when it frees it.
        while ((int) LOCK.getAndSet(this, CONTENDED) != FREE) {
            synchronized (this) {
                while ((int) LOCK.getVolatile(this) == CONTENDED) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        interrupted = true; // kept for the thread: taking the lock is not interruptible
                    }
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Under the lock

    /**
     * The slot of the cell of {@code cell}'s key, or when there is none the slot to put it in (the first tombstone
     * or empty slot of its probe chain): the caller tells them apart by what the slot holds (a cell, or
     * {@code null} or {@link #REMOVED}). Under the lock.
     */
    private int find(@Nullable Cell[] t, Cell cell) {
        Object key = cell.key;
        int h = hash(key);
        int mask = t.length - 1;
        int free = -1;
        int i = home(h, t.length);
        for (int probes = 0; probes < t.length; probes++, i = (i + 1) & mask) {
            Cell c = t[i];
            if (c == null) {
                return free >= 0 ? free : i;
            }
            if (c == REMOVED) {
                if (free < 0) {
                    free = i;
                }
            } else if (c.key == key || key.equals(c.key)) {
                return i;
            }
        }
        if (free < 0) { // never: at most two thirds of the slots are in use
            throw full();
        }
        return free;
    }

    /** The slot holding exactly {@code cell}, or -1. Under the lock. */
    private static int slotOf(@Nullable Cell[] t, Cell cell) {
        int mask = t.length - 1;
        int i = home(hash(cell.key), t.length);
        for (int probes = 0; probes < t.length; probes++, i = (i + 1) & mask) {
            Cell c = t[i];
            if (c == cell) {
                return i;
            }
            if (c == null) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * Puts a new key's cell in slot {@code at} (free: a tombstone when {@code reuses}, else empty), growing or
     * cleaning the array first if it is too full.
     */
    private void insert(@Nullable Cell[] t, Cell cell, int at, boolean reuses) {
        int length = t.length;
        int n = size + 1;
        // At most two thirds of the slots in use (cells and tombstones), so probe chains stay short and every
        // look-up meets an empty slot.
        if (!reuses && n + removed > limit) {
            resize(t, n * 3L > length ? length << 1 : length); // else clean only: tombstones are most of it
            t = slots;
            limit = limitOf(t.length); // here, not in resize: its copy loop is compiled as tight as before
            at = find(t, cell); // empty: the new array has no tombstone and no cell of the key
        } else if (reuses) {
            removed--;
        }
        SLOT.setRelease(t, at, cell);
        // A release store: a reader of size sees the new count with the cells before it, as a volatile store
        // would let it, without the fence after it (the lock's release right after orders it for writers).
        SIZE.setRelease(this, n);
    }

    /** The exception of a table that cannot take another key (out of the write path's compiled code). */
    private IllegalStateException full() {
        return new IllegalStateException("the memo table of ingredient " + ingredient + " is full (" + size
                + " results); bound it (maxMemosPerIngredient, memoByteLimit) or evict results");
    }

    /** Copies the live cells into a new array of {@code capacity} slots and publishes it. Under the lock. */
    private void resize(@Nullable Cell[] old, int capacity) {
        if (capacity > MAX_CAPACITY || capacity <= 0) {
            throw full();
        }
        @Nullable Cell[] t = new Cell[capacity];
        int mask = capacity - 1;
        for (Cell c : old) {
            if (c != null && c != REMOVED) {
                int i = home(hash(c.key), capacity);
                while (t[i] != null) {
                    i = (i + 1) & mask;
                }
                t[i] = c;
            }
        }
        removed = 0;
        slots = t; // publishes the copies: a reader that loads the new array sees them
    }
}
