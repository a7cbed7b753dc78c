package dev.picante.benchmarks;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.Inspector.Counters;
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
 * Scenario 4: early cutoff. An input {@code source} holds a text; {@code wordCount} counts its words;
 * {@code fanOut} dependents {@code dependent(i)} each read {@code wordCount} and do a little work
 * ({@link Work#mix} with 64 rounds). Every measured change rewrites the text to another one with the same
 * number of words, so {@code wordCount} recomputes to an equal value and no dependent may recompute.
 *
 * <ul>
 *   <li>{@code changeAndRecompute} (fanOut 1 and 10,000): set the text, get {@code wordCount}. Goal: zero
 *       dependents recomputed, and the time proportional to the one recompute, not the fan-out (read as:
 *       fanOut=10,000 at most 2x fanOut=1).
 *   <li>{@code changeAndRefreshAllDependents} (10,000): set the text, then get every dependent, which
 *       revalidates each without computing; peer {@code recomputeFromScratch} computes the word count and
 *       the 10,000 dependents as plain method calls.
 * </ul>
 *
 * <p>The teardown fails the run loudly if any dependent was computed more than once, or if a
 * {@code wordCount} recompute did not end in an early cutoff.
 *
 * <p>Run alone: {@code bash benchmarks/run.sh EarlyCutoffFanOutBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class EarlyCutoffFanOutBenchmark {

    static final String[] TEXTS = {
        "incremental queries recompute only what an edit really affects",
        "incremental queries recompute only what a change really affects",
    };

    static int wordCount(String text) {
        return text.split("\\s+").length;
    }

    static long dependent(int count, int i) {
        return Work.mix(count * 1_000_003L + i, 64);
    }

    /** A database with the word count computed and {@code fanOut} dependents memoized. */
    public abstract static class Graph {

        Database db;
        InputIngredient<String, String> source;
        DerivedIngredient<String, Integer> words;
        DerivedIngredient<Integer, Long> dependents;
        Integer[] keys;
        long changes;
        long plainChanges;

        abstract int fanOut();

        @Setup(Level.Trial)
        public void setUp() {
            db = Database.create();
            source = db.input("source", String.class, String.class);
            words = db.derived("wordCount", String.class, Integer.class,
                    (ctx, name) -> wordCount(source.require(ctx, name)));
            dependents = db.derived("dependent", Integer.class, Long.class,
                    (ctx, i) -> dependent(words.get(ctx, "doc"), i));
            source.set(db, "doc", TEXTS[0]);
            keys = new Integer[fanOut()];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = i;
                dependents.get(db, keys[i]);
            }
        }

        void change() {
            source.set(db, "doc", TEXTS[(int) (++changes & 1)]);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (Integer key : keys) {
                dependents.get(db, key);
            }
            Counters dependent = db.inspector().ingredient("dependent").counters();
            Counters count = db.inspector().ingredient("wordCount").counters();
            Work.check(dependent.computations() == keys.length, dependent.computations()
                    + " computations of " + keys.length + " dependents: early cutoff did not hold them");
            Work.check(count.computations() == changes + 1 && count.earlyCutoffs() == changes,
                    "wordCount: " + count + " after " + changes + " changes; every recompute must cut off");
        }
    }

    /** The fan-out as a parameter, for the proportionality check. */
    @State(Scope.Thread)
    public static class FanOut extends Graph {

        @Param({"1", "10000"})
        public int fanOut;

        @Override
        int fanOut() {
            return fanOut;
        }
    }

    /** A fan-out of 10,000. */
    @State(Scope.Thread)
    public static class TenThousand extends Graph {

        @Override
        int fanOut() {
            return 10_000;
        }
    }

    @Benchmark
    public Integer changeAndRecompute(FanOut graph) {
        graph.change();
        return graph.words.get(graph.db, "doc");
    }

    @Benchmark
    public long changeAndRefreshAllDependents(TenThousand graph) {
        graph.change();
        long sum = 0;
        for (Integer key : graph.keys) {
            sum += graph.dependents.get(graph.db, key);
        }
        return sum;
    }

    /** The peer: no memoization; the word count and every dependent are computed again. */
    @Benchmark
    public long recomputeFromScratch(TenThousand graph) {
        String text = TEXTS[(int) (++graph.plainChanges & 1)];
        int count = wordCount(text);
        long sum = 0;
        for (int i = 0; i < graph.keys.length; i++) {
            sum += dependent(count, i);
        }
        return sum;
    }
}
