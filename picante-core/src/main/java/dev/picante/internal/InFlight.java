package dev.picante.internal;

import dev.picante.CycleException;
import dev.picante.QueryCancelledException;
import dev.picante.QueryRef;
import dev.picante.Revision;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.Nullable;

/**
 * One evaluation of {@code (ingredient, key)} at one revision, shared by every caller of every view of the
 * database at that revision (single flight; r[sharing.nonobservable]), and the protocol around it:
 * leadership, following and cycle detection, all here.
 *
 * <p><b>Leadership and following</b> ({@link #claim}). A read that is not a hit puts a new evaluation into
 * the engine's in-flight table ({@link InFlightTable}) under its query and revision. The caller that puts it there
 * is the leader: it brings the record up to date in its view ({@link ViewState#bringUpToDate}), completes the
 * evaluation with the memo (or cancels it if it throws) and removes it from the table. Every other caller is a follower: it waits for
 * the outcome and adopts the memo into its own view; if the leader was cancelled it tries again, maybe as
 * the leader (r[derived.cancel-progress]). An interrupted follower gives up alone
 * ({@code QueryCancelledException}, r[jvm.interrupt]); the evaluation goes on.
 *
 * <p><b>Cycle detection</b> (r[cycle.detect], r[jvm.cross-thread-cycle]). Each evaluation is a node of the
 * database's wait graph: {@link #waitsOn} holds the evaluations it waits for (a leader's nested reads, a
 * follower's leader). Before a follower waits for a running evaluation, it adds its edge and looks for a path
 * from that evaluation back to itself; one found, or an evaluation led further up the follower's own stack,
 * ends with a {@link CycleException} naming the path, instead of a wait that would never end.
 *
 * <p>Every read that is not a hit makes one, so it is kept small: the wait-graph edges and the {@link QueryRef}
 * are made only when needed, and followers wait on a {@link #monitor} the first of them makes, which the leader
 * takes only if someone waits. The evaluations {@link #claim} makes are {@link Evaluation}s: the same object is the
 * {@code QueryContext} the computation reads through, if the leader comes to compute (one allocation per cold
 * read, not two); a follower's is dropped unused. User code holds that context and may synchronize on it or
 * notify it: followers never wait on it, so neither delays them nor keeps them from being interrupted. This
 * class is not final for that subclass only ({@code InFlightTableTest} makes plain ones). Thread-safe.
 */
class InFlight {

    /** {@link #result} of an evaluation whose leader gave up without an outcome. */
    private static final Object CANCELLED = new Object();
    private static final VarHandle WAITS_ON;
    private static final VarHandle MONITOR;

    static {
        try {
            WAITS_ON = MethodHandles.lookup().findVarHandle(InFlight.class, "waitsOn", ConcurrentLinkedQueue.class);
            MONITOR = MethodHandles.lookup().findVarHandle(InFlight.class, "monitor", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /*
     * ingredient, key, revision, hash and leader: set by the constructor only, and not final on purpose. A
     * constructor that writes a final field ends with a barrier, after which C2 no longer initializes the
     * subclass's fields in place (Evaluation's constructor then pays a card mark per evaluation). Nothing is
     * lost by it: every InFlight reaches another thread through a volatile write after its constructor (the
     * in-flight table's compare-and-set, read by the followers' compare-and-set or volatile get; the wait
     * graph's ConcurrentLinkedQueue), and an Evaluation, as the context of its computation, through whatever the
     * compute function hands it to another thread with (an executor, a future: each a happens-before edge).
     * Only a context leaked through a data race could show these fields unset; Evaluation's own fields stay final.
     */
    IngredientImpl ingredient;
    /** The query's key. */
    Object key;
    /** The revision evaluated at. */
    long revision;
    private int hash;
    Thread leader;
    private volatile @Nullable ConcurrentLinkedQueue<InFlight> waitsOn;
    /**
     * The state and the outcome in one: {@code null} while running (the default: no volatile store in the
     * constructor), the leader's {@link Memo} once done, {@link #CANCELLED} if the leader gave up. One volatile
     * store completes the evaluation and publishes its memo.
     */
    private volatile @Nullable Object result;
    /** Followers inside {@link #await}; changed only under {@link #monitor}'s monitor. */
    private volatile int waiters;
    /**
     * What followers wait on: made by the first follower ({@link #monitor()}), {@code null} while there is none, so
     * a computation nobody waits for makes none. Not this object: an {@link Evaluation} is an {@code InFlight} and
     * the compute function's context, which user code may synchronize on; followers waiting on it could not be
     * interrupted while it held that monitor (r[jvm.interrupt]), and its {@code notifyAll} would wake them.
     */
    private volatile @Nullable Object monitor;

    InFlight(IngredientImpl ingredient, Object key, long revision) {
        this(ingredient, key, revision, hash(ingredient, key, revision));
    }

    /**
     * An evaluation whose {@link #hash(IngredientImpl, Object, long) hash} the caller computed: before the
     * allocation, so that the key's {@code hashCode} (a call and a type check) does not come between the
     * allocation and the stores of the constructors, and C2 initializes the object without card marks.
     */
    InFlight(IngredientImpl ingredient, Object key, long revision, int hash) {
        this.ingredient = ingredient;
        this.key = key;
        this.revision = revision;
        this.hash = hash;
        this.leader = Thread.currentThread();
    }

    /**
     * The hash of the evaluation of {@code ingredient(key)} at {@code revision} ({@link #sameEvaluation}'s
     * identity), whose high bits {@link InFlightTable} takes as the slot.
     */
    static int hash(IngredientImpl ingredient, Object key, long revision) {
        return hash(ingredient, CellTable.hash(key), revision);
    }

    /**
     * {@link #hash(IngredientImpl, Object, long)} from the key's {@link CellTable#hash cell hash}, which the
     * claim computes once for both tables (the leader's second look at its cell takes it too). The cell hash
     * is already mixed (its high bits depend on all of the key's hash bits, which is what the in-flight table's
     * slot needs); the ingredient and the revision are added times an odd constant, so that their low bits
     * reach the high bits too (the same key read by a computation of another ingredient, usually in flight at
     * the same time, takes another slot). Not the cell hash's constant: with it, nearby keys of nearby
     * ingredients would have equal hashes.
     */
    static int hash(IngredientImpl ingredient, int keyHash, long revision) {
        return keyHash + (ingredient.index * 31 + (int) revision) * 0x85EBCA6B;
    }

    /**
     * Whether {@code other} is an evaluation of the same query at the same revision: the identity of an
     * evaluation in the in-flight table (a revision names one input state database-wide). The evaluations
     * themselves compare by identity, as the wait graph needs.
     */
    boolean sameEvaluation(InFlight other) {
        return other.hash == hash && other.ingredient == ingredient && other.revision == revision
                && other.key.equals(key);
    }

    /** The hash of {@link #sameEvaluation}'s identity. */
    int hash() {
        return hash;
    }

    /**
     * Resolves {@code derived(key)} at {@code state} in {@code view} through single flight: leads the
     * evaluation if no caller of any view has one in flight for it, else follows the one in flight and adopts
     * its memo into {@code view}. Failures are returned as failed memos, not thrown.
     *
     * @param caller the evaluation that reads it, or {@code null} for a top-level access
     * @throws CycleException if the evaluation needs itself (r[cycle.detect], r[jvm.cross-thread-cycle])
     * @throws QueryCancelledException if this caller was interrupted (r[jvm.interrupt])
     */
    static Memo claim(ViewState view, DerivedImpl<?, ?> derived, Object key, InputState state,
            @Nullable InFlight caller) {
        InFlightTable inFlight = view.engine.inFlight;
        int keyHash = CellTable.hash(key); // as the hit check that missed computed it: C2 computes it once
        int hash = hash(derived, keyHash, state.revision); // before the allocation (see the constructor)
        while (true) {
            // Claim it at once: an uncontended read (the common case) needs one map operation, not two.
            // The evaluation is also the context its computation reads through, if it comes to one: one object.
            Evaluation mine = new Evaluation(view, state, derived, key, hash);
            InFlight running = inFlight.putIfAbsent(mine);
            if (running != null) {
                Memo memo = follow(running, caller);
                if (memo != null) {
                    derived.hits.increment();
                    // The leader may have been a snapshot at the same state: its memo counts as another view's.
                    return view.adopt(derived, key, memo, state.revision, true);
                }
                // The leader was cancelled: try again, maybe as the leader (r[derived.cancel-progress]).
                continue;
            }
            // Lead. Written here, not in a method of its own: one stack frame fewer per nested read.
            if (caller != null) {
                caller.addWait(mine);
            }
            try {
                Memo memo = view.bringUpToDate(mine, derived, keyHash);
                mine.complete(memo);
                return memo;
            } catch (Throwable t) {
                mine.cancel();
                throw t;
            } finally {
                inFlight.remove(mine);
                if (caller != null) {
                    caller.removeWait(mine);
                }
            }
        }
    }

    /**
     * Waits for another caller's evaluation; {@code null} if it was cancelled. Before waiting, adds the
     * caller's wait edge and checks that waiting can end.
     *
     * @throws CycleException if {@code running} waits, directly or transitively, for {@code caller}, or is led
     *     further up this thread's stack
     */
    private static @Nullable Memo follow(InFlight running, @Nullable InFlight caller) {
        if (caller != null) {
            caller.addWait(running);
        }
        try {
            if (!running.isDone()) {
                List<InFlight> path = caller == null ? null : path(running, caller);
                if (path != null) {
                    path.add(running);
                    throw cycle(path);
                }
                if (running.leader == Thread.currentThread()) {
                    // Its leader is further up this very stack: waiting would never end.
                    throw cycle(caller == null ? List.of(running, running) : List.of(running, caller, running));
                }
            }
            return running.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QueryCancelledException("interrupted while waiting for " + running.ref() + " at revision "
                    + running.revision, e);
        } finally {
            if (caller != null) {
                caller.removeWait(running);
            }
        }
    }

    /** The exception of a cycle along {@code path} (first and last the same evaluation). */
    private static CycleException cycle(List<InFlight> path) {
        List<QueryRef> refs = new ArrayList<>(path.size());
        for (InFlight node : path) {
            refs.add(node.ref());
        }
        return new CycleException(refs, new Revision(path.get(0).revision));
    }

    /** The query this evaluation is of, for messages and cycle paths. */
    QueryRef ref() {
        return ingredient.ref(key);
    }

    void complete(Memo memo) {
        finish(memo);
    }

    /** The leader gave up without an outcome: followers retry (r[derived.cancel-progress]). */
    void cancel() {
        finish(CANCELLED);
    }

    private void finish(Object how) {
        result = how;
        // A follower raises waiters before it checks result, and this reads waiters after writing result (both
        // volatile), so either the follower sees the outcome or this sees the follower and wakes it.
        // A follower makes the monitor before it raises waiters, so it is there when waiters is seen above 0.
        if (waiters > 0) {
            Object lock = Objects.requireNonNull(monitor);
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    boolean isDone() {
        return result != null;
    }

    /** Waits for the outcome; {@code null} means the leader was cancelled and the caller must retry. */
    @Nullable Memo await() throws InterruptedException {
        Object done = result;
        if (done == null) {
            Object lock = monitor();
            synchronized (lock) {
                waiters++;
                try {
                    while ((done = result) == null) {
                        lock.wait();
                    }
                } finally {
                    waiters--;
                }
            }
        }
        return done == CANCELLED ? null : (Memo) done;
    }

    /** The object followers wait on, made by the first one. */
    private Object monitor() {
        Object lock = monitor;
        if (lock == null) {
            Object created = new Object();
            lock = MONITOR.compareAndExchange(this, null, created);
            if (lock == null) {
                lock = created;
            }
        }
        return lock;
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
    private static @Nullable List<InFlight> path(InFlight from, InFlight to) {
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
