package dev.picante.benchmarks;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.Durability;
import dev.picante.InputIngredient;
import java.util.HashMap;
import java.util.Map;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scenario 3: re-get the top of a 1,000-deep chain after a change to an input it does not depend on.
 * {@code chain(i)} reads {@code chainInput(i)} and {@code chain(i - 1)}. Before each measured call, an
 * unrelated LOW input is set (a JMH {@code Level.Invocation} setup, not timed), so the measured call is
 * the re-get alone:
 *
 * <ul>
 *   <li>{@code chainInputs=LOW}: the top's memo must be revalidated by walking its 1,000 dependencies;
 *   <li>{@code chainInputs=HIGH}: nothing of HIGH durability changed, so the durability shortcut
 *       re-verifies the top without a walk.
 * </ul>
 *
 * <p>Goal: HIGH at least 100x faster than LOW. The peer {@code recomputeFromScratch} evaluates the same
 * 1,000 levels as plain method calls over a {@link HashMap} of the inputs. The teardown fails the run if
 * the chain was ever recomputed.
 *
 * <p>Run alone: {@code bash benchmarks/run.sh UnrelatedChangeChainBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Xss16m"})
@State(Scope.Thread)
public class UnrelatedChangeChainBenchmark {

    static final int DEPTH = 1000;

    @Param({"LOW", "HIGH"})
    public Durability chainInputs;

    Database db;
    InputIngredient<Integer, Long> unrelated;
    DerivedIngredient<Integer, Long> chain;
    Integer top;
    long computations;
    long changes;
    Map<Integer, Long> plainInputs;

    @Setup(Level.Trial)
    public void setUp() {
        db = Database.create();
        InputIngredient<Integer, Long> inputs = db.input("chainInput", Integer.class, Long.class, chainInputs);
        unrelated = db.input("unrelated", Integer.class, Long.class, Durability.LOW);
        DerivedIngredient<Integer, Long>[] self = newArray();
        chain = db.derived("chain", Integer.class, Long.class, (ctx, i) -> {
            computations++;
            long below = i == 0 ? 0 : self[0].get(ctx, i - 1);
            return level(below, inputs.require(ctx, i));
        });
        self[0] = chain;
        plainInputs = new HashMap<>();
        for (int i = 0; i < DEPTH; i++) {
            inputs.set(db, i, (long) i);
            plainInputs.put(i, (long) i);
        }
        unrelated.set(db, 0, 0L);
        // Bottom-up, so no computation recurses 1,000 levels deep.
        for (int i = 0; i < DEPTH; i++) {
            chain.get(db, i);
        }
        top = DEPTH - 1;
        Work.check(chain.get(db, top) == recomputeFromScratch(), "picante and the plain chain disagree");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static DerivedIngredient<Integer, Long>[] newArray() {
        return new DerivedIngredient[1];
    }

    static long level(long below, long input) {
        return below * 31 + input;
    }

    @Setup(Level.Invocation)
    public void changeUnrelatedInput() {
        unrelated.set(db, 0, ++changes);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Work.check(computations == DEPTH, "the chain was recomputed (" + computations + " computations for "
                + DEPTH + " levels) although only an unrelated input changed");
    }

    @Benchmark
    public Long picante() {
        return chain.get(db, top);
    }

    @Benchmark
    public long recomputeFromScratch() {
        long value = 0;
        for (int i = 0; i < DEPTH; i++) {
            value = level(value, plainInputs.get(i));
        }
        return value;
    }
}
