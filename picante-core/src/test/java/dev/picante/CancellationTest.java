package dev.picante;

import static dev.picante.ConcurrencyTestKit.await;
import static dev.picante.ConcurrencyTestKit.awaitParked;
import static dev.picante.ConcurrencyTestKit.start;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.ConcurrencyTestKit.Call;
import dev.picante.Inspector.CellState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Cancellation of derived evaluations: interrupting the computing leader, cancelling a {@code getAsync}
 * future, interrupting a waiting follower. The cancelled caller alone gets a
 * {@link QueryCancelledException}; everyone else gets the value; the cell is never poisoned for the
 * revision; later accesses at the same revision compute afresh or reuse.
 *
 * <p>The compute function's first run parks on a latch nobody releases, so it ends only by interrupt:
 *
 * <pre>
 * leader L:   q.get(db) -> compute#1: entered.countDown(); block.await()   (parked)
 * follower F: q.get(db or snapshot@R) -> waits for L's evaluation         (parked)
 * main:       entered.await(); F parked; L.interrupt()
 * L:          block.await() throws InterruptedException -> L gets QueryCancelledException (interrupt flag set)
 * F:          L's evaluation ended without outcome -> F retries, leads, compute#2 -> 50
 * main:       q.get(db) at R -> 50; no QueryFailedException anywhere; cell READY, not POISONED
 * </pre>
 *
 * <p>For an interrupted follower the roles swap: the leader's run waits on a {@code release} latch, the
 * follower is interrupted, returns with {@link QueryCancelledException} at once, and only then is the
 * leader released and finishes for everyone.
 */
// r[derived.cancel]
// r[derived.cancel-progress]
// r[jvm.interrupt]
@Timeout(30)
class CancellationTest {

    private static final Duration PROMPT = Duration.ofSeconds(2);
    private static final Duration BOUND = Duration.ofSeconds(10);

    /** A database whose query {@code q(k) = 10 * x} blocks in its first {@code blockingRuns} runs. */
    private static final class Fixture {
        final Database db = Database.create();
        final InputIngredient<String, Integer> x = db.input("x", String.class, Integer.class);
        final AtomicInteger runs = new AtomicInteger();
        final AtomicReference<Thread> computing = new AtomicReference<>();
        final CountDownLatch[] entered;
        final CountDownLatch release = new CountDownLatch(1);
        final DerivedIngredient<String, Integer> q;

        Fixture(int blockingRuns) {
            entered = new CountDownLatch[blockingRuns];
            for (int i = 0; i < blockingRuns; i++) {
                entered[i] = new CountDownLatch(1);
            }
            q = db.derived("q", String.class, Integer.class, (ctx, k) -> {
                int run = runs.incrementAndGet();
                int v = x.require(ctx, "x");
                if (run <= blockingRuns) {
                    computing.set(Thread.currentThread());
                    entered[run - 1].countDown();
                    // Ends by interrupt (InterruptedException) or by release; never by itself in time.
                    if (!release.await(20, SECONDS)) {
                        throw new IllegalStateException("run " + run + " was neither interrupted nor released");
                    }
                }
                return 10 * v;
            });
            x.set(db, "x", 5);
        }

        void assertNotPoisoned(Revision r) {
            assertThat(db.revision()).isEqualTo(r);
            assertThat(db.inspector().ingredient("q").counters().failures()).as("failures").isZero();
            assertThat(db.inspector().cell("q", "k")).hasValueSatisfying(c -> {
                assertThat(c.state()).isEqualTo(CellState.READY);
                assertThat(c.value()).isEqualTo(50);
            });
        }
    }

    @Test
    void interruptedLeaderLetsWaitersFinishWithTheValue() throws Exception {
        // r[derived.cancel]
        // r[jvm.interrupt]
        Fixture f = new Fixture(1);
        Revision r = f.db.revision();
        Snapshot s = f.db.snapshot();
        Call<Integer> leader = start("leader", () -> f.q.get(f.db, "k"));
        await(f.entered[0], BOUND, "the leader's compute");
        Call<Integer> onDb = start("follower-db", () -> f.q.get(f.db, "k"));
        Call<Integer> onSnapshot = start("follower-snapshot", () -> f.q.get(s, "k"));
        CompletableFuture<Integer> async = f.q.getAsync(f.db, "k");
        awaitParked(BOUND, onDb.thread, onSnapshot.thread);

        leader.thread.interrupt();

        leader.await(PROMPT);
        assertThat(leader.failure()).isInstanceOf(QueryCancelledException.class);
        assertThat(leader.interruptFlagAfter()).as("interrupt status set again").isTrue();
        onDb.await(BOUND);
        onSnapshot.await(BOUND);
        assertThat(onDb.failure()).isNull();
        assertThat(onSnapshot.failure()).isNull();
        assertThat(onDb.value()).isEqualTo(50);
        assertThat(onSnapshot.value()).isEqualTo(50);
        assertThat(async.get(BOUND.toSeconds(), SECONDS)).isEqualTo(50);

        // Same revision: served from the cell, whatever view asks.
        assertThat(f.q.get(f.db, "k")).isEqualTo(50);
        assertThat(f.q.get(s, "k")).isEqualTo(50);
        assertThat(f.runs).as("the cancelled run and one retry").hasValue(2);
        f.assertNotPoisoned(r);
    }

    @Test
    void interruptedLoneLeaderLeavesNoPoisonAndALaterGetComputesAfresh() throws Exception {
        // r[derived.cancel]
        // r[jvm.interrupt]
        Fixture f = new Fixture(1);
        Revision r = f.db.revision();
        Call<Integer> leader = start("leader", () -> f.q.get(f.db, "k"));
        await(f.entered[0], BOUND, "the leader's compute");

        leader.thread.interrupt();

        leader.await(PROMPT);
        assertThat(leader.failure()).isInstanceOf(QueryCancelledException.class);
        assertThat(f.db.inspector().cell("q", "k")).as("no cell, and certainly no poisoned one").isEmpty();
        assertThat(f.q.get(f.db, "k")).isEqualTo(50);
        assertThat(f.runs).hasValue(2);
        f.assertNotPoisoned(r);
    }

    @Test
    void cancelledGetAsyncWhileComputingDoesNotPoisonTheCell() throws Exception {
        // r[derived.cancel]
        // r[jvm.interrupt]
        Fixture f = new Fixture(1);
        Revision r = f.db.revision();
        CompletableFuture<Integer> future = f.q.getAsync(f.db, "k");
        await(f.entered[0], BOUND, "the async compute");
        Call<Integer> follower = start("follower", () -> f.q.get(f.db, "k"));
        awaitParked(BOUND, follower.thread);

        assertThat(future.cancel(true)).isTrue();

        assertThat(future).isCancelled();
        follower.await(BOUND);
        assertThat(follower.failure()).isNull();
        assertThat(follower.value()).isEqualTo(50);
        assertThat(f.q.get(f.db, "k")).isEqualTo(50);
        assertThat(f.runs).hasValue(2);
        f.assertNotPoisoned(r);
    }

    @Test
    void interruptedFollowerReturnsPromptlyWhileTheLeaderCompletesForOthers() throws Exception {
        // r[jvm.interrupt]
        // r[derived.cancel]
        Fixture f = new Fixture(1);
        Revision r = f.db.revision();
        Call<Integer> leader = start("leader", () -> f.q.get(f.db, "k"));
        await(f.entered[0], BOUND, "the leader's compute");
        Call<Integer> follower = start("follower", () -> f.q.get(f.db, "k"));
        Call<Integer> other = start("other", () -> f.q.get(f.db.snapshot(), "k"));
        awaitParked(BOUND, follower.thread, other.thread);

        follower.thread.interrupt();

        follower.await(PROMPT);
        assertThat(follower.failure()).isInstanceOf(QueryCancelledException.class);
        assertThat(follower.interruptFlagAfter()).isTrue();
        assertThat(leader.isDone()).as("the leader still computes").isFalse();
        f.release.countDown();
        leader.await(BOUND);
        other.await(BOUND);
        assertThat(leader.failure()).isNull();
        assertThat(other.failure()).isNull();
        assertThat(leader.value()).isEqualTo(50);
        assertThat(other.value()).isEqualTo(50);
        assertThat(f.q.get(f.db, "k")).isEqualTo(50);
        assertThat(f.runs).as("the follower's cancellation cost no extra run").hasValue(1);
        f.assertNotPoisoned(r);
    }

    @Test
    void cancelledAsyncFollowerLeavesTheLeaderRunning() throws Exception {
        // r[jvm.interrupt]
        // r[derived.cancel]
        Fixture f = new Fixture(1);
        Revision r = f.db.revision();
        Call<Integer> leader = start("leader", () -> f.q.get(f.db, "k"));
        await(f.entered[0], BOUND, "the leader's compute");
        CompletableFuture<Integer> follower = f.q.getAsync(f.db, "k");

        assertThat(follower.cancel(true)).isTrue();

        assertThat(follower).isCancelled();
        assertThat(leader.isDone()).isFalse();
        f.release.countDown();
        leader.await(BOUND);
        assertThat(leader.failure()).isNull();
        assertThat(leader.value()).isEqualTo(50);
        assertThat(f.q.get(f.db, "k")).isEqualTo(50);
        assertThat(f.runs).hasValue(1);
        f.assertNotPoisoned(r);
    }

    /** {@code a(k) = b(k) + 1} where {@code b}'s first run blocks until released. */
    private static final class Nested {
        final ExecutorService pool = Executors.newCachedThreadPool(runnable -> {
            Thread t = new Thread(runnable, "cancel-pool");
            t.setDaemon(true);
            return t;
        });
        final Database db = Database.builder().executor(pool).build();
        final InputIngredient<String, Integer> x = db.input("x", String.class, Integer.class);
        final AtomicInteger aRuns = new AtomicInteger();
        final AtomicInteger bRuns = new AtomicInteger();
        final CountDownLatch bEntered = new CountDownLatch(1);
        final CountDownLatch releaseB = new CountDownLatch(1);
        final DerivedIngredient<Integer, Integer> b = db.derived("b", Integer.class, Integer.class, (ctx, k) -> {
            if (k == 0 && bRuns.incrementAndGet() == 1) {
                bEntered.countDown();
                if (!releaseB.await(20, SECONDS)) {
                    throw new IllegalStateException("b was never released");
                }
            }
            return k + x.require(ctx, "x");
        });
        final DerivedIngredient<Integer, Integer> a;

        Nested(boolean viaGetAll) {
            a = db.derived("a", Integer.class, Integer.class, (ctx, k) -> {
                aRuns.incrementAndGet();
                if (viaGetAll) {
                    return ctx.getAll(b, List.of(0, 1, 2)).stream().mapToInt(Integer::intValue).sum();
                }
                return b.get(ctx, 0) + 1;
            });
            x.set(db, "x", 5);
        }

        void close() throws InterruptedException {
            releaseB.countDown();
            pool.shutdownNow();
            pool.awaitTermination(5, SECONDS);
        }
    }

    @Test
    void leaderInterruptedWhileWaitingForANestedQueryGivesUpAlone() throws Exception {
        // r[jvm.interrupt]
        // r[derived.cancel]
        Nested n = new Nested(false);
        try {
            Revision r = n.db.revision();
            Call<Integer> bLeader = start("b-leader", () -> n.b.get(n.db, 0));
            await(n.bEntered, BOUND, "b's compute");
            Call<Integer> aLeader = start("a-leader", () -> n.a.get(n.db, 0));
            Call<Integer> aFollower = start("a-follower", () -> n.a.get(n.db, 0));
            awaitParked(BOUND, aLeader.thread, aFollower.thread);

            aLeader.thread.interrupt();

            aLeader.await(PROMPT);
            assertThat(aLeader.failure()).isInstanceOf(QueryCancelledException.class);
            assertThat(aLeader.interruptFlagAfter()).isTrue();
            assertThat(bLeader.isDone()).as("b still computes").isFalse();
            n.releaseB.countDown();
            bLeader.await(BOUND);
            aFollower.await(BOUND);
            assertThat(bLeader.value()).isEqualTo(5);
            assertThat(aFollower.failure()).isNull();
            assertThat(aFollower.value()).isEqualTo(6);
            assertThat(n.a.get(n.db, 0)).isEqualTo(6);
            assertThat(n.bRuns).hasValue(1);
            assertThat(n.db.revision()).isEqualTo(r);
            assertThat(n.db.inspector().ingredient("a").counters().failures()).isZero();
            assertThat(n.db.inspector().cell("a", 0)).hasValueSatisfying(
                    c -> assertThat(c.state()).isEqualTo(CellState.READY));
        } finally {
            n.close();
        }
    }

    @Test
    void leaderInterruptedWhileWaitingInGetAllGivesUpAlone() throws Exception {
        // r[jvm.interrupt]
        // r[derived.cancel]
        // r[jvm.explicit-context]
        Nested n = new Nested(true);
        try {
            Revision r = n.db.revision();
            Call<Integer> aLeader = start("a-leader", () -> n.a.get(n.db, 0));
            await(n.bEntered, BOUND, "b(0)'s compute on a pool thread");
            Call<Integer> aFollower = start("a-follower", () -> n.a.get(n.db, 0));
            awaitParked(BOUND, aLeader.thread, aFollower.thread);

            aLeader.thread.interrupt();

            aLeader.await(PROMPT);
            assertThat(aLeader.failure()).isInstanceOf(QueryCancelledException.class);
            n.releaseB.countDown();
            aFollower.await(BOUND);
            assertThat(aFollower.failure()).isNull();
            assertThat(aFollower.value()).isEqualTo(5 + 6 + 7);
            assertThat(n.a.get(n.db, 0)).isEqualTo(18);
            assertThat(n.bRuns).hasValue(1);
            assertThat(n.db.revision()).isEqualTo(r);
            assertThat(n.db.inspector().ingredient("a").counters().failures()).isZero();
            assertThat(n.db.inspector().ingredient("b").counters().failures()).isZero();
            assertThat(n.db.inspector().cell("a", 0)).hasValueSatisfying(c -> {
                assertThat(c.state()).isEqualTo(CellState.READY);
                // Concurrent reads: recorded in completion order, so any order.
                assertThat(c.dependencies()).containsExactlyInAnyOrder(
                        new QueryRef("b", 0), new QueryRef("b", 1), new QueryRef("b", 2));
            });
        } finally {
            n.close();
        }
    }

    @Test
    void successiveCancelledLeadersNeverStallTheQuery() throws Exception {
        // r[derived.cancel-progress]
        // r[derived.cancel]
        Fixture f = new Fixture(2);
        Revision r = f.db.revision();
        Snapshot s = f.db.snapshot();
        Call<Integer> first = start("first", () -> f.q.get(f.db, "k"));
        await(f.entered[0], BOUND, "run 1");
        Call<Integer> second = start("second", () -> f.q.get(s, "k"));
        Call<Integer> third = start("third", () -> f.q.get(f.db, "k"));
        awaitParked(BOUND, second.thread, third.thread);

        // Cancel run 1 (first's), then run 2, led by whichever waiter retried first.
        f.computing.get().interrupt();
        await(f.entered[1], BOUND, "run 2, by a retrying waiter");
        Thread secondLeader = f.computing.get();
        assertThat(secondLeader).isIn(second.thread, third.thread);
        secondLeader.interrupt();

        for (Call<Integer> c : List.of(first, second, third)) {
            c.await(BOUND);
        }
        assertThat(first.failure()).isInstanceOf(QueryCancelledException.class);
        Call<Integer> cancelled = secondLeader == second.thread ? second : third;
        Call<Integer> survivor = secondLeader == second.thread ? third : second;
        assertThat(cancelled.failure()).isInstanceOf(QueryCancelledException.class);
        assertThat(survivor.failure()).isNull();
        assertThat(survivor.value()).isEqualTo(50);
        assertThat(f.q.get(f.db, "k")).isEqualTo(50);
        assertThat(f.q.get(s, "k")).isEqualTo(50);
        assertThat(f.runs).hasValue(3);
        f.assertNotPoisoned(r);
    }
}
