package dev.picante;

import static dev.picante.LincheckScenarios.op;
import static dev.picante.LincheckScenarios.scenario;

import java.util.ArrayList;
import java.util.List;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lincheck checks that {@code intern} and {@code lookup}, called through the primary view and through a
 * snapshot, are jointly linearizable against {@link Spec}: one append-only list per database, ids dense
 * from 0 in order of first intern (ENGINE-CONTRACT.md). Racing interns of equal values get one id, an id
 * means the same value in every view, and interning never moves a revision.
 *
 * <p>The model checker explores two hand-written scenarios (equal values interned at once through two
 * views; different values racing for the next ids), the stress runner random scenarios of 2 threads.
 */
// r[concurrency.linearizable]
// r[intern.concurrent]
// r[intern.dedup]
// r[intern.immutable]
// r[intern.shared-visibility]
// r[intern.no-revision]
@Param(name = "value", gen = IntGen.class, conf = "0:3")
@Param(name = "id", gen = IntGen.class, conf = "0:3")
public class InternLincheckTest {

    private final Database db = Database.create();
    private final InternedIngredient<String> names = db.interned("names", String.class);
    private final Snapshot snapshot = db.snapshot();

    @Operation
    public int intern(@Param(name = "value") int value) {
        return names.intern(db, "v" + value).value();
    }

    @Operation
    public int internOnSnapshot(@Param(name = "value") int value) {
        return names.intern(snapshot, "v" + value).value();
    }

    /** Returns the value, or "unknown" for an id never issued (IllegalArgumentException). */
    @Operation
    public String lookup(@Param(name = "id") int id) {
        try {
            return names.lookup(db, new InternId(id));
        } catch (IllegalArgumentException e) {
            return "unknown";
        }
    }

    @Operation
    public String lookupOnSnapshot(@Param(name = "id") int id) {
        try {
            return names.lookup(snapshot, new InternId(id));
        } catch (IllegalArgumentException e) {
            return "unknown";
        }
    }

    /** Both views' revisions: interning never advances them. */
    @Operation
    public String revisions() {
        return db.revision().value() + "/" + snapshot.revision().value();
    }

    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void modelChecking() {
        Class<?> t = InternLincheckTest.class;
        new ModelCheckingOptions()
                // Equal values interned at once through two views get one id, visible in both.
                .addCustomScenario(scenario(List.of(),
                        List.of(List.of(op(t, "intern", 1), op(t, "lookupOnSnapshot", 0)),
                                List.of(op(t, "internOnSnapshot", 1), op(t, "lookup", 0))),
                        List.of(op(t, "intern", 2), op(t, "revisions"))))
                // Different values racing for the next ids.
                .addCustomScenario(scenario(List.of(op(t, "intern", 0)),
                        List.of(List.of(op(t, "intern", 1), op(t, "intern", 2)),
                                List.of(op(t, "internOnSnapshot", 2), op(t, "lookup", 1))),
                        List.of(op(t, "lookupOnSnapshot", 2))))
                .threads(2)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(1)
                .iterations(0)
                .invocationsPerIteration(30)
                .sequentialSpecification(Spec.class)
                .check(InternLincheckTest.class);
    }

    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stress() {
        LincheckScenarios.checkUnderStress(InternLincheckTest.class, Spec.class);
    }

    /** The sequential specification: one append-only table shared by every view. */
    public static final class Spec {

        private final List<String> table = new ArrayList<>();

        public int intern(int value) {
            String v = "v" + value;
            int id = table.indexOf(v);
            if (id < 0) {
                table.add(v);
                id = table.size() - 1;
            }
            return id;
        }

        public int internOnSnapshot(int value) {
            return intern(value);
        }

        public String lookup(int id) {
            return id < table.size() ? table.get(id) : "unknown";
        }

        public String lookupOnSnapshot(int id) {
            return lookup(id);
        }

        public String revisions() {
            return "0/0";
        }
    }
}
