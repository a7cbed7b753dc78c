package dev.picante.benchmarks.callgrind;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.picante.Batch;
import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The work of scenarios 1 (memo hit), 4a/4b (an input change whose one reader recomputes to an equal value,
 * with 1 or 10,000 dependents of that reader, none read: {@code EarlyCutoffFanOutBenchmark.changeAndRecompute})
 * and 7 (cold computation) without JMH, for counting instructions with
 * valgrind's callgrind, which counts the same on an idle or a loaded machine. {@code benchmarks/callgrind.sh}
 * runs each scenario twice, with N and 3N measured operations after the same warm-up, and divides the
 * difference of the totals by 2N: instructions per operation, JIT-compiled code and GC included, start-up
 * and warm-up cancelled out. Arguments: scenario, warm-up operations, measured operations.
 */
public final class InstructionCounts {

    static final int KEYS = 1024;
    static volatile Object sink;

    private InstructionCounts() {
    }

    public static void main(String[] args) {
        String scenario = args[0];
        int warm = Integer.parseInt(args[1]);
        int measured = Integer.parseInt(args[2]);
        Function<Integer, Object> op = switch (scenario) {
            case "hit-picante", "hit-caffeine", "hit-chm" -> hit(scenario);
            case "cold-picante", "cold-caffeine", "cold-plain" -> cold(scenario);
            case "cutoff-1" -> cutoff(1);
            case "cutoff-10000" -> cutoff(10_000);
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        };
        for (int round = 0; round < 20; round++) {
            run(op, round * (warm / 20), warm / 20);
        }
        run(op, warm, measured);
    }

    private static void run(Function<Integer, Object> op, int from, int count) {
        Object last = null;
        for (int i = from; i < from + count; i++) {
            last = op.apply(i);
        }
        sink = last;
    }

    private static Function<Integer, Object> hit(String scenario) {
        Database db = Database.create();
        InputIngredient<Integer, Long> seeds = db.input("seeds", Integer.class, Long.class);
        DerivedIngredient<Integer, Long> derived = db.derived("mixed", Integer.class, Long.class,
                (ctx, k) -> seeds.require(ctx, k) * 31);
        Cache<Integer, Long> caffeine = Caffeine.newBuilder().build();
        ConcurrentHashMap<Integer, Long> map = new ConcurrentHashMap<>();
        Integer[] keys = new Integer[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = i;
            seeds.set(db, keys[i], (long) i);
        }
        for (int i = 0; i < KEYS; i++) {
            Long value = derived.get(db, keys[i]);
            caffeine.put(keys[i], value);
            map.put(keys[i], value);
        }
        return switch (scenario) {
            case "hit-picante" -> i -> derived.get(db, keys[i & (KEYS - 1)]);
            case "hit-caffeine" -> i -> caffeine.getIfPresent(keys[i & (KEYS - 1)]);
            default -> i -> map.get(keys[i & (KEYS - 1)]);
        };
    }

    static int slot(int k, int which) {
        long x = k * 3L + which;
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        return (int) x & (KEYS - 1);
    }

    private static Function<Integer, Object> cold(String scenario) {
        Database db = Database.create();
        InputIngredient<Integer, Long> a = db.input("a", Integer.class, Long.class);
        InputIngredient<Integer, Long> b = db.input("b", Integer.class, Long.class);
        InputIngredient<Integer, Long> c = db.input("c", Integer.class, Long.class);
        DerivedIngredient<Integer, Long> sum3 = db.derived("sum3", Integer.class, Long.class,
                (ctx, k) -> a.require(ctx, slot(k, 0)) + b.require(ctx, slot(k, 1)) + c.require(ctx, slot(k, 2)));
        Map<Integer, Long> ma = new HashMap<>();
        Map<Integer, Long> mb = new HashMap<>();
        Map<Integer, Long> mc = new HashMap<>();
        Batch batch = db.batch();
        for (int i = 0; i < KEYS; i++) {
            batch.set(a, i, (long) i).set(b, i, (long) i * 3).set(c, i, (long) i * 7);
            ma.put(i, (long) i);
            mb.put(i, (long) i * 3);
            mc.put(i, (long) i * 7);
        }
        batch.commit();
        Cache<Integer, Long> caffeine = Caffeine.newBuilder().build();
        Function<Integer, Long> plain = k -> ma.get(slot(k, 0)) + mb.get(slot(k, 1)) + mc.get(slot(k, 2));
        return switch (scenario) {
            case "cold-picante" -> k -> sum3.get(db, k);
            case "cold-caffeine" -> k -> caffeine.get(k, plain);
            default -> k -> plain.apply(k);
        };
    }

    /** Scenario 4: the setup and operation of {@code EarlyCutoffFanOutBenchmark.changeAndRecompute}. */
    private static Function<Integer, Object> cutoff(int fanOut) {
        Database db = Database.create();
        InputIngredient<String, String> source = db.input("source", String.class, String.class);
        DerivedIngredient<String, Integer> words = db.derived("wordCount", String.class, Integer.class,
                (ctx, name) -> source.require(ctx, name).split("\\s+").length);
        DerivedIngredient<Integer, Long> dependents = db.derived("dependent", Integer.class, Long.class,
                (ctx, i) -> words.get(ctx, "doc") * 1_000_003L + i);
        String[] texts = {
            "incremental queries recompute only what an edit really affects",
            "incremental queries recompute only what a change really affects",
        };
        source.set(db, "doc", texts[0]);
        for (int i = 0; i < fanOut; i++) {
            dependents.get(db, i);
        }
        return i -> {
            source.set(db, "doc", texts[(i + 1) & 1]);
            return words.get(db, "doc");
        };
    }
}
