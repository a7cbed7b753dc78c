package dev.picante;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Single flight across views: 64 threads spread over the primary view and 8 snapshots taken at the same
 * revision ask the same cold query; the compute function runs once and all 64 callers get equal values,
 * or, when it fails, the very same cause. Sharing must be unobservable (r[sharing.nonobservable]): each
 * view on its own would have produced that value or that failure.
 *
 * <pre>
 * main:      set x=21 @R; 8 snapshots @R; start 64 threads; start.countDown()
 * thread i:  arrived.countDown(); q.get(view[i % 9], "k")
 *   leader:    compute reads x, entered.countDown(), release.await()  (blocks)
 *   others:    wait for the leader inside the engine (Thread.State WAITING)
 * main:      entered.await(); all 64 arrived; all but the leader WAITING; release.countDown()
 * all:       leader returns 42 (or throws BOOM); every thread gets 42 (or QueryFailedException(BOOM))
 * main:      computations == 1, 64 equal outcomes
 * </pre>
 *
 * <p>The compute function is released only once all 64 threads are seen parked (bounded: after 10 s the
 * test releases it and fails), so every caller really waited on the one evaluation.
 */
// r[sharing.nonobservable]
// r[snapshot.memo-isolation]
// r[cell.poison]
@Timeout(30)
class SingleFlightTest {

    private static final int THREADS = 64;
    private static final int SNAPSHOTS = 8;

    private final List<Thread> started = new ArrayList<>();

    @AfterEach
    void stopThreads() throws InterruptedException {
        for (Thread t : started) {
            t.interrupt();
        }
        for (Thread t : started) {
            t.join(5_000);
        }
    }

    @Test
    void sixtyFourCallersOverNineViewsShareOneComputation() throws Exception {
        // r[sharing.nonobservable]
        Database db = Database.create();
        InputIngredient<String, Integer> x = db.input("x", String.class, Integer.class);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        DerivedIngredient<String, Integer> q = db.derived("q", String.class, Integer.class, (ctx, k) -> {
            runs.incrementAndGet();
            int v = x.require(ctx, "x");
            entered.countDown();
            release.await(10, SECONDS);
            return 2 * v;
        });
        x.set(db, "x", 21);
        List<View> views = views(db);

        Outcome[] outcomes = runAll(views, view -> q.get(view, "k"), entered, release);

        assertThat(runs.get()).as("compute runs").isEqualTo(1);
        assertThat(db.inspector().ingredient("q").counters().computations()).isEqualTo(1);
        for (Outcome o : outcomes) {
            assertThat(o.failure()).as("failure").isNull();
            assertThat(o.value()).isEqualTo(42);
        }
        // Every view now serves the value without computing again.
        for (View view : views) {
            assertThat(q.get(view, "k")).isEqualTo(42);
        }
        assertThat(runs.get()).isEqualTo(1);
    }

    @Test
    void sixtyFourCallersOverNineViewsShareOneFailure() throws Exception {
        // r[sharing.nonobservable]
        // r[cell.poison]
        Database db = Database.create();
        InputIngredient<String, Integer> x = db.input("x", String.class, Integer.class);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<IllegalStateException> thrown = new AtomicReference<>();
        DerivedIngredient<String, Integer> q = db.derived("q", String.class, Integer.class, (ctx, k) -> {
            runs.incrementAndGet();
            int v = x.require(ctx, "x");
            entered.countDown();
            release.await(10, SECONDS);
            IllegalStateException boom = new IllegalStateException("BOOM " + v);
            thrown.set(boom);
            throw boom;
        });
        x.set(db, "x", 21);
        List<View> views = views(db);

        Outcome[] outcomes = runAll(views, view -> q.get(view, "k"), entered, release);

        assertThat(runs.get()).as("compute runs").isEqualTo(1);
        assertThat(db.inspector().ingredient("q").counters().computations()).isEqualTo(1);
        assertThat(thrown.get()).isNotNull();
        for (Outcome o : outcomes) {
            assertThat(o.failure()).isInstanceOf(QueryFailedException.class);
            assertThat(o.failure().getCause()).isSameAs(thrown.get());
            assertThat(((QueryFailedException) o.failure()).query()).isEqualTo(new QueryRef("q", "k"));
        }
        // The failure holds for the revision in every view, without running the function again.
        for (View view : views) {
            try {
                q.get(view, "k");
                throw new AssertionError("expected QueryFailedException on " + view);
            } catch (QueryFailedException e) {
                assertThat(e.getCause()).isSameAs(thrown.get());
            }
        }
        assertThat(runs.get()).isEqualTo(1);
    }

    @Test
    void aComputeFunctionThatSynchronizesOnItsContextStillLeadsOneComputationForAll() throws Exception {
        // r[derived.concurrent]
        // A computation's context is also the evaluation its followers wait for (one object per cold read), but
        // not the monitor they wait on: a compute function that holds the context's monitor while followers
        // arrive, waits on it and notifies it neither keeps them from the result nor wakes them before it (a
        // follower woken early would retry and run the function a second time).
        Database db = Database.create();
        InputIngredient<String, Integer> x = db.input("x", String.class, Integer.class);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        DerivedIngredient<String, Integer> q = db.derived("q", String.class, Integer.class, (ctx, k) -> {
            runs.incrementAndGet();
            int v = x.require(ctx, "x");
            entered.countDown();
            synchronized (ctx) {
                while (!release.await(1, MILLISECONDS)) {
                    ctx.wait(1); // lets followers into the monitor now and then
                    ctx.notifyAll(); // wakes those waiting on it, before the outcome exists
                }
            }
            return 2 * v;
        });
        x.set(db, "x", 21);
        Thread[] followers = new Thread[4];
        Outcome[] outcomes = new Outcome[followers.length + 1];
        Thread leader = new Thread(() -> outcomes[0] = outcome(() -> q.get(db, "k")), "leader");
        started.add(leader);
        leader.start();
        assertThat(entered.await(10, SECONDS)).as("compute entered").isTrue();
        for (int i = 0; i < followers.length; i++) {
            int index = i + 1;
            followers[i] = new Thread(() -> outcomes[index] = outcome(() -> q.get(db, "k")), "follower-" + i);
            started.add(followers[i]);
            followers[i].start();
        }
        for (Thread f : followers) {
            awaitWaiting(f); // inside the engine, waiting for the leader
        }
        Thread.sleep(20); // a few rounds of the function's wait and notifyAll while they wait
        release.countDown();
        leader.join(10_000);
        for (Thread f : followers) {
            f.join(10_000);
        }
        for (Outcome o : outcomes) {
            assertThat(o).isNotNull();
            assertThat(o.failure()).as("failure").isNull();
            assertThat(o.value()).isEqualTo(42);
        }
        assertThat(runs.get()).as("compute runs").isEqualTo(1);
        assertThat(db.inspector().ingredient("q").counters().computations()).isEqualTo(1);
    }

    @Test
    void aFollowerCanBeInterruptedWhileTheComputeFunctionHoldsItsContextsMonitor() throws Exception {
        // r[jvm.interrupt], r[derived.concurrent]
        // Followers wait on a monitor of their own, not on the context (the leader's evaluation) that user code
        // holds: a compute function that keeps its context's monitor for its whole run does not keep a waiting
        // follower from being interrupted, and the leader's result is still its one computation.
        Database db = Database.create();
        InputIngredient<String, Integer> x = db.input("x", String.class, Integer.class);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        DerivedIngredient<String, Integer> q = db.derived("q", String.class, Integer.class, (ctx, k) -> {
            runs.incrementAndGet();
            int v = x.require(ctx, "x");
            synchronized (ctx) {
                entered.countDown();
                release.await();
            }
            return 2 * v;
        });
        x.set(db, "x", 21);
        Outcome[] outcomes = new Outcome[2];
        Thread leader = new Thread(() -> outcomes[0] = outcome(() -> q.get(db, "k")), "leader");
        started.add(leader);
        leader.start();
        assertThat(entered.await(10, SECONDS)).as("compute entered").isTrue();
        Thread follower = new Thread(() -> outcomes[1] = outcome(() -> q.get(db, "k")), "follower");
        started.add(follower);
        follower.start();
        awaitWaiting(follower);
        follower.interrupt();
        follower.join(5_000);
        assertThat(follower.isAlive()).as("the follower ended on its interrupt (state %s)", follower.getState())
                .isFalse();
        assertThat(outcomes[1].failure()).isInstanceOf(QueryCancelledException.class);
        release.countDown();
        leader.join(10_000);
        assertThat(outcomes[0].failure()).as("leader's failure").isNull();
        assertThat(outcomes[0].value()).isEqualTo(42);
        assertThat(runs.get()).as("compute runs").isEqualTo(1);
    }

    /** Waits (at most 10 s) until {@code thread} has started and blocks or waits. */
    private static void awaitWaiting(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + SECONDS.toNanos(10);
        while (thread.getState() == Thread.State.RUNNABLE || thread.getState() == Thread.State.NEW) {
            assertThat(System.nanoTime()).as("%s waits", thread.getName()).isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    private static Outcome outcome(Supplier<Object> call) {
        try {
            return new Outcome(call.get(), null);
        } catch (Throwable t) {
            return new Outcome(null, t);
        }
    }

    // ------------------------------------------------------------------------------------------------

    private static List<View> views(Database db) {
        List<View> views = new ArrayList<>();
        views.add(db);
        for (int i = 0; i < SNAPSHOTS; i++) {
            Snapshot s = db.snapshot();
            assertThat(s.revision()).isEqualTo(db.revision());
            views.add(s);
        }
        return views;
    }

    interface Call {
        Object call(View view);
    }

    record Outcome(Object value, Throwable failure) {
    }

    /**
     * Runs {@code call} on {@value #THREADS} threads, thread i on view i % views.size(), all released by one
     * start latch; releases the compute function once the others wait; returns every outcome.
     */
    private Outcome[] runAll(List<View> views, Call call, CountDownLatch entered, CountDownLatch release)
            throws InterruptedException {
        Outcome[] outcomes = new Outcome[THREADS];
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch arrived = new CountDownLatch(THREADS);
        CountDownLatch finished = new CountDownLatch(THREADS);
        Thread[] threads = new Thread[THREADS];
        for (int i = 0; i < THREADS; i++) {
            int index = i;
            View view = views.get(i % views.size());
            threads[i] = new Thread(() -> {
                try {
                    if (!start.await(10, SECONDS)) {
                        outcomes[index] = new Outcome(null, new AssertionError("never started"));
                        return;
                    }
                    arrived.countDown();
                    try {
                        outcomes[index] = new Outcome(call.call(view), null);
                    } catch (Throwable t) {
                        outcomes[index] = new Outcome(null, t);
                    }
                } catch (InterruptedException e) {
                    outcomes[index] = new Outcome(null, e);
                } finally {
                    finished.countDown();
                }
            }, "single-flight-" + i);
            threads[i].setDaemon(true);
            started.add(threads[i]);
            threads[i].start();
        }
        start.countDown();
        assertThat(entered.await(10, SECONDS)).as("compute entered").isTrue();
        assertThat(arrived.await(10, SECONDS)).as("all threads arrived").isTrue();
        // Every caller parked: the leader in its compute function, the others waiting for it.
        boolean overlapped = ConcurrencyTestKit.awaitParked(Duration.ofSeconds(10), threads);
        release.countDown();
        if (!finished.await(15, SECONDS)) {
            throw new AssertionError("callers did not finish in time:\n" + dump(threads));
        }
        assertThat(overlapped).as("all %d callers were seen waiting at once", THREADS).isTrue();
        return outcomes;
    }

    static String dump(Thread[] threads) {
        StringBuilder sb = new StringBuilder();
        for (Thread t : threads) {
            if (t.isAlive()) {
                sb.append(t.getName()).append(' ').append(t.getState()).append('\n');
                for (StackTraceElement e : t.getStackTrace()) {
                    sb.append("    at ").append(e).append('\n');
                }
            }
        }
        return sb.toString();
    }
}
