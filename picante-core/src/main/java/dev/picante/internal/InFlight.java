package dev.picante.internal;

import dev.picante.QueryRef;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

/**
 * One evaluation of {@code (ingredient, key)} at one revision, shared by every caller of every view of the
 * database at that revision (single flight; r[sharing.nonobservable]). The leader runs it; followers wait
 * and adopt its memo. It is also a node of the database's wait graph: {@link #waitsOn} holds the
 * evaluations it is waiting for, which is how cycles across threads are found (r[jvm.cross-thread-cycle]).
 */
final class InFlight {

    final Key key;
    final QueryRef ref;
    final Thread leader;
    private final ConcurrentLinkedQueue<InFlight> waitsOn = new ConcurrentLinkedQueue<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile @Nullable Memo outcome;
    private volatile boolean cancelled;

    InFlight(Key key, QueryRef ref) {
        this.key = key;
        this.ref = ref;
        this.leader = Thread.currentThread();
    }

    /** The identity of an evaluation: a revision names one input state database-wide. */
    record Key(int ingredient, Object key, long revision) {
    }

    void complete(Memo memo) {
        outcome = memo;
        done.countDown();
    }

    /** The leader gave up without an outcome: followers retry (r[derived.cancel-progress]). */
    void cancel() {
        cancelled = true;
        done.countDown();
    }

    boolean isDone() {
        return done.getCount() == 0;
    }

    /** Waits for the outcome; {@code null} means the leader was cancelled and the caller must retry. */
    @Nullable Memo await() throws InterruptedException {
        done.await();
        return cancelled ? null : outcome;
    }

    void addWait(InFlight target) {
        waitsOn.add(target);
    }

    void removeWait(InFlight target) {
        waitsOn.remove(target);
    }

    /**
     * Returns the path of evaluations from {@code from} to {@code to} along wait edges, both included, or
     * {@code null} if {@code to} is not reachable.
     */
    static @Nullable List<InFlight> path(InFlight from, InFlight to) {
        List<InFlight> path = new ArrayList<>();
        return dfs(from, to, path, new HashSet<>()) ? path : null;
    }

    private static boolean dfs(InFlight node, InFlight target, List<InFlight> path, Set<InFlight> visited) {
        path.add(node);
        if (node == target) {
            return true;
        }
        if (visited.add(node) && !node.isDone()) {
            for (InFlight next : node.waitsOn) {
                if (dfs(next, target, path, visited)) {
                    return true;
                }
            }
        }
        path.remove(path.size() - 1);
        return false;
    }
}
