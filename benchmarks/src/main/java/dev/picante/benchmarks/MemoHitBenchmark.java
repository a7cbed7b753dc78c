package dev.picante.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scenario 1: a memo hit on the core API, warm, on one thread. {@code picante} reads a derived query whose
 * 1,024 keys are all memoized and valid; the peers read the same keys, holding the same values, from an
 * unbounded Caffeine cache ({@code getIfPresent}) and from a plain {@link ConcurrentHashMap}. Goal:
 * picante at most 1.5x Caffeine.
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar MemoHitBenchmark} (after
 * {@code bash benchmarks/run.sh --build-only}, or {@code bash benchmarks/run.sh MemoHitBenchmark}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
@State(Scope.Thread)
public class MemoHitBenchmark {

    static final int KEYS = 1024;

    Database db;
    DerivedIngredient<Integer, Long> derived;
    Cache<Integer, Long> caffeine;
    ConcurrentHashMap<Integer, Long> map;
    Integer[] keys;
    long computations;
    int next;

    @Setup(Level.Trial)
    public void setUp() {
        db = Database.create();
        InputIngredient<Integer, Long> seeds = db.input("seeds", Integer.class, Long.class);
        derived = db.derived("mixed", Integer.class, Long.class, (ctx, k) -> {
            computations++;
            return Work.mix(seeds.require(ctx, k), 8);
        });
        caffeine = Caffeine.newBuilder().build();
        map = new ConcurrentHashMap<>();
        keys = new Integer[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = i;
            seeds.set(db, keys[i], (long) i);
            Long value = derived.get(db, keys[i]);
            caffeine.put(keys[i], value);
            map.put(keys[i], value);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Work.check(computations == KEYS, "picante computed " + computations + " times for " + KEYS
                + " keys: the measured reads were not all hits");
    }

    private Integer nextKey() {
        int i = next;
        next = (i + 1) & (KEYS - 1);
        return keys[i];
    }

    @Benchmark
    public Long picante() {
        return derived.get(db, nextKey());
    }

    @Benchmark
    public Long caffeineGetIfPresent() {
        return caffeine.getIfPresent(nextKey());
    }

    @Benchmark
    public Long concurrentHashMapGet() {
        return map.get(nextKey());
    }

    final java.util.concurrent.atomic.LongAdder hits = new java.util.concurrent.atomic.LongAdder();

    /**
     * A control, not a peer: a {@link ConcurrentHashMap} read plus a {@link java.util.concurrent.atomic.LongAdder}
     * increment, the hit counter picante's hit path used before it counted hits in per-thread slots.
     */
    @Benchmark
    public Long concurrentHashMapGetAndCountHit() {
        Long value = map.get(nextKey());
        hits.increment();
        return value;
    }
}
