package dev.picante;

import static dev.picante.LincheckScenarios.op;
import static dev.picante.LincheckScenarios.scenario;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lincheck checks that input reads and writes on the primary view, single and batched, are linearizable
 * against {@link Spec}, a plain {@link HashMap} plus a revision counter.
 *
 * <p>Only the primary view mutates here and revisions come from one counter per database starting at 0
 * (ENGINE-CONTRACT.md), so the revision every mutation returns is predictable too: it checks
 * r[revision.advance] (a fresh revision exactly when a slot changes) under concurrency.
 *
 * <p>Each Lincheck run is small so that it finishes in seconds: the model checker explores the
 * interleavings of two hand-written scenarios (reads racing a set and a remove of one slot; a batch racing
 * single writes to its slots), the stress runner random scenarios of 2 threads.
 */
// r[concurrency.linearizable]
// r[input.concurrent]
// r[input.batch]
// r[input.batch-conflicts]
// r[revision.advance]
@Param(name = "key", gen = IntGen.class, conf = "1:3")
@Param(name = "value", gen = IntGen.class, conf = "1:3")
public class InputLincheckTest {

    private final Database db = Database.create();
    private final InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);

    /** Returns the slot's value, or 0 for an empty slot. */
    @Operation
    public int get(@Param(name = "key") int key) {
        return in.get(db, key).orElse(0);
    }

    /** Returns the slot's value, or "missing" when {@code require} throws MissingInputException. */
    @Operation
    public String require(@Param(name = "key") int key) {
        try {
            return "v" + in.require(db, key);
        } catch (MissingInputException e) {
            return "missing";
        }
    }

    @Operation
    public long set(@Param(name = "key") int key, @Param(name = "value") int value) {
        return in.set(db, key, value).value();
    }

    @Operation
    public long remove(@Param(name = "key") int key) {
        return in.remove(db, key).value();
    }

    /** Two sets in one batch; on one slot, the later one wins. */
    @Operation
    public long batchSetSet(@Param(name = "key") int k1, @Param(name = "value") int v1,
            @Param(name = "key") int k2, @Param(name = "value") int v2) {
        return db.batch().set(in, k1, v1).set(in, k2, v2).commit().value();
    }

    /** A set and a remove in one batch; on one slot, the remove wins. */
    @Operation
    public long batchSetRemove(@Param(name = "key") int k1, @Param(name = "value") int v1,
            @Param(name = "key") int k2) {
        return db.batch().set(in, k1, v1).remove(in, k2).commit().value();
    }

    @Operation
    public long revision() {
        return db.revision().value();
    }

    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void modelChecking() {
        Class<?> t = InputLincheckTest.class;
        new ModelCheckingOptions()
                // Reads racing a set then a remove of the same slot.
                .addCustomScenario(scenario(List.of(op(t, "set", 1, 1)),
                        List.of(List.of(op(t, "set", 1, 2), op(t, "remove", 1)),
                                List.of(op(t, "get", 1), op(t, "require", 1), op(t, "revision"))),
                        List.of(op(t, "revision"))))
                // A batch racing single writes to the slots it touches.
                .addCustomScenario(scenario(List.of(),
                        List.of(List.of(op(t, "batchSetSet", 1, 2, 2, 3)),
                                List.of(op(t, "set", 2, 1), op(t, "batchSetRemove", 3, 3, 1))),
                        List.of(op(t, "get", 1), op(t, "get", 2), op(t, "get", 3))))
                .threads(2)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(1)
                .iterations(0)
                .invocationsPerIteration(30)
                .sequentialSpecification(Spec.class)
                .check(InputLincheckTest.class);
    }

    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stress() {
        LincheckScenarios.checkUnderStress(InputLincheckTest.class, Spec.class);
    }

    /** The sequential specification: r[input.set], r[input.remove], r[input.batch] on a map. */
    public static final class Spec {

        private final Map<Integer, Integer> slots = new HashMap<>();
        private long revision;

        public int get(int key) {
            return slots.getOrDefault(key, 0);
        }

        public String require(int key) {
            Integer value = slots.get(key);
            return value == null ? "missing" : "v" + value;
        }

        public long set(int key, int value) {
            Map<Integer, Integer> next = new HashMap<>(slots);
            next.put(key, value);
            return publish(next);
        }

        public long remove(int key) {
            Map<Integer, Integer> next = new HashMap<>(slots);
            next.remove(key);
            return publish(next);
        }

        public long batchSetSet(int k1, int v1, int k2, int v2) {
            Map<Integer, Integer> next = new HashMap<>(slots);
            next.put(k1, v1);
            next.put(k2, v2);
            return publish(next);
        }

        public long batchSetRemove(int k1, int v1, int k2) {
            Map<Integer, Integer> next = new HashMap<>(slots);
            next.put(k1, v1);
            next.remove(k2);
            return publish(next);
        }

        public long revision() {
            return revision;
        }

        /** A fresh revision exactly when the state changes (r[revision.advance]). */
        private long publish(Map<Integer, Integer> next) {
            if (!next.equals(slots)) {
                slots.clear();
                slots.putAll(next);
                revision++;
            }
            return revision;
        }
    }
}
