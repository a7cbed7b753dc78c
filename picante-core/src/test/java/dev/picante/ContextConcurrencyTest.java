package dev.picante;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link QueryContext#getAll} and {@link QueryContext#map} read many keys concurrently on the database's
 * executor; every one of those reads, whatever thread makes it, is a dependency of the computation, so
 * changing any one of them recomputes it.
 *
 * <p>To prove the reads really overlap, the first round of reads meets at a latch of {@value #N}: it opens
 * only when all {@value #N} reads run at once, on {@value #N} pool threads.
 *
 * <pre>
 * main:          total.get(db)
 * total compute: ctx.getAll(leaf, [0..7])  -> 8 pool tasks
 * pool task i:   leaf(i) compute: together.countDown(); together.await()  (all 8 at once); reads in(i)
 * total compute: sum; its dependencies are leaf(0..7)
 * main:          for each i: set in(i) -> total recomputes with the new value
 * </pre>
 */
// r[jvm.explicit-context]
// r[dep.recording]
// r[input.slot]
@Timeout(30)
class ContextConcurrencyTest {

    private static final int N = 8;
    private static final List<Integer> KEYS = IntStream.range(0, N).boxed().toList();

    private final AtomicInteger poolThreads = new AtomicInteger();
    private final ExecutorService pool = Executors.newCachedThreadPool(runnable -> {
        Thread t = new Thread(runnable, "ctx-pool-" + poolThreads.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void shutdown() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(5, SECONDS);
    }

    /** Meets the other first-round reads, so that all {@value #N} run at the same time. */
    private static void meet(AtomicBoolean firstRound, CountDownLatch together, Set<String> threads)
            throws InterruptedException {
        if (firstRound.get()) {
            threads.add(Thread.currentThread().getName());
            together.countDown();
            if (!together.await(10, SECONDS)) {
                throw new IllegalStateException("the reads did not run concurrently: " + together.getCount()
                        + " of " + N + " never arrived");
            }
        }
    }

    @Test
    void getAllRecordsEveryConcurrentRead() throws Exception {
        // r[jvm.explicit-context]
        // r[dep.recording]
        Database db = Database.builder().executor(pool).build();
        InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        AtomicBoolean firstRound = new AtomicBoolean(true);
        CountDownLatch together = new CountDownLatch(N);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        DerivedIngredient<Integer, Integer> leaf = db.derived("leaf", Integer.class, Integer.class, (ctx, k) -> {
            meet(firstRound, together, threads);
            return 3 * in.require(ctx, k);
        });
        DerivedIngredient<Integer, Long> total = db.derived("total", Integer.class, Long.class,
                (ctx, unit) -> ctx.getAll(leaf, KEYS).stream().mapToLong(Integer::longValue).sum());
        int[] values = new int[N];
        for (int k = 0; k < N; k++) {
            values[k] = k;
            in.set(db, k, k);
        }

        assertThat(total.get(db, 0)).isEqualTo(expected(values));
        firstRound.set(false);
        assertThat(threads).as("distinct reader threads").hasSize(N);
        assertThat(db.inspector().cell("total", 0).orElseThrow().dependencies())
                .containsExactlyInAnyOrderElementsOf(KEYS.stream().map(k -> new QueryRef("leaf", k)).toList());

        long runs = db.inspector().ingredient("total").counters().computations();
        for (int k = 0; k < N; k++) {
            values[k] = 100 + k;
            in.set(db, k, values[k]);
            assertThat(total.get(db, 0)).as("after changing in(%d)", k).isEqualTo(expected(values));
            assertThat(db.inspector().ingredient("total").counters().computations()).isEqualTo(++runs);
        }
        // Nothing changed: nothing recomputes.
        in.set(db, 3, values[3]);
        assertThat(total.get(db, 0)).isEqualTo(expected(values));
        assertThat(db.inspector().ingredient("total").counters().computations()).isEqualTo(runs);
    }

    @Test
    void mapRecordsEveryConcurrentReadIncludingAbsence() throws Exception {
        // r[jvm.explicit-context]
        // r[input.slot]
        Database db = Database.builder().executor(pool).build();
        InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        InputIngredient<Integer, Integer> bonus = db.input("bonus", Integer.class, Integer.class);
        DerivedIngredient<Integer, Integer> twice = db.derived("twice", Integer.class, Integer.class,
                (ctx, k) -> 2 * bonus.get(ctx, k).orElse(0));
        AtomicBoolean firstRound = new AtomicBoolean(true);
        CountDownLatch together = new CountDownLatch(N);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        // Each mapped task reads one input slot (maybe absent) and one derived record.
        DerivedIngredient<Integer, Long> total = db.derived("total", Integer.class, Long.class, (ctx, unit) -> {
            List<Integer> parts = ctx.map(KEYS, k -> {
                try {
                    meet(firstRound, together, threads);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                return in.get(ctx, k).orElse(-1) + twice.get(ctx, k);
            });
            return parts.stream().mapToLong(Integer::longValue).sum();
        });
        Integer[] ins = new Integer[N];
        int[] bonuses = new int[N];
        for (int k = 0; k < N; k += 2) {
            ins[k] = k;
            in.set(db, k, k);
        }

        assertThat(total.get(db, 0)).isEqualTo(expected(ins, bonuses));
        firstRound.set(false);
        assertThat(threads).as("distinct reader threads").hasSize(N);
        List<QueryRef> expectedDeps = KEYS.stream()
                .flatMap(k -> Stream.of(new QueryRef("in", k), new QueryRef("twice", k)))
                .toList();
        assertThat(db.inspector().cell("total", 0).orElseThrow().dependencies())
                .containsExactlyInAnyOrderElementsOf(expectedDeps);

        for (int k = 0; k < N; k++) {
            // absent -> present, present -> other value, present -> absent
            ins[k] = ins[k] == null ? 50 + k : null;
            if (ins[k] == null) {
                in.remove(db, k);
            } else {
                in.set(db, k, ins[k]);
            }
            assertThat(total.get(db, 0)).as("after changing in(%d)", k).isEqualTo(expected(ins, bonuses));
            bonuses[k] = 7 + k;
            bonus.set(db, k, bonuses[k]);
            assertThat(total.get(db, 0)).as("after changing bonus(%d)", k).isEqualTo(expected(ins, bonuses));
        }
        for (int k = 1; k < N; k += 2) {
            // present -> another value
            ins[k] = ins[k] + 1000;
            in.set(db, k, ins[k]);
            assertThat(total.get(db, 0)).as("after changing in(%d) again", k).isEqualTo(expected(ins, bonuses));
        }
    }

    @Test
    void aContextHandedToOwnThreadsRecordsEveryReadOnceAndRefusesReadsAfterItsComputation() throws Exception {
        // r[jvm.explicit-context] r[dep.recording]: four threads of the compute function's own read the same
        // 200 inputs at once, each twice; every input is one dependency, and the context refuses reads once
        // the computation returned
        Database db = Database.create();
        InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        int inputs = 200;
        for (int k = 0; k < inputs; k++) {
            in.set(db, k, k);
        }
        AtomicInteger runs = new AtomicInteger();
        List<QueryContext> leaked = new java.util.concurrent.CopyOnWriteArrayList<>();
        DerivedIngredient<Integer, Long> total = db.derived("total", Integer.class, Long.class, (ctx, unit) -> {
            runs.incrementAndGet();
            leaked.add(ctx);
            List<Thread> threads = new java.util.ArrayList<>();
            java.util.concurrent.atomic.AtomicLong acc = new java.util.concurrent.atomic.AtomicLong();
            CountDownLatch start = new CountDownLatch(1);
            for (int t = 0; t < 4; t++) {
                int offset = t * 50;
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int round = 0; round < 2; round++) {
                        for (int i = 0; i < inputs; i++) {
                            int k = (i + offset) % inputs;
                            int v = in.require(ctx, k);
                            if (round == 0 && offset == 0) {
                                acc.addAndGet(v);
                            }
                        }
                    }
                });
                thread.start();
                threads.add(thread);
            }
            start.countDown();
            joinAll(threads);
            return acc.get();
        });

        long expected = (long) inputs * (inputs - 1) / 2;
        assertThat(total.get(db, 0)).isEqualTo(expected);
        assertThat(db.inspector().cell("total", 0).orElseThrow().dependencies())
                .hasSize(inputs)
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, inputs)
                        .mapToObj(k -> new QueryRef("in", k)).toList());
        in.set(db, 137, 1137);
        assertThat(total.get(db, 0)).isEqualTo(expected + 1000);
        assertThat(runs).hasValue(2);
        assertThatThrownBy(() -> in.require(leaked.get(0), 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("was used after its computation returned");
    }

    @Test
    void threadsMixingSlotResultAndAbsentReadsRecordEachOnceAndEveryKindOfReadIsRefusedAfterTheComputation()
            throws Exception {
        // r[jvm.explicit-context] r[dep.recording] r[input.slot]: four threads share one context; two of them read
        // set slots only, the others also results and slots never set, so the context leaves its slot-only state
        // while reads of slots race with it (one taking of the lock tests the state; the rest take the general
        // path). Each record is one dependency; after the computation every kind of read through the context
        // throws, from the slot-only state (a computation that read only slots) and from the general one.
        Database db = Database.create();
        InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        InputIngredient<Integer, Integer> unset = db.input("unset", Integer.class, Integer.class);
        DerivedIngredient<Integer, Integer> twice = db.derived("twice", Integer.class, Integer.class,
                (ctx, k) -> 2 * in.require(ctx, k));
        int inputs = 120;
        for (int k = 0; k < inputs; k++) {
            in.set(db, k, k);
        }
        List<QueryContext> leaked = new java.util.concurrent.CopyOnWriteArrayList<>();
        DerivedIngredient<Integer, Long> mixed = db.derived("mixed", Integer.class, Long.class, (ctx, unit) -> {
            leaked.add(ctx);
            java.util.concurrent.atomic.AtomicLong acc = new java.util.concurrent.atomic.AtomicLong();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                boolean slotsOnly = t < 2;
                int offset = t * 30;
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < inputs; i++) {
                        int k = (i + offset) % inputs;
                        int v = in.require(ctx, k);
                        if (!slotsOnly) {
                            v += twice.get(ctx, k) + unset.get(ctx, k).orElse(0);
                        }
                        acc.addAndGet(v);
                    }
                });
                thread.start();
                threads.add(thread);
            }
            start.countDown();
            joinAll(threads);
            return acc.get();
        });
        DerivedIngredient<Integer, Integer> slotsOnly = db.derived("slotsOnly", Integer.class, Integer.class,
                (ctx, k) -> {
                    leaked.add(ctx);
                    return in.require(ctx, k) + in.require(ctx, k + 1);
                });

        long sum = (long) inputs * (inputs - 1) / 2;
        assertThat(mixed.get(db, 0)).isEqualTo(4 * sum + 2 * 2 * sum);
        assertThat(slotsOnly.get(db, 5)).isEqualTo(11);
        List<QueryRef> expected = new java.util.ArrayList<>();
        for (int k = 0; k < inputs; k++) {
            expected.add(new QueryRef("in", k));
            expected.add(new QueryRef("twice", k));
            expected.add(new QueryRef("unset", k));
        }
        assertThat(db.inspector().cell("mixed", 0).orElseThrow().dependencies())
                .hasSize(3 * inputs).containsExactlyInAnyOrderElementsOf(expected);
        unset.set(db, 77, 1000);
        assertThat(mixed.get(db, 0)).as("an absent slot read by the general path is a dependency")
                .isEqualTo(4 * sum + 2 * 2 * sum + 2 * 1000);

        assertThat(leaked).hasSize(3); // mixed twice, slotsOnly once
        for (QueryContext ctx : leaked) {
            assertThatThrownBy(() -> in.require(ctx, 1)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("was used after its computation returned");
            assertThatThrownBy(() -> unset.get(ctx, 1)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> in.get(ctx, inputs + 5)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> twice.get(ctx, 1)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(ctx::snapshot).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> ctx.map(List.of(1, 2), k -> k)).isInstanceOf(IllegalStateException.class);
        }
    }

    private static long expected(int[] values) {
        long sum = 0;
        for (int v : values) {
            sum += 3L * v;
        }
        return sum;
    }

    private static long expected(Integer[] ins, int[] bonuses) {
        long sum = 0;
        for (int k = 0; k < N; k++) {
            sum += (ins[k] == null ? -1 : ins[k]) + 2L * bonuses[k];
        }
        return sum;
    }

    /** Joins every thread, inside a compute function: an interrupt ends the computation with an exception. */
    private static void joinAll(List<Thread> threads) {
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
