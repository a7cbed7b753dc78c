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
 * Scenario 6, hot key: 1, 2 and 64 threads read one memoized key as fast as they can (throughput, all
 * threads together). Goal: throughput with 2 threads at least 1.6x that with 1 thread. The machine has 2
 * cores, so 64 threads show contention, not more parallelism. Peers: an unbounded Caffeine cache
 * ({@code getIfPresent}) and a {@link ConcurrentHashMap} holding the same value.
 *
 * <p>Run alone: {@code bash benchmarks/run.sh HotKeyScalingBenchmark}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class HotKeyScalingBenchmark {

    Database db;
    DerivedIngredient<String, Long> derived;
    Cache<String, Long> caffeine;
    ConcurrentHashMap<String, Long> map;
    final String key = "hot";

    @Setup(Level.Trial)
    public void setUp() {
        db = Database.create();
        InputIngredient<String, Long> seeds = db.input("seeds", String.class, Long.class);
        seeds.set(db, key, 7L);
        derived = db.derived("hot", String.class, Long.class, (ctx, k) -> Work.mix(seeds.require(ctx, k), 8));
        Long value = derived.get(db, key);
        caffeine = Caffeine.newBuilder().build();
        caffeine.put(key, value);
        map = new ConcurrentHashMap<>();
        map.put(key, value);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long computed = db.inspector().ingredient("hot").counters().computations();
        Work.check(computed == 1, "the hot key was computed " + computed + " times");
    }

    @Benchmark
    @Threads(1)
    public Long picante1Thread() {
        return derived.get(db, key);
    }

    @Benchmark
    @Threads(2)
    public Long picante2Threads() {
        return derived.get(db, key);
    }

    @Benchmark
    @Threads(64)
    public Long picante64Threads() {
        return derived.get(db, key);
    }

    @Benchmark
    @Threads(1)
    public Long caffeine1Thread() {
        return caffeine.getIfPresent(key);
    }

    @Benchmark
    @Threads(2)
    public Long caffeine2Threads() {
        return caffeine.getIfPresent(key);
    }

    @Benchmark
    @Threads(1)
    public Long concurrentHashMap1Thread() {
        return map.get(key);
    }

    @Benchmark
    @Threads(2)
    public Long concurrentHashMap2Threads() {
        return map.get(key);
    }
}
