package dev.picante;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bounded stress test on random small graphs: inputs, and derived queries that read inputs and other
 * derived queries through their context (sequentially, with {@link QueryContext#getAll}, catching a
 * dependency's failure as data, or failing on a missing input or a "boom" value).
 *
 * <p>Each round builds one random graph and runs, for {@link #ROUND} at most, at once:
 * <ul>
 *   <li>writers, each the only writer of its own partition of input keys (sets, removes, batches);</li>
 *   <li>readers of the primary view: a read is checked when the view did not move during it, against a
 *       from-scratch evaluation of a snapshot taken just before;</li>
 *   <li>snapshot takers: every snapshot taken is checked whole (all derived queries, some through
 *       {@code getAsync}) against a from-scratch evaluation of the inputs read through that snapshot; then
 *       some are written on and checked again, forked and checked, or kept and checked again later while
 *       the primary view keeps changing.</li>
 * </ul>
 * At the end of a round the primary view's inputs must equal each key's last write (no lost update) and
 * every derived query must equal the from-scratch evaluation. Every join is bounded; a hang fails with a
 * thread dump. Set {@code -Dpicante.stress.seed=N} to replay a graph.
 */
// r[concurrency.linearizable]
// r[input.concurrent]
// r[derived.concurrent]
// r[derived.revision-binding]
// r[snapshot.linearizable]
// r[snapshot.isolation]
// r[snapshot.memo-isolation]
// r[cell.poison]
// r[jvm.explicit-context]
@Timeout(90)
class ConcurrencyStressTest {

    private static final int ROUNDS = 3;
    private static final Duration ROUND = Duration.ofSeconds(3);
    private static final int OPS_PER_WORKER = 1_000_000;
    private static final int WRITERS = 2;
    private static final int READERS = 2;
    private static final int SNAPSHOTTERS = 2;
    private static final int VALUES = 5;

    /** How a node reads its derived dependencies. */
    enum Mode {
        /** Inputs with {@code get} (absent = -5), derived one by one; a failure propagates. */
        GET,
        /** Inputs with {@code require} (absent fails), derived one by one. */
        REQUIRE,
        /** Inputs with {@code get}, derived all at once with {@code ctx.getAll}. */
        GET_ALL,
        /** Inputs with {@code get}, derived one by one, a failed dependency counting as -1. */
        CATCH
    }

    record Node(List<Integer> inputs, List<Integer> nodes, Mode mode) {
    }

    record Graph(long seed, int inputs, List<Node> nodes) {

        static Graph random(long seed) {
            Random rnd = new Random(seed);
            int inputs = 3 + rnd.nextInt(6);
            int count = 4 + rnd.nextInt(10);
            List<Node> nodes = new ArrayList<>();
            for (int n = 0; n < count; n++) {
                List<Integer> in = new ArrayList<>();
                for (int k = rnd.nextInt(4); k > 0; k--) {
                    in.add(rnd.nextInt(inputs));
                }
                List<Integer> deps = new ArrayList<>();
                for (int k = n == 0 ? 0 : rnd.nextInt(4); k > 0; k--) {
                    deps.add(rnd.nextInt(n));
                }
                nodes.add(new Node(List.copyOf(in), List.copyOf(deps), Mode.values()[rnd.nextInt(Mode.values().length)]));
            }
            return new Graph(seed, inputs, List.copyOf(nodes));
        }
    }

    /** A value or a failure, as callers see it. */
    record Outcome(@Nullable Long value, @Nullable String failure) {

        static Outcome of(long value) {
            return new Outcome(value, null);
        }

        static Outcome failed(String failure) {
            return new Outcome(null, failure);
        }

        @Override
        public String toString() {
            return failure != null ? "failed(" + failure + ")" : String.valueOf(value);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // The system under test and the reference evaluator

    /** One database built from a graph. */
    static final class World {
        final Graph graph;
        final Database db = Database.create();
        final InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        final DerivedIngredient<Integer, Long> node;

        World(Graph graph) {
            this.graph = graph;
            this.node = db.derived("node", Integer.class, Long.class, this::compute);
        }

        private Long compute(QueryContext ctx, Integer n) {
            Node spec = graph.nodes().get(n);
            long h = 17 + n;
            for (int i : spec.inputs()) {
                long v = spec.mode() == Mode.REQUIRE ? in.require(ctx, i) : in.get(ctx, i).orElse(-5);
                h = h * 31 + v;
            }
            if (spec.mode() == Mode.GET_ALL) {
                for (long v : ctx.getAll(node, spec.nodes())) {
                    h = h * 31 + v;
                }
            } else {
                for (int d : spec.nodes()) {
                    long v;
                    if (spec.mode() == Mode.CATCH) {
                        try {
                            v = node.get(ctx, d);
                        } catch (QueryFailedException e) {
                            v = -1;
                        }
                    } else {
                        v = node.get(ctx, d);
                    }
                    h = h * 31 + v;
                }
            }
            if (Math.floorMod(h, 13) == 0) {
                throw new IllegalStateException("boom:" + n);
            }
            return h;
        }

        Outcome outcome(View view, int n) {
            try {
                return Outcome.of(node.get(view, n));
            } catch (QueryFailedException e) {
                return failureOf(e);
            }
        }

        static Outcome failureOf(Throwable thrown) {
            if (thrown instanceof QueryFailedException e) {
                Throwable cause = e.getCause();
                if (cause instanceof MissingInputException m) {
                    return Outcome.failed("missing:" + m.input().key());
                }
                if (cause instanceof IllegalStateException b && b.getMessage() != null
                        && b.getMessage().startsWith("boom:")) {
                    return Outcome.failed(b.getMessage());
                }
            }
            throw new AssertionError("unexpected exception", thrown);
        }

        /** The inputs as {@code view} sees them, read through the view itself. */
        @Nullable Integer[] inputs(View view) {
            @Nullable Integer[] values = new Integer[graph.inputs()];
            for (int i = 0; i < values.length; i++) {
                values[i] = in.get(view, i).orElse(null);
            }
            return values;
        }

        /** A plain recursive evaluation of every node over {@code inputs}. */
        Outcome[] evaluate(@Nullable Integer[] inputs) {
            Outcome[] memo = new Outcome[graph.nodes().size()];
            for (int n = 0; n < memo.length; n++) {
                evaluate(n, inputs, memo);
            }
            return memo;
        }

        private Outcome evaluate(int n, @Nullable Integer[] inputs, Outcome[] memo) {
            if (memo[n] != null) {
                return memo[n];
            }
            Outcome result = evaluateUncached(n, inputs, memo);
            memo[n] = result;
            return result;
        }

        private Outcome evaluateUncached(int n, @Nullable Integer[] inputs, Outcome[] memo) {
            Node spec = graph.nodes().get(n);
            long h = 17 + n;
            for (int i : spec.inputs()) {
                Integer v = inputs[i];
                if (v == null && spec.mode() == Mode.REQUIRE) {
                    return Outcome.failed("missing:" + i);
                }
                h = h * 31 + (v == null ? -5 : v);
            }
            if (spec.mode() == Mode.GET_ALL) {
                List<Outcome> deps = new ArrayList<>();
                for (int d : spec.nodes()) {
                    deps.add(evaluate(d, inputs, memo));
                }
                for (Outcome o : deps) {
                    if (o.failure() != null) {
                        return o;
                    }
                }
                for (Outcome o : deps) {
                    h = h * 31 + o.value();
                }
            } else {
                for (int d : spec.nodes()) {
                    Outcome o = evaluate(d, inputs, memo);
                    if (o.failure() != null) {
                        if (spec.mode() != Mode.CATCH) {
                            return o;
                        }
                        h = h * 31 - 1;
                    } else {
                        h = h * 31 + o.value();
                    }
                }
            }
            if (Math.floorMod(h, 13) == 0) {
                return Outcome.failed("boom:" + n);
            }
            return Outcome.of(h);
        }
    }

    // ------------------------------------------------------------------------------------------------

    @Test
    void writersReadersAndSnapshotTakersAgreeWithAFromScratchEvaluation() throws Exception {
        long base = Long.getLong("picante.stress.seed", System.nanoTime());
        for (int round = 0; round < ROUNDS; round++) {
            runRound(Graph.random(base + round));
        }
    }

    private void runRound(Graph graph) throws Exception {
        World world = new World(graph);
        String where = "seed " + graph.seed() + ", graph " + graph;
        Random setup = new Random(graph.seed());
        @Nullable Integer[] last = new Integer[graph.inputs()];
        for (int i = 0; i < graph.inputs(); i++) {
            if (setup.nextBoolean()) {
                last[i] = setup.nextInt(VALUES);
                world.in.set(world.db, i, last[i]);
            }
        }
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicLong snapshotChecks = new AtomicLong();
        AtomicLong readerChecks = new AtomicLong();
        AtomicInteger threadIds = new AtomicInteger();
        long deadline = System.nanoTime() + ROUND.toNanos();
        ExecutorService workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "stress-" + threadIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                futures.add(workers.submit(guard(errors, "writer " + w,
                        () -> write(world, writer, last, new Random(graph.seed() * 31 + writer), deadline))));
            }
            for (int r = 0; r < READERS; r++) {
                int reader = r;
                futures.add(workers.submit(guard(errors, "reader " + r,
                        () -> read(world, new Random(graph.seed() * 37 + reader), deadline, readerChecks))));
            }
            for (int s = 0; s < SNAPSHOTTERS; s++) {
                int taker = s;
                futures.add(workers.submit(guard(errors, "snapshot taker " + s,
                        () -> takeSnapshots(world, new Random(graph.seed() * 41 + taker), deadline, snapshotChecks))));
            }
            for (Future<?> f : futures) {
                try {
                    f.get(ROUND.toSeconds() + 30, SECONDS);
                } catch (TimeoutException e) {
                    throw new AssertionError("a worker did not finish (deadlock?), " + where + "\n"
                            + ConcurrencyTestKit.dumpAll());
                }
            }
        } finally {
            workers.shutdownNow();
            workers.awaitTermination(5, SECONDS);
        }
        if (!errors.isEmpty()) {
            AssertionError failure = new AssertionError(errors.size() + " errors, " + where + "; first: "
                    + errors.peek().getMessage(), errors.peek());
            errors.stream().skip(1).limit(5).forEach(failure::addSuppressed);
            throw failure;
        }

        // No lost update: each key holds its only writer's last write.
        for (int i = 0; i < graph.inputs(); i++) {
            assertThat(world.in.get(world.db, i)).as("input %d, %s", i, where).isEqualTo(Optional.ofNullable(last[i]));
        }
        Outcome[] expected = world.evaluate(last);
        for (int n = 0; n < expected.length; n++) {
            assertThat(world.outcome(world.db, n)).as("node %d at the end, %s", n, where).isEqualTo(expected[n]);
        }
        checkSnapshot(world, world.db.snapshot(), new Random(graph.seed()), "final snapshot");
        assertThat(snapshotChecks.get()).as("snapshots checked, %s", where).isPositive();
        long failed = Arrays.stream(expected).filter(o -> o.failure() != null).count();
        System.out.printf("ConcurrencyStressTest seed %d: %d inputs, %d nodes (%d failing at the end), revision %s,"
                + " %d snapshots and %d primary-view reads checked%n", graph.seed(), graph.inputs(), expected.length,
                failed, world.db.revision(), snapshotChecks.get(), readerChecks.get());
    }

    private interface Body {
        void run() throws Exception;
    }

    private static Runnable guard(ConcurrentLinkedQueue<Throwable> errors, String who, Body body) {
        return () -> {
            try {
                body.run();
            } catch (Throwable t) {
                errors.add(new AssertionError(who + ": " + t, t));
            }
        };
    }

    private static boolean goOn(long deadline, int ops) {
        return ops < OPS_PER_WORKER && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted();
    }

    /** Writes only keys {@code i % WRITERS == writer}, remembering each key's last write. */
    private static void write(World world, int writer, @Nullable Integer[] last, Random rnd, long deadline) {
        List<Integer> mine = new ArrayList<>();
        for (int i = writer; i < last.length; i += WRITERS) {
            mine.add(i);
        }
        if (mine.isEmpty()) {
            return;
        }
        for (int ops = 0; goOn(deadline, ops); ops++) {
            int choice = rnd.nextInt(10);
            if (choice < 5) {
                int key = mine.get(rnd.nextInt(mine.size()));
                int value = rnd.nextInt(VALUES);
                world.in.set(world.db, key, value);
                last[key] = value;
            } else if (choice < 7) {
                int key = mine.get(rnd.nextInt(mine.size()));
                world.in.remove(world.db, key);
                last[key] = null;
            } else {
                Batch batch = world.db.batch();
                @Nullable Integer[] next = last.clone();
                for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                    int key = mine.get(rnd.nextInt(mine.size()));
                    if (rnd.nextInt(4) == 0) {
                        batch.remove(world.in, key);
                        next[key] = null;
                    } else {
                        int value = rnd.nextInt(VALUES);
                        batch.set(world.in, key, value);
                        next[key] = value;
                    }
                }
                batch.commit();
                for (int key : mine) {
                    last[key] = next[key];
                }
            }
            if (rnd.nextInt(8) == 0) {
                Thread.yield();
            }
        }
    }

    /**
     * Reads nodes on the primary view. A read is checked when the view's revision did not move between a
     * snapshot taken before it and the read's end: it was then evaluated at the snapshot's inputs.
     */
    private static void read(World world, Random rnd, long deadline, AtomicLong checks) throws Exception {
        int nodes = world.graph.nodes().size();
        for (int ops = 0; goOn(deadline, ops); ops++) {
            Snapshot before = world.db.snapshot();
            int n = rnd.nextInt(nodes);
            Outcome got;
            if (rnd.nextInt(4) == 0) {
                got = outcomeAsync(world, world.db, n);
            } else {
                got = world.outcome(world.db, n);
            }
            if (world.db.revision().equals(before.revision())) {
                Outcome expected = world.evaluate(world.inputs(before))[n];
                if (!got.equals(expected)) {
                    throw new AssertionError("primary view node " + n + " at " + before.revision() + ": expected "
                            + expected + " but got " + got + "; inputs " + Arrays.toString(world.inputs(before)));
                }
                checks.incrementAndGet();
            }
        }
    }

    private static Outcome outcomeAsync(World world, View view, int n) throws Exception {
        CompletableFuture<Long> future = world.node.getAsync(view, n);
        try {
            return Outcome.of(future.get(30, SECONDS));
        } catch (ExecutionException e) {
            return World.failureOf(e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("getAsync(" + n + ") did not complete\n" + ConcurrencyTestKit.dumpAll());
        }
    }

    /** Takes snapshots and checks each whole; writes to some, forks some, re-checks kept ones later. */
    private static void takeSnapshots(World world, Random rnd, long deadline, AtomicLong checks) throws Exception {
        List<Snapshot> kept = new ArrayList<>();
        List<Outcome[]> keptExpected = new ArrayList<>();
        // At least one snapshot, however late a loaded machine starts this thread.
        for (int ops = 0; ops == 0 || goOn(deadline, ops); ops++) {
            Snapshot s = world.db.snapshot();
            Outcome[] expected = checkSnapshot(world, s, rnd, "snapshot at " + s.revision());
            checks.incrementAndGet();
            int choice = rnd.nextInt(6);
            if (choice == 0) {
                // Written on its own line: its results follow its own inputs only.
                int key = rnd.nextInt(world.graph.inputs());
                if (rnd.nextBoolean()) {
                    world.in.set(s, key, rnd.nextInt(VALUES));
                } else {
                    world.in.remove(s, key);
                }
                checkSnapshot(world, s, rnd, "written snapshot");
            } else if (choice == 1) {
                checkSnapshot(world, s.snapshot(), rnd, "snapshot of a snapshot");
            } else if (choice == 2) {
                if (kept.size() == 4) {
                    kept.remove(0);
                    keptExpected.remove(0);
                }
                kept.add(s);
                keptExpected.add(expected);
            }
            if (!kept.isEmpty() && rnd.nextInt(3) == 0) {
                int k = rnd.nextInt(kept.size());
                Outcome[] again = checkSnapshot(world, kept.get(k), rnd, "kept snapshot");
                if (!Arrays.equals(again, keptExpected.get(k))) {
                    throw new AssertionError("a kept snapshot changed while the primary view moved on: was "
                            + Arrays.toString(keptExpected.get(k)) + ", now " + Arrays.toString(again));
                }
            }
        }
    }

    /**
     * Reads the snapshot's inputs through the snapshot, evaluates from scratch, and checks every node of
     * the snapshot in random order, some through {@code getAsync}; returns the expected outcomes.
     */
    private static Outcome[] checkSnapshot(World world, Snapshot s, Random rnd, String what) throws Exception {
        @Nullable Integer[] inputs = world.inputs(s);
        Outcome[] expected = world.evaluate(inputs);
        List<Integer> order = new ArrayList<>();
        for (int n = 0; n < expected.length; n++) {
            order.add(n);
        }
        Collections.shuffle(order, rnd);
        boolean async = rnd.nextInt(3) == 0;
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        for (int n : order) {
            if (async) {
                futures.add(world.node.getAsync(s, n));
            } else {
                Outcome got = world.outcome(s, n);
                if (!got.equals(expected[n])) {
                    throw mismatch(what, s, n, expected[n], got, inputs);
                }
            }
        }
        for (int i = 0; i < futures.size(); i++) {
            int n = order.get(i);
            Outcome got;
            try {
                got = Outcome.of(futures.get(i).get(30, SECONDS));
            } catch (ExecutionException e) {
                got = World.failureOf(e.getCause());
            } catch (TimeoutException e) {
                throw new AssertionError("getAsync(" + n + ") on a snapshot did not complete\n"
                        + ConcurrencyTestKit.dumpAll());
            }
            if (!got.equals(expected[n])) {
                throw mismatch(what, s, n, expected[n], got, inputs);
            }
        }
        // The snapshot's inputs did not move while it was read.
        assertThat(world.inputs(s)).isEqualTo(inputs);
        return expected;
    }

    private static AssertionError mismatch(String what, Snapshot s, int n, Outcome expected, Outcome got,
            @Nullable Integer[] inputs) {
        return new AssertionError(what + " " + s + ", node " + n + ": expected " + expected + " but got " + got
                + "; inputs " + Arrays.toString(inputs));
    }
}
