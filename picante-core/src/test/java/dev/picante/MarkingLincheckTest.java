package dev.picante;

import static dev.picante.LincheckScenarios.op;
import static dev.picante.LincheckScenarios.scenario;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lincheck checks push-marking (issue 17) against writes: derived reads three levels deep, with early cutoff in
 * the middle ({@code parity(k)} changes less often than {@code in(k)}), racing input writes and batches on the
 * primary view, on fresh snapshots and on a snapshot taken before any write. A read that reused a result an
 * edit reached, or published a result computed before an edit as if verified after it (the race between marking
 * and publishing), returns a rendering the sequential specification never gives.
 *
 * <p>The model checker runs the race of a write with reads that compute, reuse and check, in every interleaving
 * it reaches; the stress runner runs random scenarios.
 */
// r[concurrency.linearizable]
// r[derived.concurrent]
// r[cell.revalidate]
// r[revision.early-cutoff]
// r[dep.invalidation]
// r[snapshot.isolation]
public class MarkingLincheckTest {

    private static final int[] KEYS = {1, 2, 3};

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void modelChecking() {
        Class<?> t = Ops.class;
        new ModelCheckingOptions()
                // Reads that computed before the write race it: one reuses, one checks what the write reached.
                .addCustomScenario(scenario(List.of(op(t, "set", 1, 1), op(t, "set", 2, 2), op(t, "top")),
                        List.of(List.of(op(t, "set", 1, 2)),
                                List.of(op(t, "top"), op(t, "parities"))),
                        List.of(op(t, "top"))))
                // A first computation racing a write of what it reads.
                .addCustomScenario(scenario(List.of(op(t, "set", 3, 1)),
                        List.of(List.of(op(t, "set", 3, 3), op(t, "remove", 1)),
                                List.of(op(t, "top"))),
                        List.of(op(t, "top"), op(t, "snapshotTop"))))
                .threads(2)
                .actorsPerThread(2)
                .actorsBefore(1)
                .actorsAfter(1)
                .iterations(0)
                .invocationsPerIteration(20)
                // On a loaded machine the agent's first class retransformations take longer than the default
                // invocation timeout, which Lincheck reports as a hang (Kotlin-internal option, test-only).
                .invocationTimeout$lincheck(120_000)
                .sequentialSpecification(Spec.class)
                .check(Ops.class);
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stress() {
        new StressOptions()
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(2)
                .iterations(10)
                .invocationsPerIteration(200)
                .sequentialSpecification(Spec.class)
                .check(Ops.class);
    }

    /** Inputs, a derived chain over them, and reads of it in the database and in snapshots. */
    @Param(name = "key", gen = IntGen.class, conf = "1:3")
    @Param(name = "value", gen = IntGen.class, conf = "1:4")
    public static class Ops {

        final Database db = Database.create();
        final InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        /** Whether a slot holds an odd value: equal after most writes (early cutoff). */
        final DerivedIngredient<Integer, String> parity = db.derived("parity", Integer.class, String.class,
                (ctx, key) -> in.get(ctx, key).map(v -> v % 2 == 0 ? "even" : "odd").orElse("none"));
        /** Every key's parity. */
        final DerivedIngredient<Integer, String> parities = db.derived("parities", Integer.class, String.class,
                (ctx, unit) -> {
                    StringBuilder sb = new StringBuilder();
                    for (int key : KEYS) {
                        sb.append(key).append(':').append(parity.get(ctx, key)).append(' ');
                    }
                    return sb.toString().strip();
                });
        /** The parities and the sum of the values: reads a derived result and inputs. */
        final DerivedIngredient<Integer, String> top = db.derived("top", Integer.class, String.class, (ctx, unit) -> {
            int sum = 0;
            for (int key : KEYS) {
                sum += in.get(ctx, key).orElse(0);
            }
            return parities.get(ctx, 0) + " sum=" + sum;
        });
        /** A snapshot of the empty database, taken before any operation. */
        final Snapshot empty = db.snapshot();

        @Operation
        public void set(@Param(name = "key") int key, @Param(name = "value") int value) {
            in.set(db, key, value);
        }

        @Operation
        public void remove(@Param(name = "key") int key) {
            in.remove(db, key);
        }

        @Operation
        public void batch(@Param(name = "key") int k1, @Param(name = "value") int v1, @Param(name = "key") int k2) {
            db.batch().set(in, k1, v1).set(in, k1 % 3 + 1, v1 + 1).remove(in, k2).commit();
        }

        @Operation
        public String top() {
            return top.get(db, 0);
        }

        @Operation
        public String parities() {
            return parities.get(db, 0);
        }

        @Operation
        public String snapshotTop() {
            try (Snapshot s = db.snapshot()) {
                String first = top.get(s, 0);
                return first + "|" + top.get(s, 0);
            }
        }

        @Operation
        public String emptyTop() {
            return top.get(empty, 0);
        }
    }

    /** The sequential specification: the renderings of a plain map. */
    public static class Spec {

        final Map<Integer, Integer> slots = new TreeMap<>();

        public void set(int key, int value) {
            slots.put(key, value);
        }

        public void remove(int key) {
            slots.remove(key);
        }

        public void batch(int k1, int v1, int k2) {
            slots.put(k1, v1);
            slots.put(k1 % 3 + 1, v1 + 1);
            slots.remove(k2);
        }

        static String top(Map<Integer, Integer> slots) {
            return parities(slots) + " sum=" + slots.values().stream().mapToInt(Integer::intValue).sum();
        }

        static String parities(Map<Integer, Integer> slots) {
            StringBuilder sb = new StringBuilder();
            for (int key : KEYS) {
                Integer v = slots.get(key);
                sb.append(key).append(':').append(v == null ? "none" : v % 2 == 0 ? "even" : "odd").append(' ');
            }
            return sb.toString().strip();
        }

        public String top() {
            return top(slots);
        }

        public String parities() {
            return parities(slots);
        }

        public String snapshotTop() {
            String t = top(slots);
            return t + "|" + t;
        }

        public String emptyTop() {
            return top(Map.of());
        }
    }
}
