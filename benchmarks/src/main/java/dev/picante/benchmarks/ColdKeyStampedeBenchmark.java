package dev.picante.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scenario 6, cold key: 64 threads ask for one key nobody has computed yet, all at once. One measured
 * operation is one stampede: a new key, released to 64 threads (63 parked workers and the benchmark
 * thread) by a {@link Phaser}, and the time until all 64 have the value. The computation is
 * {@link Work#mix} with 20,000 rounds. Goal: exactly one computation per stampede, checked after every
 * operation (the run fails loudly otherwise).
 *
 * <p>Peers: Caffeine {@code Cache.get(key, loader)} and {@code ConcurrentHashMap.computeIfAbsent}, both
 * single-flight too, and {@code recompute}, where each of the 64 threads computes the value itself.
 *
 * <p>Run alone: {@code bash benchmarks/run.sh ColdKeyStampedeBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class ColdKeyStampedeBenchmark {

    static final int THREADS = 64;
    static final int ROUNDS = 20_000;

    Database db;
    DerivedIngredient<Long, Long> derived;
    Cache<Long, Long> caffeine;
    ConcurrentHashMap<Long, Long> map;
    final AtomicLong computations = new AtomicLong();
    long stampedes;
    Stampede stampede;

    @Setup(Level.Trial)
    public void setUp() {
        db = Database.create();
        InputIngredient<String, Long> seed = db.input("seed", String.class, Long.class);
        seed.set(db, "seed", 42L);
        derived = db.derived("cold", Long.class, Long.class, (ctx, key) -> compute(key + seed.require(ctx, "seed")));
        caffeine = Caffeine.newBuilder().build();
        map = new ConcurrentHashMap<>();
        stampede = new Stampede(THREADS);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stampede.close();
    }

    long compute(long key) {
        computations.incrementAndGet();
        return Work.mix(key, ROUNDS);
    }

    private long run(LongConsumer ask, boolean singleFlight) {
        long key = ++stampedes;
        long before = computations.get();
        stampede.run(() -> ask.accept(key));
        long computed = computations.get() - before;
        Work.check(computed == (singleFlight ? 1 : THREADS), THREADS + " threads asking cold key " + key
                + " computed it " + computed + " times");
        return key;
    }

    @Benchmark
    public long picante() {
        return run(key -> derived.get(db, key), true);
    }

    @Benchmark
    public long caffeineGet() {
        return run(key -> caffeine.get(key, k -> compute(k + 42)), true);
    }

    @Benchmark
    public long concurrentHashMapComputeIfAbsent() {
        return run(key -> map.computeIfAbsent(key, k -> compute(k + 42)), true);
    }

    @Benchmark
    public long recompute() {
        return run(key -> compute(key + 42), false);
    }

    /** 63 parked worker threads and the caller, released together for each task. */
    static final class Stampede implements AutoCloseable {

        private final Phaser phaser;
        private final Thread[] workers;
        private volatile Runnable task = () -> { };
        private volatile boolean stopped;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Stampede(int threads) {
            phaser = new Phaser(threads);
            workers = new Thread[threads - 1];
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Thread(this::work, "stampede-" + i);
                workers[i].setDaemon(true);
                workers[i].start();
            }
        }

        private void work() {
            while (true) {
                phaser.arriveAndAwaitAdvance();
                if (stopped) {
                    phaser.arriveAndDeregister();
                    return;
                }
                try {
                    task.run();
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
                phaser.arriveAndAwaitAdvance();
            }
        }

        void run(Runnable job) {
            task = job;
            phaser.arriveAndAwaitAdvance();
            job.run();
            phaser.arriveAndAwaitAdvance();
            Throwable t = failure.get();
            if (t != null) {
                throw new IllegalStateException("a stampede thread failed", t);
            }
        }

        @Override
        public void close() {
            stopped = true;
            phaser.arriveAndDeregister();
        }
    }
}
