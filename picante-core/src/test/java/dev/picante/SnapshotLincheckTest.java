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
 * Lincheck checks snapshot creation against input mutations and batch commits on the primary view:
 * a snapshot taken concurrently with writes sees exactly the state of one instant (never a part of a
 * batch), and a derived query read on it agrees with its own inputs. It also checks a second, long-lived
 * snapshot that is written and read concurrently while the primary view changes: the two revision lines
 * never see each other's writes.
 *
 * <p>The sequential specification {@link Spec} is two plain maps: the primary view's and the long-lived
 * snapshot's. Every read renders a map as text ({@code "1=2,3=1"}), so a torn read shows up as a state
 * the specification never reaches.
 *
 * <p>The model checker runs {@link Ops} (inputs, batches, snapshots) on two hand-written scenarios, a
 * snapshot racing a batch and forks written while the primary view is; the stress runner also runs random
 * scenarios of {@link OpsWithDerived}, which adds derived reads on fresh snapshots, on the long-lived one
 * and on the primary view (model checking the derived path is too slow for CI).
 */
// r[concurrency.linearizable]
// r[snapshot.linearizable]
// r[snapshot.creation]
// r[snapshot.isolation]
// r[snapshot.memo-isolation]
// r[input.batch]
// r[derived.concurrent]
public class SnapshotLincheckTest {

    private static final int[] KEYS = {1, 2, 3};

    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void modelChecking() {
        Class<?> t = Ops.class;
        new ModelCheckingOptions()
                // A snapshot racing a batch: it must see {1=1} or {1=2,2=2}, never a part of the batch.
                .addCustomScenario(scenario(List.of(op(t, "set", 1, 1)),
                        List.of(List.of(op(t, "batch", 1, 2, 3)),
                                List.of(op(t, "snapshotRead"), op(t, "snapshotRead"))),
                        List.of()))
                // A write on a fresh fork and one on the long-lived snapshot racing a primary-view write.
                .addCustomScenario(scenario(List.of(op(t, "set", 2, 2)),
                        List.of(List.of(op(t, "set", 3, 3), op(t, "sideSet", 1, 1)),
                                List.of(op(t, "snapshotWrite", 1, 2))),
                        List.of(op(t, "snapshotRead"), op(t, "sideRead"))))
                .threads(2)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(1)
                .iterations(0)
                .invocationsPerIteration(20)
                .sequentialSpecification(Spec.class)
                .check(Ops.class);
    }

    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stress() {
        LincheckScenarios.checkUnderStress(Ops.class, Spec.class);
    }

    /** Adds derived reads, on snapshots and on the primary view; stress only, to keep the run short. */
    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stressWithDerivedQueries() {
        Class<?> t = OpsWithDerived.class;
        new StressOptions()
                // Reads after writes reuse what did not change and recheck what did, in the database and in
                // snapshots resolved there, while writes race them.
                .addCustomScenario(scenario(List.of(op(t, "set", 1, 1), op(t, "joined")),
                        List.of(List.of(op(t, "set", 1, 2), op(t, "joined"), op(t, "set", 2, 3)),
                                List.of(op(t, "snapshotJoined"), op(t, "derived"), op(t, "snapshotJoined"))),
                        List.of(op(t, "joined"), op(t, "derived"))))
                .threads(2)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(1)
                .iterations(5)
                .invocationsPerIteration(60)
                .sequentialSpecification(DerivedSpec.class)
                .check(OpsWithDerived.class);
    }

    static String render(InputIngredient<Integer, Integer> in, View view) {
        StringBuilder sb = new StringBuilder();
        for (int key : KEYS) {
            in.get(view, key).ifPresent(v -> sb.append(sb.length() == 0 ? "" : ",").append(key).append('=').append(v));
        }
        return sb.toString();
    }

    /** Input mutations, batches and snapshots; Lincheck makes a new instance per scenario. */
    @Param(name = "key", gen = IntGen.class, conf = "1:3")
    @Param(name = "value", gen = IntGen.class, conf = "1:3")
    public static class Ops {

        final Database db = Database.create();
        final InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        /** A snapshot of the empty database, taken before any operation, then written on its own line. */
        final Snapshot side = db.snapshot();

        @Operation
        public void set(@Param(name = "key") int key, @Param(name = "value") int value) {
            in.set(db, key, value);
        }

        @Operation
        public void remove(@Param(name = "key") int key) {
            in.remove(db, key);
        }

        /** Sets two slots and empties one in one commit; a snapshot must see all of it or none. */
        @Operation
        public void batch(@Param(name = "key") int k1, @Param(name = "value") int v1, @Param(name = "key") int k2) {
            db.batch().set(in, k1, v1).set(in, k1 % 3 + 1, v1).remove(in, k2).commit();
        }

        /** Takes a snapshot and reads every slot through it. */
        @Operation
        public String snapshotRead() {
            return render(in, db.snapshot());
        }

        /** Takes a snapshot, writes to it, reads it: the write is visible there and nowhere else. */
        @Operation
        public String snapshotWrite(@Param(name = "key") int key, @Param(name = "value") int value) {
            Snapshot s = db.snapshot();
            in.set(s, key, value);
            return render(in, s);
        }

        @Operation
        public void sideSet(@Param(name = "key") int key, @Param(name = "value") int value) {
            in.set(side, key, value);
        }

        @Operation
        public String sideRead() {
            return render(in, side);
        }
    }

    /** {@link Ops} plus a derived query that renders the inputs, read on snapshots and the primary view. */
    public static class OpsWithDerived extends Ops {

        final DerivedIngredient<Integer, String> rendered = db.derived("rendered", Integer.class, String.class,
                (ctx, unit) -> render(in, ctx));

        /** Takes a snapshot and reads it twice: its inputs directly, then through the derived query. */
        @Operation
        public String snapshotDerived() {
            Snapshot s = db.snapshot();
            return render(in, s) + "|" + rendered.get(s, 0);
        }

        @Operation
        public String derived() {
            return rendered.get(db, 0);
        }

        @Operation
        public String sideDerived() {
            return rendered.get(side, 0);
        }

        /** One slot as text: a derived query that reads one input. */
        final DerivedIngredient<Integer, String> slot = db.derived("slot", Integer.class, String.class,
                (ctx, key) -> in.get(ctx, key).map(v -> key + "=" + v).orElse(""));

        /**
         * The same rendering through {@link #slot}, so that a read after a write reuses the unchanged slots in
         * place and checks the others (r[cell.revalidate]).
         */
        final DerivedIngredient<Integer, String> joined = db.derived("joined", Integer.class, String.class,
                (ctx, unit) -> {
                    StringBuilder sb = new StringBuilder();
                    for (int key : KEYS) {
                        String one = slot.get(ctx, key);
                        if (!one.isEmpty()) {
                            sb.append(sb.length() == 0 ? "" : ",").append(one);
                        }
                    }
                    return sb.toString();
                });

        @Operation
        public String joined() {
            return joined.get(db, 0);
        }

        /** Reads the joined rendering in a fresh snapshot, which resolves it in the database while it can. */
        @Operation
        public String snapshotJoined() {
            try (Snapshot s = db.snapshot()) {
                return render(in, s) + "|" + joined.get(s, 0);
            }
        }
    }

    /** The sequential specification of {@link Ops}: the primary view's slots and the long-lived snapshot's. */
    public static class Spec {

        final Map<Integer, Integer> primary = new TreeMap<>();
        final Map<Integer, Integer> side = new TreeMap<>();

        static String render(Map<Integer, Integer> slots) {
            StringBuilder sb = new StringBuilder();
            slots.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append('=').append(v));
            return sb.toString();
        }

        public void set(int key, int value) {
            primary.put(key, value);
        }

        public void remove(int key) {
            primary.remove(key);
        }

        public void batch(int k1, int v1, int k2) {
            primary.put(k1, v1);
            primary.put(k1 % 3 + 1, v1);
            primary.remove(k2);
        }

        public String snapshotRead() {
            return render(primary);
        }

        public String snapshotWrite(int key, int value) {
            Map<Integer, Integer> fork = new TreeMap<>(primary);
            fork.put(key, value);
            return render(fork);
        }

        public void sideSet(int key, int value) {
            side.put(key, value);
        }

        public String sideRead() {
            return render(side);
        }
    }

    /** The sequential specification of {@link OpsWithDerived}: a derived read renders its view's slots. */
    public static final class DerivedSpec extends Spec {

        public String snapshotDerived() {
            String s = render(primary);
            return s + "|" + s;
        }

        public String derived() {
            return render(primary);
        }

        public String sideDerived() {
            return render(side);
        }

        public String joined() {
            return render(primary);
        }

        public String snapshotJoined() {
            return snapshotDerived();
        }
    }
}
