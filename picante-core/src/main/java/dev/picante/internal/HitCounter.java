package dev.picante.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * An exact counter for the memo-hit path: each thread adds to a slot only it writes, so a hit does no
 * atomic read-modify-write and writes no memory another thread writes (which is what lets readers of one
 * hot key scale across cores). {@link #sum} adds every slot; it is exact once the counting threads are
 * done or otherwise happen-before the read, like {@link java.util.concurrent.atomic.LongAdder#sum}.
 *
 * <p>The first thread that counts (the usual single reader) finds its slot in one field, checked by owner;
 * any other thread in a small table indexed by its thread id, also checked by owner: a few loads and one
 * compare either way, where a {@link ThreadLocal} look-up costs a hash probe of the thread's map. A thread whose
 * entry in the table is held by another live thread, once the table has reached its maximum size, counts
 * in a {@link LongAdder} instead (many threads at once: the adder's cells are spread across them too).
 * The slots of threads that ended are folded into a base count when slots are added, so short-lived
 * threads (one virtual thread per task) do not make the table or the list of slots grow without bound.
 */
final class HitCounter {

    private static final VarHandle COUNT;
    /** The table's bound: past it, colliding threads count in the overflow adder. */
    private static final int MAX_TABLE = 1 << 10;
    /** The first slot before any thread counted: no thread owns it. */
    private static final Slot NOBODY = new Slot(null);

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(Slot.class, "count", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One thread's count; padded so two threads' slots do not share a cache line. */
    @SuppressWarnings("unused")
    static final class Slot {
        long p01, p02, p03, p04, p05, p06, p07;
        long count;
        long q01, q02, q03, q04, q05, q06, q07;
        /** The counting thread; {@code null} only for {@link #NOBODY}. */
        final @Nullable Thread owner;

        Slot(@Nullable Thread owner) {
            this.owner = owner;
        }

        long read() {
            return (long) COUNT.getOpaque(this);
        }
    }

    /**
     * The slot of the first thread that counted here (or of a later one, once that one ended): found with
     * one compare, without the table. One thread reading at a time is the common case.
     */
    private Slot first = NOBODY;
    /** Slots by thread id (masked); replaced, never written in place, so reads need no lock. */
    private volatile @Nullable Slot[] table = new Slot[8];
    /** Every live slot; guarded by this. */
    private final List<Slot> slots = new ArrayList<>();
    /** Counts of ended threads; guarded by this. */
    private long retired;
    /** Guarded by this. */
    private int foldAt = 16;
    /** Hits of threads with no slot (more colliding live threads than the table holds). */
    private final LongAdder overflow = new LongAdder();

    /** Adds one on behalf of the calling thread. */
    void increment() {
        Thread thread = Thread.currentThread();
        Slot slot = first; // a plain read: a slot's owner is final, so a racy read sees it set
        if (slot.owner == thread) {
            // Only this thread writes the slot: a plain read and write suffice (a 64-bit JVM does not tear a
            // long; sum reads it opaque).
            slot.count++;
        } else {
            incrementOther(thread);
        }
    }

    /** The count of a thread other than the first one's. */
    private void incrementOther(Thread thread) {
        @Nullable Slot[] t = table;
        Slot slot = t[(int) thread.getId() & (t.length - 1)];
        if (slot != null && slot.owner == thread) {
            COUNT.setOpaque(slot, slot.count + 1);
        } else {
            incrementSlow(thread);
        }
    }

    private void incrementSlow(Thread thread) {
        @Nullable Slot[] t = table;
        if (t.length >= MAX_TABLE && t[index(thread, t.length)] != null) {
            overflow.increment(); // the table is full at this thread's entry: no lock on every hit
            return;
        }
        Slot slot = register(thread);
        if (slot != null) {
            COUNT.setOpaque(slot, slot.count + 1);
        } else {
            overflow.increment();
        }
    }

    /** The total so far. */
    synchronized long sum() {
        long total = retired + overflow.sum();
        for (Slot slot : slots) {
            total += slot.read();
        }
        return total;
    }

    /** The calling thread's slot, made and placed in the table if need be; {@code null} if none can be. */
    private synchronized @Nullable Slot register(Thread thread) {
        @Nullable Slot[] t = table;
        Slot held = t[index(thread, t.length)];
        if (held != null && held.owner == thread) {
            return held; // placed meanwhile
        }
        Slot mine = null;
        for (Slot slot : slots) {
            if (slot.owner == thread) {
                mine = slot; // had a slot, lost its place to a table rebuild
                break;
            }
        }
        if (mine == null) {
            if (slots.size() >= foldAt) {
                fold();
            }
            mine = new Slot(thread);
            slots.add(mine);
        }
        Slot head = first;
        if (head == NOBODY || !Objects.requireNonNull(head.owner).isAlive()) {
            first = mine;
        }
        int length = t.length;
        while (true) {
            @Nullable Slot[] next = place(mine, length);
            if (next != null) {
                table = next;
                return mine;
            }
            if (length >= MAX_TABLE) {
                // Keep the slot in the list (it may find a place after threads end) but count elsewhere now.
                return null;
            }
            length *= 2;
        }
    }

    /**
     * A new table of {@code length} entries holding {@code mine} and every other live slot, or {@code null}
     * if two of them need the same entry. At the maximum length, other slots that collide are left out
     * (their threads count in the overflow adder), but {@code mine} still needs its own entry.
     */
    private @Nullable Slot @Nullable [] place(Slot mine, int length) {
        @Nullable Slot[] next = new Slot[length];
        next[index(java.util.Objects.requireNonNull(mine.owner), length)] = mine;
        for (Slot slot : slots) {
            Thread owner = slot.owner;
            if (slot == mine || owner == null || !owner.isAlive()) {
                continue;
            }
            int i = index(owner, length);
            if (next[i] == null) {
                next[i] = slot;
            } else if (next[i] == mine || length < MAX_TABLE) {
                return null;
            }
        }
        return next;
    }

    private static int index(Thread thread, int length) {
        return (int) thread.getId() & (length - 1);
    }

    /** Folds the slots of ended threads into the base count; guarded by this. */
    private void fold() {
        slots.removeIf(slot -> {
            Thread owner = slot.owner;
            if (owner != null && owner.isAlive()) {
                return false;
            }
            retired += slot.read(); // an ended thread writes no more: its count is final
            return true;
        });
        foldAt = Math.max(16, slots.size() * 2);
        @Nullable Slot[] t = table.clone();
        for (int i = 0; i < t.length; i++) {
            Slot slot = t[i];
            Thread owner = slot == null ? null : slot.owner;
            if (slot != null && (owner == null || !owner.isAlive())) {
                t[i] = null;
            }
        }
        table = t;
    }
}
