package dev.picante.benchmarks;

import dev.picante.Batch;
import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.Revision;
import dev.picante.Snapshot;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scenario 5: snapshot creation in a database of {@code size} inputs and {@code size} memoized derived
 * results (one per input). Each measured operation creates a snapshot, reads its revision and closes it
 * ({@link Snapshot} is {@code AutoCloseable}), so creation and close are measured together. Goal: flat,
 * 1,000,000 at most 2x 10,000.
 *
 * <p>The peer {@code copyConcurrentHashMap} is what a snapshot costs when it is a copy: a new
 * {@link ConcurrentHashMap} of the same {@code size} entries.
 *
 * <p>Run alone: {@code bash benchmarks/run.sh SnapshotCreationBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
@State(Scope.Benchmark)
public class SnapshotCreationBenchmark {

    @Param({"10000", "100000", "1000000"})
    public int size;

    Database db;
    ConcurrentHashMap<Integer, Long> map;

    @Setup(Level.Trial)
    public void setUp() {
        db = Database.create();
        InputIngredient<Integer, Long> inputs = db.input("values", Integer.class, Long.class);
        DerivedIngredient<Integer, Long> doubled = db.derived("doubled", Integer.class, Long.class,
                (ctx, k) -> inputs.require(ctx, k) * 2);
        map = new ConcurrentHashMap<>();
        Batch batch = db.batch();
        for (int i = 0; i < size; i++) {
            batch.set(inputs, i, (long) i);
            map.put(i, (long) i);
        }
        batch.commit();
        for (int i = 0; i < size; i++) {
            doubled.get(db, i);
        }
        Work.check(db.inspector().ingredient("doubled").entries() == size, "not every memo is held");
    }

    @Benchmark
    public Revision createAndClose() {
        try (Snapshot snapshot = db.snapshot()) {
            return snapshot.revision();
        }
    }

    @Benchmark
    public ConcurrentHashMap<Integer, Long> copyConcurrentHashMap() {
        return new ConcurrentHashMap<>(map);
    }
}
