package dev.picante.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.picante.Batch;
import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import java.util.HashMap;
import java.util.Map;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scenario 7: the overhead of a cold computation over calling the plain method. The query
 * {@code sum3(k)} reads three inputs ({@code a}, {@code b}, {@code c}, each with 1,024 keys, at keys
 * spread by a hash of {@code k}) and adds them: three dependencies. Every measured call asks a key never asked before, so picante computes and
 * memoizes it (with a fresh database per iteration, so the memo table starts empty each second).
 * {@code plainMethod} is the same function over three {@link HashMap}s. Goal: picante minus plain at most
 * 2 us.
 *
 * <p>Peers with the same cold keys: Caffeine {@code Cache.get(key, loader)} and
 * {@code ConcurrentHashMap.computeIfAbsent} with the plain method as loader.
 *
 * <p>Run alone: {@code bash benchmarks/run.sh ColdComputationOverheadBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
@State(Scope.Thread)
public class ColdComputationOverheadBenchmark {

    static final int INPUTS = 1024;

    Database db;
    DerivedIngredient<Integer, Long> sum3;
    Map<Integer, Long> a;
    Map<Integer, Long> b;
    Map<Integer, Long> c;
    Cache<Integer, Long> caffeine;
    ConcurrentHashMap<Integer, Long> map;
    int next;

    @Setup(Level.Iteration)
    public void setUp() {
        db = Database.create();
        InputIngredient<Integer, Long> inA = db.input("a", Integer.class, Long.class);
        InputIngredient<Integer, Long> inB = db.input("b", Integer.class, Long.class);
        InputIngredient<Integer, Long> inC = db.input("c", Integer.class, Long.class);
        sum3 = db.derived("sum3", Integer.class, Long.class, (ctx, k) -> inA.require(ctx, slot(k, 0))
                + inB.require(ctx, slot(k, 1)) + inC.require(ctx, slot(k, 2)));
        a = new HashMap<>();
        b = new HashMap<>();
        c = new HashMap<>();
        Batch batch = db.batch();
        for (int i = 0; i < INPUTS; i++) {
            batch.set(inA, i, (long) i).set(inB, i, (long) i * 3).set(inC, i, (long) i * 7);
            a.put(i, (long) i);
            b.put(i, (long) i * 3);
            c.put(i, (long) i * 7);
        }
        batch.commit();
        caffeine = Caffeine.newBuilder().build();
        map = new ConcurrentHashMap<>();
        next = 0;
    }

    /**
     * The input key the query with key {@code k} reads from input {@code which}: spread by a hash, so the
     * keys reading one input are not all congruent modulo 1,024 (a stride that makes hash tables keyed by
     * the readers collide).
     */
    static int slot(int k, int which) {
        return (int) Work.mix(k * 3L + which, 1) & (INPUTS - 1);
    }

    long plain(int k) {
        return a.get(slot(k, 0)) + b.get(slot(k, 1)) + c.get(slot(k, 2));
    }

    @Benchmark
    public Long picante() {
        return sum3.get(db, next++);
    }

    @Benchmark
    public long plainMethod() {
        return plain(next++);
    }

    @Benchmark
    public Long caffeineGet() {
        return caffeine.get(next++, this::plain);
    }

    @Benchmark
    public Long concurrentHashMapComputeIfAbsent() {
        return map.computeIfAbsent(next++, this::plain);
    }
}
