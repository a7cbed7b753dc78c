package dev.picante.internal;

import dev.picante.QueryRef;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.Nullable;

/**
 * One evaluation of {@code (ingredient, key)} at one revision, shared by every caller of every view of the
 * database at that revision (single flight; r[sharing.nonobservable]). The leader runs it; followers wait
 * and adopt its memo. It is also a node of the database's wait graph: {@link #waitsOn} holds the
 * evaluations it is waiting for, which is how cycles across threads are found (r[jvm.cross-thread-cycle]).
 *
 * <p>Every computation makes one, so it is kept small: the wait-graph edges and the {@link QueryRef} are
 * made only when needed, and followers wait on this object's monitor, which the leader takes only if
 * someone waits.
 */
final class InFlight {

    private static final int RUNNING = 0;
    private static final int DONE = 1;
    private static final int CANCELLED = 2;
    private static final VarHandle WAITS_ON;

    static {
        try {
            WAITS_ON = MethodHandles.lookup().findVarHandle(InFlight.class, "waitsOn", ConcurrentLinkedQueue.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Key key;
    private final IngredientImpl ingredient;
    final Thread leader;
    private volatile @Nullable ConcurrentLinkedQueue<InFlight> waitsOn;
    private volatile @Nullable Memo outcome;
    private volatile int state = RUNNING;
    /** Followers inside {@link #await}; changed only under this object's monitor. */
    private volatile int waiters;

    InFlight(Key key, IngredientImpl ingredient) {
        this.key = key;
        this.ingredient = ingredient;
        this.leader = Thread.currentThread();
    }

    /** The identity of an evaluation: a revision names one input state database-wide. */
    record Key(int ingredient, Object key, long revision) {
    }

    /** The query this evaluation is of, for messages and cycle paths. */
    QueryRef ref() {
        return ingredient.ref(key.key());
    }

    void complete(Memo memo) {
        outcome = memo;
        finish(DONE);
    }

    /** The leader gave up without an outcome: followers retry (r[derived.cancel-progress]). */
    void cancel() {
        finish(CANCELLED);
    }

    private void finish(int how) {
        state = how;
        // A follower raises waiters before it checks state, and this reads waiters after writing state (both
        // volatile), so either the follower sees the outcome or this sees the follower and wakes it.
        if (waiters > 0) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    boolean isDone() {
        return state != RUNNING;
    }

    /** Waits for the outcome; {@code null} means the leader was cancelled and the caller must retry. */
    @Nullable Memo await() throws InterruptedException {
        if (state == RUNNING) {
            synchronized (this) {
                waiters++;
                try {
                    while (state == RUNNING) {
                        wait();
                    }
                } finally {
                    waiters--;
                }
            }
        }
        return state == CANCELLED ? null : outcome;
    }

    @SuppressWarnings("unchecked")
    void addWait(InFlight target) {
        ConcurrentLinkedQueue<InFlight> edges = waitsOn;
        if (edges == null) {
            ConcurrentLinkedQueue<InFlight> created = new ConcurrentLinkedQueue<>();
            edges = (ConcurrentLinkedQueue<InFlight>) WAITS_ON.compareAndExchange(this, null, created);
            if (edges == null) {
                edges = created;
            }
        }
        edges.add(target);
    }

    void removeWait(InFlight target) {
        ConcurrentLinkedQueue<InFlight> edges = waitsOn;
        if (edges != null) {
            edges.remove(target);
        }
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
        ConcurrentLinkedQueue<InFlight> edges = node.waitsOn;
        if (visited.add(node) && !node.isDone() && edges != null) {
            for (InFlight next : edges) {
                if (dfs(next, target, path, visited)) {
                    return true;
                }
            }
        }
        path.remove(path.size() - 1);
        return false;
    }
}
