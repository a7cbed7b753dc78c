package dev.picante.benchmarks.footprint;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.picante.Batch;
import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jol.info.GraphLayout;

/**
 * Retained bytes per memo (picante) and per entry (Caffeine), beyond the key and the value, measured with
 * JOL's {@link GraphLayout}: everything reachable from the database (or cache) after N results, minus the
 * same before them, minus the N keys and values themselves, divided by N. The inputs a memo reads are set
 * before the first measurement, so they are not counted (they are the data, shared by every reader), and
 * every read passes the input's own key object.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.picante.benchmarks.footprint.MemoFootprint [N]</pre>
 *
 * With {@code -Dfootprint.classes=true}, also prints, per picante case, the objects the N memos added by class
 * (JOL's footprint table of the difference), keys and values included.
 *
 * Prints one line per case: a derived query reading 1, 3 and 30 inputs, with the shared cache of finished
 * results off (picante's own tables only) and at its default bound, and Caffeine's unbounded and
 * size-bounded caches holding the same keys and values.
 */
public final class MemoFootprint {

    private static final int INPUTS = 1024;
    /**
     * The input keys, boxed once: a memo keeps the key object of each read, so a read boxing a new Integer
     * would add that Integer to every memo (a cost of the caller's keys, not of the engine).
     */
    private static final Integer[] INPUT_KEYS = new Integer[INPUTS];

    static {
        for (int i = 0; i < INPUTS; i++) {
            INPUT_KEYS[i] = 1_000 + i;
        }
    }

    private MemoFootprint() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        for (int reads : new int[] {1, 3, 30}) {
            System.out.printf("picante, %2d dependencies, shared cache off:       %6.1f B per memo%n", reads,
                    picante(n, reads, 0));
        }
        System.out.printf("picante,  3 dependencies, shared cache 10,000:    %6.1f B per memo (N = %d)%n",
                picante(n, 3, 10_000), n);
        System.out.printf("Caffeine, unbounded (Caffeine.newBuilder().build()): %6.1f B per entry%n", caffeine(n, false));
        System.out.printf("Caffeine, maximumSize(N):                            %6.1f B per entry%n", caffeine(n, true));
    }

    static Integer slot(int k, int which) {
        long x = k * 31L + which;
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        return INPUT_KEYS[(int) (x & (INPUTS - 1))];
    }

    private static double picante(int n, int reads, int sharedEntries) {
        Database db = Database.builder().sharedCacheMaxEntries(sharedEntries).build();
        InputIngredient<Integer, Long> in = db.input("in", Integer.class, Long.class);
        DerivedIngredient<Integer, Long> sum = db.derived("sum", Integer.class, Long.class, (ctx, k) -> {
            long total = k;
            for (int i = 0; i < reads; i++) {
                total += in.require(ctx, slot(k, i));
            }
            return total;
        });
        Batch batch = db.batch();
        for (int i = 0; i < INPUTS; i++) {
            batch.set(in, INPUT_KEYS[i], (long) i);
        }
        batch.commit();
        // Warm the table's structures (the first memo makes the table), then measure N more.
        sum.get(db, -1);
        List<Integer> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(1_000_000 + i); // not in Integer's cache: one key object per memo
        }
        GraphLayout beforeLayout = GraphLayout.parseInstance(db);
        long before = beforeLayout.totalSize();
        List<Long> values = new ArrayList<>(n);
        for (Integer key : keys) {
            values.add(sum.get(db, key));
        }
        GraphLayout afterLayout = GraphLayout.parseInstance(db);
        long after = afterLayout.totalSize();
        if (Boolean.getBoolean("footprint.classes")) {
            // What the N memos added, by class (keys and values included): where the bytes per memo go.
            System.out.printf("%d dependencies, shared cache %d, objects added by %d memos:%n%s%n", reads,
                    sharedEntries, n, afterLayout.subtract(beforeLayout).toFootprint());
        }
        long data = GraphLayout.parseInstance(keys.toArray(), values.toArray()).totalSize()
                - GraphLayout.parseInstance(new Object[n], new Object[n]).totalSize();
        return (after - before - data) / (double) n;
    }

    private static double caffeine(int n, boolean bounded) {
        Caffeine<Object, Object> builder = Caffeine.newBuilder();
        if (bounded) {
            builder.maximumSize(n);
        }
        Cache<Integer, Long> cache = builder.build();
        cache.put(-1, -1L);
        cache.cleanUp();
        List<Integer> keys = new ArrayList<>(n);
        List<Long> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(1_000_000 + i);
            values.add(1_000_000L + i);
        }
        long before = GraphLayout.parseInstance(cache).totalSize();
        for (int i = 0; i < n; i++) {
            cache.put(keys.get(i), values.get(i));
        }
        cache.cleanUp();
        long after = GraphLayout.parseInstance(cache).totalSize();
        long data = GraphLayout.parseInstance(keys.toArray(), values.toArray()).totalSize()
                - GraphLayout.parseInstance(new Object[n], new Object[n]).totalSize();
        return (after - before - data) / (double) n;
    }
}
