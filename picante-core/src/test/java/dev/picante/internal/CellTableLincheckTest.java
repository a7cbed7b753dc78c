package dev.picante.internal;

import dev.picante.Durability;
import dev.picante.Inspector.Outcome;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lincheck checks that the memo table's operations ({@link CellTable}: the lock-free {@code get} and the locked
 * writes) are linearizable against a {@code HashMap} of keys to cells. Six keys whose hash codes come in pairs,
 * in a table of 8 slots that holds at most 5 before it grows: probe chains are shared, removals leave
 * tombstones or end chains, and a sixth key or enough tombstones resize the array while others read it.
 * Cells are identified by (key, value): each pair has one cell object, so removal and replacement by identity
 * are {@code remove(k, v)} and {@code replace(k, old, new)} of the specification; a cell's value is also its
 * verified revision, which {@code putUnlessNewer} compares.
 */
// r[concurrency.linearizable]
@Param(name = "key", gen = IntGen.class, conf = "0:5")
@Param(name = "value", gen = IntGen.class, conf = "1:3")
public class CellTableLincheckTest {

    private static final Memo MEMO = Memo.value("v", Version.of(1), new Dependency[0], Durability.LOW);
    private static final int KEYS = 6;
    private static final int VALUES = 4;

    /**
     * The one cell of each (key, value): {@code cells[key][value]}; look-ups use the cells' own key objects. Made
     * per instance, inside the checked code: the model checker replaces some {@code hashCode()} results by
     * constants (for deterministic replays), so a hash must be computed there, of the same key object, as the
     * look-ups compute theirs.
     */
    private final Cell[][] cells = new Cell[KEYS][VALUES];

    private final CellTable table = new CellTable(0);

    public CellTableLincheckTest() {
        for (int k = 0; k < KEYS; k++) {
            for (int v = 0; v < VALUES; v++) {
                cells[k][v] = new Cell(new CellTableTest.Key(k, k / 2), MEMO, v, Outcome.COMPUTED, null, 0);
            }
        }
    }

    private static int valueOf(@org.jspecify.annotations.Nullable Cell cell) {
        return cell == null ? 0 : cell == CellTable.KEPT ? -1 : (int) cell.verifiedAt;
    }

    /** The value of the key's cell, 0 when absent. */
    @Operation
    public int get(@Param(name = "key") int key) {
        return valueOf(table.get(cells[key][0].key));
    }

    @Operation
    public int putIfAbsent(@Param(name = "key") int key, @Param(name = "value") int value) {
        return valueOf(table.putIfAbsent(cells[key][value]));
    }

    /** The value replaced (0: none), or -1 when the table kept a cell of a greater value. */
    @Operation
    public int putUnlessNewer(@Param(name = "key") int key, @Param(name = "value") int value) {
        return valueOf(table.putUnlessNewer(cells[key][value]));
    }

    @Operation
    public int put(@Param(name = "key") int key, @Param(name = "value") int value) {
        return valueOf(table.put(cells[key][value]));
    }

    @Operation
    public boolean replace(@Param(name = "key") int key, @Param(name = "value") int expected,
            @Param(name = "value") int value) {
        return table.replace(cells[key][expected], cells[key][value]);
    }

    @Operation
    public boolean remove(@Param(name = "key") int key, @Param(name = "value") int value) {
        return table.remove(cells[key][value]);
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void modelChecking() {
        new ModelCheckingOptions()
                // A resize (the sixth key) racing reads of keys already in and a removal in a shared chain.
                .addCustomScenario(scenario(
                        List.of(op("put", 0, 1), op("put", 1, 1), op("put", 2, 1), op("put", 3, 1),
                                op("put", 4, 1)),
                        List.of(List.of(op("put", 5, 2), op("remove", 2, 1)),
                                List.of(op("get", 3), op("get", 5), op("get", 2))),
                        List.of(op("get", 4))))
                // Removals ending and breaking a chain racing a read past them and a store into a freed slot.
                .addCustomScenario(scenario(
                        List.of(op("put", 0, 1), op("put", 1, 2), op("put", 2, 3)),
                        List.of(List.of(op("remove", 0, 1), op("putIfAbsent", 0, 3)),
                                List.of(op("get", 1), op("remove", 1, 2), op("get", 0))),
                        List.of(op("get", 2))))
                .threads(2)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(1)
                .iterations(30)
                .invocationsPerIteration(200)
                .invocationTimeout$lincheck(120_000)
                .sequentialSpecification(Spec.class)
                .check(CellTableLincheckTest.class);
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stress() {
        new StressOptions()
                .threads(3)
                .actorsPerThread(4)
                .actorsBefore(4)
                .actorsAfter(2)
                .iterations(20)
                .invocationsPerIteration(500)
                .sequentialSpecification(Spec.class)
                .check(CellTableLincheckTest.class);
    }

    private static Actor op(String name, Object... args) {
        for (Method m : CellTableLincheckTest.class.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                return new Actor(m, Arrays.asList(args), false, false, false, false, false);
            }
        }
        throw new IllegalArgumentException("no operation " + name + "/" + args.length);
    }

    private static ExecutionScenario scenario(List<Actor> init, List<List<Actor>> threads, List<Actor> post) {
        return new ExecutionScenario(init, threads, post, null);
    }

    /** The sequential specification: a map of keys to values. */
    public static final class Spec {

        private final Map<Integer, Integer> map = new HashMap<>();

        private int valueOf(Integer value) {
            return value == null ? 0 : value;
        }

        public int get(int key) {
            return valueOf(map.get(key));
        }

        public int putIfAbsent(int key, int value) {
            return valueOf(map.putIfAbsent(key, value));
        }

        public int putUnlessNewer(int key, int value) {
            Integer existing = map.get(key);
            if (existing != null && existing > value) {
                return -1;
            }
            map.put(key, value);
            return valueOf(existing);
        }

        public int put(int key, int value) {
            return valueOf(map.put(key, value));
        }

        public boolean replace(int key, int expected, int value) {
            return map.replace(key, expected, value);
        }

        public boolean remove(int key, int value) {
            return map.remove(key, value);
        }
    }
}
