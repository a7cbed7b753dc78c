package dev.picante.internal;

import dev.picante.LimitExceededException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The state-byte count of a database (r[limit.state-bytes]) and its limit (r[limit.enforced]).
 *
 * <p>The count covers the primary view's input slots (keys and values), everything written to snapshots,
 * and interned values. It stays conservative while snapshots share values with the primary view: when the
 * primary view replaces or removes a value that an open snapshot may still hold (one forked while that
 * value was current), its bytes stay counted until every such snapshot is closed. Snapshots are tracked
 * by their <em>origin</em>, the primary revision their state descends from. Writes made on snapshots are
 * counted and never subtracted.
 */
final class StateBytes {

    private final long limit;
    private long used;
    /** Open snapshots by origin revision: how many. */
    private final TreeMap<Long, Integer> open = new TreeMap<>();
    /** Bytes the primary view freed while open snapshots may still hold them. */
    private final List<Deferred> deferred = new ArrayList<>();

    /** Bytes of a value current in the primary view over revisions {@code [from, until]}. */
    record Deferred(long bytes, long from, long until) {
    }

    StateBytes(long limit) {
        this.limit = limit;
    }

    synchronized long used() {
        return used;
    }

    /** Whether an open snapshot may hold a primary value that was current over {@code [from, until]}. */
    synchronized boolean held(long from, long until) {
        Long origin = open.ceilingKey(from);
        return origin != null && origin <= until;
    }

    /**
     * Adds {@code added} bytes and subtracts the freed ones not held by open snapshots (deferring the
     * others), or throws {@link LimitExceededException} and changes nothing.
     *
     * @param freed per freed value: {bytes, from, until}
     */
    synchronized Reservation change(long added, List<long[]> freed, Supplier<String> what) {
        long release = 0;
        List<Deferred> keep = new ArrayList<>();
        for (long[] f : freed) {
            if (held(f[1], f[2])) {
                keep.add(new Deferred(f[0], f[1], f[2]));
            } else {
                release += f[0];
            }
        }
        long next = used + added - release;
        if (added - release > 0 && next > limit) {
            throw new LimitExceededException(what.get(), next, limit);
        }
        used = next;
        deferred.addAll(keep);
        return new Reservation(added - release, keep);
    }

    /** What one {@link #change} did, for {@link #undo}. */
    record Reservation(long delta, List<Deferred> deferred) {
    }

    /**
     * Reverts a {@link #change}, for a write that was vetoed after its bytes were counted: the count is as
     * if the change had not been made.
     */
    synchronized void undo(Reservation reservation) {
        used -= reservation.delta();
        for (Deferred d : reservation.deferred()) {
            boolean pending = false;
            for (Iterator<Deferred> it = deferred.iterator(); it.hasNext(); ) {
                if (it.next() == d) {
                    it.remove();
                    pending = true;
                    break;
                }
            }
            if (!pending) {
                used += d.bytes(); // already released by a snapshot's close: it was never freed by this change
            }
        }
    }

    synchronized void openSnapshot(long origin) {
        open.merge(origin, 1, Integer::sum);
    }

    synchronized void closeSnapshot(long origin) {
        open.computeIfPresent(origin, (k, n) -> n == 1 ? null : n - 1);
        for (Iterator<Deferred> it = deferred.iterator(); it.hasNext(); ) {
            Deferred d = it.next();
            if (!held(d.from(), d.until())) {
                used -= d.bytes();
                it.remove();
            }
        }
    }
}
