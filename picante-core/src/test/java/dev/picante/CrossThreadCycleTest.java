package dev.picante;

import static dev.picante.ConcurrencyTestKit.await;
import static dev.picante.ConcurrencyTestKit.start;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.ConcurrencyTestKit.Call;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Cycles that span threads: evaluating A waits for B, which another thread is evaluating and which
 * waits for A, at one revision. Latches inside the compute functions force that interleaving: each
 * thread first becomes the leader of its own query, and only then asks for the other's.
 *
 * <pre>
 * T1: a.get(db, 0) -> compute a: aStarted.countDown(); bStarted.await(); b.get(ctx, 0) -> waits for T2
 * T2: b.get(db, 0) -> compute b: bStarted.countDown(); aStarted.await(); a.get(ctx, 0) -> waits for T1
 *     => cycle a(0) -> b(0) -> a(0): at least one of T1, T2 gets a CycleException within one second;
 *        neither returns a value, nothing hangs
 * </pre>
 *
 * <p>Variants: the two halves in different views at the same revision (the primary view and a snapshot
 * share in-flight evaluations), three threads {@code a -> b -> c -> a}, and a cycle closed by the pool
 * threads of {@link QueryContext#getAll}.
 */
// r[jvm.cross-thread-cycle]
// r[cycle.detect]
@Timeout(30)
class CrossThreadCycleTest {

    private static final Duration ONE_SECOND = Duration.ofSeconds(1);

    private final List<ExecutorService> pools = new ArrayList<>();

    @AfterEach
    void shutdown() throws InterruptedException {
        for (ExecutorService pool : pools) {
            pool.shutdownNow();
            pool.awaitTermination(5, SECONDS);
        }
    }

    /** A ring of derived queries; query i, once started, waits for every query to start, then reads i+1. */
    private static final class Ring {
        final Database db;
        final List<DerivedIngredient<Integer, Integer>> queries = new ArrayList<>();
        final CountDownLatch allStarted;

        Ring(Database db, int size) {
            this.db = db;
            this.allStarted = new CountDownLatch(size);
            String names = "abcdefgh";
            for (int i = 0; i < size; i++) {
                int next = (i + 1) % size;
                queries.add(db.derived(names.substring(i, i + 1), Integer.class, Integer.class, (ctx, k) -> {
                    allStarted.countDown();
                    if (!allStarted.await(10, SECONDS)) {
                        throw new IllegalStateException("the other queries never started");
                    }
                    return queries.get(next).get(ctx, k) + 1;
                }));
            }
        }

        DerivedIngredient<Integer, Integer> get(int i) {
            return queries.get(i);
        }
    }

    @Test
    void twoThreadsWaitingForEachOtherGetACycleWithinOneSecond() throws Exception {
        // r[jvm.cross-thread-cycle]
        Ring ring = new Ring(Database.create(), 2);
        Revision r = ring.db.revision();

        Call<Integer> t1 = start("T1-a", () -> ring.get(0).get(ring.db, 0));
        Call<Integer> t2 = start("T2-b", () -> ring.get(1).get(ring.db, 0));

        assertCycle(ring.allStarted, r, List.of(t1, t2), List.of(new QueryRef("a", 0), new QueryRef("b", 0)));
    }

    @Test
    void cycleAcrossThePrimaryViewAndASnapshotAtTheSameRevision() throws Exception {
        // r[jvm.cross-thread-cycle]
        Ring ring = new Ring(Database.create(), 2);
        Snapshot s = ring.db.snapshot();
        Revision r = ring.db.revision();
        assertThat(s.revision()).isEqualTo(r);

        Call<Integer> t1 = start("T1-a-on-db", () -> ring.get(0).get(ring.db, 0));
        Call<Integer> t2 = start("T2-b-on-snapshot", () -> ring.get(1).get(s, 0));

        assertCycle(ring.allStarted, r, List.of(t1, t2), List.of(new QueryRef("a", 0), new QueryRef("b", 0)));
    }

    @Test
    void threeThreadRingGetsACycleWithinOneSecond() throws Exception {
        // r[jvm.cross-thread-cycle]
        Ring ring = new Ring(Database.create(), 3);
        Revision r = ring.db.revision();

        Call<Integer> t1 = start("T1-a", () -> ring.get(0).get(ring.db, 0));
        Call<Integer> t2 = start("T2-b", () -> ring.get(1).get(ring.db, 0));
        Call<Integer> t3 = start("T3-c", () -> ring.get(2).get(ring.db, 0));

        assertCycle(ring.allStarted, r, List.of(t1, t2, t3),
                List.of(new QueryRef("a", 0), new QueryRef("b", 0), new QueryRef("c", 0)));
    }

    @Test
    void cycleClosedThroughGetAllPoolThreads() throws Exception {
        // r[jvm.cross-thread-cycle]
        // r[jvm.explicit-context]
        ExecutorService pool = Executors.newCachedThreadPool(daemon());
        pools.add(pool);
        Database db = Database.builder().executor(pool).build();
        CountDownLatch started = new CountDownLatch(2);
        AtomicReference<DerivedIngredient<Integer, Integer>> aRef = new AtomicReference<>();
        // b(k): started, wait for a, then read a(0)
        DerivedIngredient<Integer, Integer> b = db.derived("b", Integer.class, Integer.class, (ctx, k) -> {
            if (k == 0) {
                started.countDown();
                if (!started.await(10, SECONDS)) {
                    throw new IllegalStateException("a never started");
                }
                return aRef.get().get(ctx, 0) + 1;
            }
            return k;
        });
        // a(k): started, wait for b(0), then read b(0) and b(1) concurrently on pool threads
        aRef.set(db.derived("a", Integer.class, Integer.class, (ctx, k) -> {
            started.countDown();
            if (!started.await(10, SECONDS)) {
                throw new IllegalStateException("b never started");
            }
            return ctx.getAll(b, List.of(0, 1)).stream().mapToInt(Integer::intValue).sum();
        }));
        Revision r = db.revision();

        Call<Integer> t1 = start("T1-a", () -> aRef.get().get(db, 0));
        Call<Integer> t2 = start("T2-b", () -> b.get(db, 0));

        assertCycle(started, r, List.of(t1, t2), List.of(new QueryRef("a", 0), new QueryRef("b", 0)));
    }

    // ------------------------------------------------------------------------------------------------

    /**
     * Once every participant has started computing, all calls end within one second; none returns a
     * value; at least one throws a CycleException at {@code r} whose path is closed and names every
     * query of the ring; the others throw a CycleException too (ENGINE-CONTRACT.md: a CycleException
     * propagating out of a compute is rethrown unwrapped).
     */
    private static void assertCycle(CountDownLatch started, Revision r, List<Call<Integer>> calls,
            List<QueryRef> ring) throws InterruptedException {
        await(started, Duration.ofSeconds(10), "every participant to start computing");
        long deadline = System.nanoTime() + ONE_SECOND.toNanos();
        for (Call<Integer> call : calls) {
            long left = Math.max(0, deadline - System.nanoTime());
            call.await(Duration.ofNanos(left));
        }
        List<CycleException> cycles = new ArrayList<>();
        for (Call<Integer> call : calls) {
            assertThat(call.value()).as("%s returned a value", call.thread.getName()).isNull();
            assertThat(call.failure()).as("%s", call.thread.getName()).isInstanceOf(CycleException.class);
            cycles.add((CycleException) call.failure());
        }
        assertThat(cycles).anySatisfy(e -> {
            assertThat(e.revision()).isEqualTo(r);
            assertThat(e.path()).hasSizeGreaterThanOrEqualTo(ring.size() + 1);
            assertThat(e.path().get(0)).isEqualTo(e.path().get(e.path().size() - 1));
            assertThat(e.path()).containsAll(ring);
            assertThat(e.getMessage()).contains("cycle at revision " + r.value());
        });
    }

    private static ThreadFactory daemon() {
        return runnable -> {
            Thread t = new Thread(runnable, "cycle-pool");
            t.setDaemon(true);
            return t;
        };
    }
}
