package dev.picante.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * An exact counter for the memo-hit path: each thread adds to a slot only it writes, so a hit does no
 * atomic read-modify-write and writes no memory another thread writes (which is what lets readers of one
 * hot key scale across cores). {@link #sum} adds every slot; it is exact once the counting threads are
 * done or otherwise happen-before the read, like {@link java.util.concurrent.atomic.LongAdder#sum}.
 *
 * <p>The slots of threads that ended are folded into a base count when slots are added, so short-lived
 * threads (one virtual thread per task) do not make the list grow without bound.
 */
final class HitCounter {

    private static final VarHandle COUNT;

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
        final Thread owner;

        Slot(Thread owner) {
            this.owner = owner;
        }

        long read() {
            return (long) COUNT.getOpaque(this);
        }
    }

    private final ThreadLocal<Slot> local = ThreadLocal.withInitial(this::register);
    /** Guarded by this. */
    private final List<Slot> slots = new ArrayList<>();
    /** Counts of ended threads; guarded by this. */
    private long retired;
    /** Guarded by this. */
    private int foldAt = 16;

    /** Adds one on behalf of the calling thread. */
    void increment() {
        Slot slot = local.get();
        // Only this thread writes the slot: a plain read and an opaque (untorn, unfenced) write suffice.
        COUNT.setOpaque(slot, slot.count + 1);
    }

    /** The total so far. */
    synchronized long sum() {
        long total = retired;
        for (Slot slot : slots) {
            total += slot.read();
        }
        return total;
    }

    private synchronized Slot register() {
        if (slots.size() >= foldAt) {
            slots.removeIf(slot -> {
                if (slot.owner.isAlive()) {
                    return false;
                }
                retired += slot.read(); // an ended thread writes no more: its count is final
                return true;
            });
            foldAt = Math.max(16, slots.size() * 2);
        }
        Slot slot = new Slot(Thread.currentThread());
        slots.add(slot);
        return slot;
    }
}
