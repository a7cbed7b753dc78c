package dev.picante.internal;

import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * The database's evaluations in flight ({@link InFlight}), by query and revision
 * ({@link InFlight#sameEvaluation}): what single flight claims and releases once per computation. A fixed
 * array of slots, each holding nothing, one evaluation or a small array of them (evaluations whose hashes share
 * the slot), replaced whole by a compare-and-set: a claim of an empty slot and a release without contention
 * are one compare-and-set each (a claim that finds the slot taken reads it and tries again: a follower of a
 * running evaluation pays a failed compare-and-set before it waits), where a {@code ConcurrentHashMap}'s
 * {@code putIfAbsent} and {@code remove} take about three atomic operations and a monitor between them. Few
 * evaluations are in flight at once (one per level of each running thread's stack), so the slots stay short.
 *
 * <p>The same guarantees as {@code putIfAbsent} and {@code remove(key, value)} of a concurrent map:
 * {@link #putIfAbsent} installs an evaluation unless one of the same query and revision is present,
 * atomically; {@link #remove} removes exactly the given evaluation (by identity) if present. Thread-safe.
 */
final class InFlightTable {

    /** The number of slots: 2 to the power of {@link #SLOT_BITS}. */
    private static final int SLOT_BITS = 9;
    private static final int SLOTS = 1 << SLOT_BITS;

    /** Each slot: {@code null}, an {@link InFlight}, or an {@code InFlight[]} of two or more. */
    private final AtomicReferenceArray<@Nullable Object> slots = new AtomicReferenceArray<>(SLOTS);

    /** The slot of an evaluation: the high bits of its hash, the ones {@link InFlight#hash} mixes best. */
    private static int slot(InFlight evaluation) {
        return evaluation.hash() >>> (Integer.SIZE - SLOT_BITS);
    }

    /** Installs {@code mine} and returns {@code null}, or returns the same evaluation already in flight. */
    @Nullable InFlight putIfAbsent(InFlight mine) {
        int i = slot(mine);
        if (slots.compareAndSet(i, null, mine)) {
            return null; // the common case, an empty slot: one compare-and-set, no read before it
        }
        while (true) {
            Object current = slots.get(i);
            Object next;
            if (current == null) {
                next = mine;
            } else if (current instanceof InFlight one) {
                if (one.sameEvaluation(mine)) {
                    return one;
                }
                next = new InFlight[] {one, mine};
            } else {
                InFlight[] all = (InFlight[]) current;
                for (InFlight other : all) {
                    if (other.sameEvaluation(mine)) {
                        return other;
                    }
                }
                InFlight[] more = new InFlight[all.length + 1];
                System.arraycopy(all, 0, more, 0, all.length);
                more[all.length] = mine;
                next = more;
            }
            if (slots.compareAndSet(i, current, next)) {
                return null;
            }
        }
    }

    /** Removes {@code mine} (by identity) if it is in the table. */
    void remove(InFlight mine) {
        int i = slot(mine);
        if (slots.compareAndSet(i, mine, null)) {
            return; // the common case, alone in its slot: one compare-and-set, no read before it
        }
        while (true) {
            Object current = slots.get(i);
            Object next;
            if (current == mine) {
                next = null;
            } else if (current instanceof InFlight[] all) {
                int at = -1;
                for (int j = 0; j < all.length; j++) {
                    if (all[j] == mine) {
                        at = j;
                        break;
                    }
                }
                if (at < 0) {
                    return;
                }
                if (all.length == 2) {
                    next = all[1 - at];
                } else {
                    InFlight[] fewer = new InFlight[all.length - 1];
                    System.arraycopy(all, 0, fewer, 0, at);
                    System.arraycopy(all, at + 1, fewer, at, all.length - at - 1);
                    next = fewer;
                }
            } else {
                return; // not here (never installed, or removed already)
            }
            if (slots.compareAndSet(i, current, next)) {
                return;
            }
        }
    }

    /** How many evaluations are in flight (for tests). */
    int size() {
        int total = 0;
        for (int i = 0; i < SLOTS; i++) {
            Object current = slots.get(i);
            total += current == null ? 0 : current instanceof InFlight[] all ? all.length : 1;
        }
        return total;
    }
}
