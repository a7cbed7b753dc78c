package dev.picante;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Inspector.CellInfo;
import dev.picante.Inspector.IngredientKind;
import dev.picante.Inspector.IngredientInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Derived queries: revision binding, dependency recording, revalidation, early cutoff, {@code changed_at},
 * kinds and the explicit query context.
 *
 * <p>The revision-binding tests use two threads staged by latches, never sleeps:
 *
 * <pre>
 * worker: get(pair) -> compute reads a @R1 -> entered.countDown() -> release.await() -> reads b (still @R1)
 * main:                                       entered.await() -> set a, b (view moves to R2) -> release.countDown()
 * main:   worker's result is the R1 value; a later get at R2 recomputes with the R2 inputs
 * </pre>
 */
@Timeout(10)
class DerivedTest {

    record Pair(int x, int y) {
    }

    // ---------------------------------------------------------------- revision binding, concurrency

    @Test
    void computationKeepsReadingItsRevisionWhileTheViewAdvances() throws Exception {
        // r[derived.revision-binding]
        Database db = Database.create();
        InputIngredient<String, Integer> in = db.input("in", String.class, Integer.class);
        DerivedIngredient<String, Integer> doubled = db.derived("doubled", String.class, Integer.class,
                (ctx, k) -> 2 * in.require(ctx, k));
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<Revision> revisionAfterRelease = new AtomicReference<>();
        DerivedIngredient<String, String> pair = db.derived("pair", String.class, String.class, (ctx, k) -> {
            int run = runs.incrementAndGet();
            int a = in.require(ctx, "a");
            if (run == 1) {
                entered.countDown();
                if (!release.await(5, SECONDS)) {
                    throw new IllegalStateException("release was never signalled");
                }
                revisionAfterRelease.set(ctx.revision());
            }
            // read after the view moved on: an input and a derived query never computed before
            int b = in.require(ctx, "b");
            int db2 = doubled.get(ctx, "b");
            return a + "," + b + "," + db2;
        });
        in.set(db, "a", 1);
        Revision r1 = in.set(db, "b", 1);

        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> pair.get(db, "k"), worker);
            assertThat(entered.await(5, SECONDS)).as("compute started").isTrue();
            in.set(db, "a", 2);
            Revision r2 = in.set(db, "b", 2);
            assertThat(r2).isGreaterThan(r1);
            release.countDown();

            assertThat(first.get(5, SECONDS)).as("evaluated as of R1").isEqualTo("1,1,2");
            assertThat(revisionAfterRelease.get()).as("ctx.revision() stays R1").isEqualTo(r1);
            assertThat(db.revision()).isEqualTo(r2);
            // a later access at R2 is a separate access
            assertThat(pair.get(db, "k")).isEqualTo("2,2,4");
            assertThat(doubled.get(db, "b")).isEqualTo(4);
            assertThat(runs).hasValue(2);
        } finally {
            release.countDown();
            worker.shutdownNow();
        }
    }

    @Test
    void snapshotTakenBeforeAMutationKeepsEvaluatingAtItsRevision() {
        // r[derived.revision-binding]
        Database db = Database.create();
        InputIngredient<String, Integer> in = db.input("in", String.class, Integer.class);
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, Integer> plusOne = db.derived("plusOne", String.class, Integer.class,
                (ctx, k) -> {
                    runs.incrementAndGet();
                    return in.require(ctx, k) + 1;
                });
        in.set(db, "a", 10);
        Snapshot before = db.snapshot();
        in.set(db, "a", 20);

        assertThat(plusOne.get(before, "a")).isEqualTo(11);
        assertThat(plusOne.get(db, "a")).isEqualTo(21);
        assertThat(plusOne.get(before, "a")).isEqualTo(11);
        assertThat(runs).hasValue(2);
    }

    @Test
    void concurrentReadersSeeWholeRevisionsInRealTimeOrder() throws Exception {
        // r[derived.concurrent]
        // The writer sets x then y, one revision each, so every state has y == x or y == x - 1.
        // A computation that mixed revisions could see y > x; a reader must never go backwards.
        Database db = Database.create();
        InputIngredient<String, Integer> in = db.input("in", String.class, Integer.class);
        DerivedIngredient<String, Pair> pair = db.derived("pair", String.class, Pair.class,
                (ctx, k) -> {
                    int x = in.require(ctx, "x");
                    Thread.yield();
                    int y = in.require(ctx, "y");
                    return new Pair(x, y);
                });
        in.set(db, "x", 0);
        in.set(db, "y", 0);
        int writes = 300;
        int readers = 3;
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean writerDone = new AtomicBoolean();
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(readers + 1);
        try {
            List<CompletableFuture<Integer>> reads = new ArrayList<>();
            for (int r = 0; r < readers; r++) {
                reads.add(CompletableFuture.supplyAsync(() -> {
                    awaitQuietly(start);
                    int last = -1;
                    int count = 0;
                    while (true) {
                        boolean writerFinished = writerDone.get();
                        Pair p = pair.get(db, "k");
                        if (p.y() != p.x() && p.y() != p.x() - 1) {
                            violations.add("torn " + p);
                        }
                        if (p.x() < last) {
                            violations.add("went back from x=" + last + " to " + p);
                        }
                        last = p.x();
                        count++;
                        if (writerFinished && count >= 50) {
                            // this read began after the last write returned
                            return last;
                        }
                    }
                }, pool));
            }
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                awaitQuietly(start);
                for (int i = 1; i <= writes; i++) {
                    in.set(db, "x", i);
                    in.set(db, "y", i);
                }
                writerDone.set(true);
            }, pool);
            start.countDown();
            writer.get(8, SECONDS);
            for (CompletableFuture<Integer> read : reads) {
                // the writer finished before these last reads began: they see the final state
                assertThat(read.get(8, SECONDS)).isEqualTo(writes);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(violations).isEmpty();
        assertThat(pair.get(db, "k")).isEqualTo(new Pair(writes, writes));
    }

    @Test
    void accessStartedAfterAMutationReturnedSeesIt() {
        // r[derived.concurrent]
        Database db = Database.create();
        InputIngredient<String, Integer> in = db.input("in", String.class, Integer.class);
        DerivedIngredient<String, Integer> square = db.derived("square", String.class, Integer.class,
                (ctx, k) -> in.require(ctx, k) * in.require(ctx, k));
        for (int i = 1; i <= 20; i++) {
            in.set(db, "n", i);
            assertThat(square.get(db, "n")).isEqualTo(i * i);
        }
    }

    // ---------------------------------------------------------------- dependency recording

    @Test
    void inputReadsAreRecordedIncludingAbsence() {
        // r[dep.recording]
        Database db = Database.create();
        InputIngredient<String, String> in = db.input("in", String.class, String.class);
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> show = db.derived("show", String.class, String.class, (ctx, k) -> {
            runs.incrementAndGet();
            return in.get(ctx, k).orElse("absent");
        });

        assertThat(show.get(db, "k")).isEqualTo("absent");
        assertThat(dependencies(db, db, "show", "k")).containsExactly(new QueryRef("in", "k"));

        in.set(db, "k", "v1"); // absent -> present
        assertThat(show.get(db, "k")).isEqualTo("v1");
        assertThat(runs).hasValue(2);

        in.set(db, "other", "x"); // unrelated slot of the same kind
        assertThat(show.get(db, "k")).isEqualTo("v1");
        assertThat(runs).hasValue(2);

        in.remove(db, "k"); // present -> absent
        assertThat(show.get(db, "k")).isEqualTo("absent");
        assertThat(runs).hasValue(3);

        in.set(db, "k", "v2");
        in.set(db, "k", "v3"); // value -> other value
        assertThat(show.get(db, "k")).isEqualTo("v3");
        assertThat(runs).hasValue(4);
    }

    @Test
    void failedRequireIsRecordedAsADependencyOnTheEmptySlot() {
        // r[dep.recording]
        Database db = Database.create();
        InputIngredient<String, String> in = db.input("in", String.class, String.class);
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> show = db.derived("show", String.class, String.class, (ctx, k) -> {
            runs.incrementAndGet();
            try {
                return in.require(ctx, k);
            } catch (MissingInputException e) {
                return "missing";
            }
        });
        assertThat(show.get(db, "k")).isEqualTo("missing");
        in.set(db, "unrelated", "x");
        assertThat(show.get(db, "k")).isEqualTo("missing");
        assertThat(runs).hasValue(1);
        in.set(db, "k", "here");
        assertThat(show.get(db, "k")).isEqualTo("here");
        assertThat(runs).hasValue(2);
    }

    @Test
    void derivedReadsAreRecordedInReadOrder() {
        // r[dep.recording]
        Database db = Database.create();
        InputIngredient<String, Integer> in = db.input("in", String.class, Integer.class);
        AtomicInteger innerRuns = new AtomicInteger();
        AtomicInteger outerRuns = new AtomicInteger();
        DerivedIngredient<String, Integer> inner = db.derived("inner", String.class, Integer.class, (ctx, k) -> {
            innerRuns.incrementAndGet();
            return in.require(ctx, k) * 10;
        });
        DerivedIngredient<String, Integer> outer = db.derived("outer", String.class, Integer.class, (ctx, k) -> {
            outerRuns.incrementAndGet();
            return in.require(ctx, "base") + inner.get(ctx, k) + in.get(ctx, "bonus").orElse(0);
        });
        in.set(db, "base", 1);
        in.set(db, "x", 2);

        assertThat(outer.get(db, "x")).isEqualTo(21);
        assertThat(dependencies(db, db, "outer", "x"))
                .containsExactly(new QueryRef("in", "base"),
                        new QueryRef("inner", "x"), new QueryRef("in", "bonus"));
        assertThat(dependencies(db, db, "inner", "x")).containsExactly(new QueryRef("in", "x"));

        in.set(db, "x", 3); // only reaches outer through inner
        assertThat(outer.get(db, "x")).isEqualTo(31);
        assertThat(innerRuns).hasValue(2);
        assertThat(outerRuns).hasValue(2);

        in.set(db, "bonus", 100); // absent slot read with get() becomes present
        assertThat(outer.get(db, "x")).isEqualTo(131);
        assertThat(innerRuns).hasValue(2);
        assertThat(outerRuns).hasValue(3);
    }

    // ---------------------------------------------------------------- early cutoff and changed_at

    @Test
    void equalRecomputedValueKeepsChangedAtAndDoesNotRecomputeDependents() {
        // r[revision.early-cutoff]
        // r[cell.revalidate]
        Database db = Database.create();
        InputIngredient<String, String> text = db.input("text", String.class, String.class);
        AtomicInteger lengthRuns = new AtomicInteger();
        AtomicInteger labelRuns = new AtomicInteger();
        DerivedIngredient<String, Integer> length = db.derived("length", String.class, Integer.class,
                (ctx, k) -> {
                    lengthRuns.incrementAndGet();
                    return text.require(ctx, k).length();
                });
        DerivedIngredient<String, String> label = db.derived("label", String.class, String.class, (ctx, k) -> {
            labelRuns.incrementAndGet();
            return k + " has " + length.get(ctx, k) + " chars";
        });
        text.set(db, "a", "xx");
        assertThat(label.get(db, "a")).isEqualTo("a has 2 chars");
        Revision lengthChangedAt = db.inspector().cell("length", "a").orElseThrow().changedAt();
        Revision labelChangedAt = db.inspector().cell("label", "a").orElseThrow().changedAt();

        Revision r = text.set(db, "a", "yy"); // same length
        assertThat(label.get(db, "a")).isEqualTo("a has 2 chars");
        assertThat(lengthRuns).as("length recomputed").hasValue(2);
        assertThat(labelRuns).as("label cut off").hasValue(1);
        CellInfo lengthCell = db.inspector().cell("length", "a").orElseThrow();
        assertThat(lengthCell.changedAt()).isEqualTo(lengthChangedAt);
        assertThat(lengthCell.verifiedAt()).isEqualTo(r);
        CellInfo labelCell = db.inspector().cell("label", "a").orElseThrow();
        assertThat(labelCell.changedAt()).isEqualTo(labelChangedAt);
        assertThat(labelCell.verifiedAt()).isEqualTo(r);

        text.set(db, "a", "zzz"); // new length: the change travels on
        assertThat(label.get(db, "a")).isEqualTo("a has 3 chars");
        assertThat(lengthRuns).hasValue(3);
        assertThat(labelRuns).hasValue(2);
    }

    @Test
    void changedAtFollowsValueChangesOnly() {
        // r[changed-at.meaning]
        Database db = Database.create();
        InputIngredient<String, Integer> in = db.input("in", String.class, Integer.class);
        DerivedIngredient<String, Integer> parity = db.derived("parity", String.class, Integer.class,
                (ctx, k) -> in.require(ctx, k) % 2);
        Inspector inspector = db.inspector();

        in.set(db, "n", 1);
        in.set(db, "other", 0);
        assertThat(parity.get(db, "n")).isEqualTo(1);
        Revision inputChangedAt = inspector.cell("in", "n").orElseThrow().changedAt();
        Revision parityChangedAt = inspector.cell("parity", "n").orElseThrow().changedAt();
        assertThat(inputChangedAt).isLessThanOrEqualTo(db.revision());
        assertThat(parityChangedAt).isLessThanOrEqualTo(db.revision());

        // unchanged values between revisions: equal changed_at
        in.set(db, "other", 1);
        assertThat(parity.get(db, "n")).isEqualTo(1);
        assertThat(inspector.cell("in", "n").orElseThrow().changedAt()).isEqualTo(inputChangedAt);
        assertThat(inspector.cell("parity", "n").orElseThrow().changedAt()).isEqualTo(parityChangedAt);

        in.set(db, "n", 1); // no-op set
        assertThat(inspector.cell("in", "n").orElseThrow().changedAt()).isEqualTo(inputChangedAt);

        Revision r3 = in.set(db, "n", 3); // input changes, parity does not
        assertThat(parity.get(db, "n")).isEqualTo(1);
        assertThat(inspector.cell("in", "n").orElseThrow().changedAt())
                .isGreaterThanOrEqualTo(r3).isLessThanOrEqualTo(db.revision());
        assertThat(inspector.cell("parity", "n").orElseThrow().changedAt()).isEqualTo(parityChangedAt);

        Revision r4 = in.set(db, "n", 4); // both change
        assertThat(parity.get(db, "n")).isEqualTo(0);
        Revision parityChangedAt4 = inspector.cell("parity", "n").orElseThrow().changedAt();
        assertThat(parityChangedAt4).isGreaterThanOrEqualTo(r4).isLessThanOrEqualTo(db.revision());

        // later revisions keep it: changed_at >= R at every later revision while unchanged
        in.set(db, "other", 2);
        in.set(db, "other", 3);
        assertThat(parity.get(db, "n")).isEqualTo(0);
        assertThat(inspector.cell("parity", "n").orElseThrow().changedAt()).isEqualTo(parityChangedAt4);
        assertThat(inspector.cell("in", "n").orElseThrow().changedAt()).isGreaterThanOrEqualTo(r4);
    }

    @Test
    void recomputationSetsChangedAtToItsRevisionOnlyWhenTheValueDiffers() {
        // r[changed-at.derived]
        Database db = Database.create();
        InputIngredient<String, String> in = db.input("in", String.class, String.class);
        DerivedIngredient<String, String> upper = db.derived("upper", String.class, String.class,
                (ctx, k) -> in.require(ctx, k).toUpperCase(java.util.Locale.ROOT));
        in.set(db, "w", "abc");
        upper.get(db, "w");
        Revision first = db.inspector().cell("upper", "w").orElseThrow().changedAt();

        Revision same = in.set(db, "w", "ABC"); // recomputes to an equal value
        assertThat(upper.get(db, "w")).isEqualTo("ABC");
        CellInfo afterSame = db.inspector().cell("upper", "w").orElseThrow();
        assertThat(afterSame.changedAt()).isEqualTo(first);
        assertThat(afterSame.verifiedAt()).isEqualTo(same);

        Revision differs = in.set(db, "w", "abd");
        assertThat(upper.get(db, "w")).isEqualTo("ABD");
        CellInfo afterDiff = db.inspector().cell("upper", "w").orElseThrow();
        assertThat(afterDiff.changedAt()).isEqualTo(differs);
        assertThat(afterDiff.verifiedAt()).isEqualTo(differs);
    }

    // ---------------------------------------------------------------- revalidation

    @Test
    void reusesWhenUnrelatedInputChanges() {
        // r[cell.revalidate]
        Database db = Database.create();
        InputIngredient<String, String> files = db.input("files", String.class, String.class);
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, Integer> words = db.derived("words", String.class, Integer.class, (ctx, k) -> {
            runs.incrementAndGet();
            return files.require(ctx, k).split("\\s+").length;
        });
        files.set(db, "a.txt", "hello incremental world");
        assertThat(words.get(db, "a.txt")).isEqualTo(3);

        Revision r = files.set(db, "b.txt", "unrelated");
        assertThat(words.get(db, "a.txt")).isEqualTo(3);
        assertThat(runs).hasValue(1);
        assertThat(db.inspector().cell("words", "a.txt").orElseThrow().verifiedAt()).isEqualTo(r);
    }

    @Test
    void recomputesWhenAReadInputChanges() {
        // r[cell.revalidate]
        Database db = Database.create();
        InputIngredient<String, String> files = db.input("files", String.class, String.class);
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, Integer> words = db.derived("words", String.class, Integer.class, (ctx, k) -> {
            runs.incrementAndGet();
            return files.require(ctx, k).split("\\s+").length;
        });
        files.set(db, "a.txt", "hello world");
        assertThat(words.get(db, "a.txt")).isEqualTo(2);
        files.set(db, "a.txt", "hello big world");
        assertThat(words.get(db, "a.txt")).isEqualTo(3);
        assertThat(runs).hasValue(2);
        assertThat(words.get(db, "a.txt")).isEqualTo(3);
        assertThat(runs).hasValue(2);
    }

    @Test
    void chainWhoseMiddleRecomputesToAnEqualValueDoesNotRecomputeTheTop() {
        // r[cell.revalidate]
        // r[revision.early-cutoff]
        // A (input) <- B (sign of A) <- C (describes B)
        Database db = Database.create();
        InputIngredient<String, Integer> a = db.input("a", String.class, Integer.class);
        AtomicInteger bRuns = new AtomicInteger();
        AtomicInteger cRuns = new AtomicInteger();
        DerivedIngredient<String, Integer> b = db.derived("b", String.class, Integer.class, (ctx, k) -> {
            bRuns.incrementAndGet();
            return Integer.signum(a.require(ctx, k));
        });
        DerivedIngredient<String, String> c = db.derived("c", String.class, String.class, (ctx, k) -> {
            cRuns.incrementAndGet();
            return b.get(ctx, k) > 0 ? "positive" : "not positive";
        });
        a.set(db, "k", 5);
        assertThat(c.get(db, "k")).isEqualTo("positive");
        a.set(db, "k", 7);
        assertThat(c.get(db, "k")).isEqualTo("positive");
        assertThat(bRuns).hasValue(2);
        assertThat(cRuns).hasValue(1);
        a.set(db, "k", -1);
        assertThat(c.get(db, "k")).isEqualTo("not positive");
        assertThat(bRuns).hasValue(3);
        assertThat(cRuns).hasValue(2);
    }

    @Test
    void dependentOfAnEvictedQueryIsNotServedStale() {
        // r[cell.revalidate-missing]
        // With a single registry no dependency can name an unregistered ingredient (reading another
        // database's ingredient fails the computation, see ingredientsOfAnotherDatabaseAreRejected), so this
        // checks the reachable case: a dependency whose memo is unknown because it was evicted. Revalidating
        // the dependent must not treat the unknown dependency as unchanged; it recomputes (what it needs).
        Database db = Database.create();
        InputIngredient<String, Integer> in = db.input("in", String.class, Integer.class);
        AtomicInteger bRuns = new AtomicInteger();
        AtomicInteger cRuns = new AtomicInteger();
        DerivedIngredient<String, Integer> b = db.derived("b", String.class, Integer.class, (ctx, k) -> {
            bRuns.incrementAndGet();
            return in.require(ctx, k) + 1;
        });
        DerivedIngredient<String, Integer> c = db.derived("c", String.class, Integer.class, (ctx, k) -> {
            cRuns.incrementAndGet();
            return b.get(ctx, k) * 100;
        });
        in.set(db, "k", 1);
        assertThat(c.get(db, "k")).isEqualTo(200);

        assertThat(db.evict(b)).isEqualTo(1);
        in.set(db, "k", 2);
        assertThat(c.get(db, "k")).isEqualTo(300);
        assertThat(bRuns).hasValue(2);
        assertThat(cRuns).hasValue(2);

        db.evict(b);
        in.set(db, "unrelated", 0);
        assertThat(c.get(db, "k")).isEqualTo(300);
        assertThat(b.get(db, "k")).isEqualTo(3);
        assertThat(cRuns.get()).as("c may be reused or recomputed, never stale").isBetween(2, 3);
    }

    // ---------------------------------------------------------------- kinds

    @Test
    void ingredientNamesAreUniquePerDatabase() {
        // r[kind.identity]
        Database db = Database.create();
        db.input("files", String.class, String.class);
        assertThatThrownBy(() -> db.input("files", String.class, String.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("files");
        assertThatThrownBy(() -> db.derived("files", String.class, Integer.class, (ctx, k) -> 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("files");
        assertThatThrownBy(() -> db.interned("files", String.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("files");
    }

    @Test
    void twoDefinitionsWithTheSameComputeFunctionAreSeparateKinds() {
        // r[kind.identity]
        Database db = Database.create();
        InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        AtomicInteger runs = new AtomicInteger();
        Query<Integer, Integer> compute = (ctx, k) -> {
            runs.incrementAndGet();
            return in.require(ctx, k) + 1;
        };
        DerivedIngredient<Integer, Integer> first = db.derived("first", Integer.class, Integer.class, compute);
        DerivedIngredient<Integer, Integer> second = db.derived("second", Integer.class, Integer.class, compute);
        in.set(db, 1, 41);

        assertThat(first.get(db, 1)).isEqualTo(42);
        assertThat(second.get(db, 1)).isEqualTo(42);
        assertThat(runs).as("no cache shared between kinds").hasValue(2);
        assertThat(first.get(db, 1)).isEqualTo(42);
        assertThat(runs).hasValue(2);
        assertThat(db.inspector().ingredient("first").counters().computations()).isEqualTo(1);
        assertThat(db.inspector().ingredient("second").counters().computations()).isEqualTo(1);
    }

    @Test
    void ingredientsOfAnotherDatabaseAreRejected() {
        // r[kind.identity]
        Database one = Database.builder().name("first-db").build();
        Database two = Database.builder().name("second-db").build();
        InputIngredient<String, String> inOne = one.input("in", String.class, String.class);
        InputIngredient<String, String> inTwo = two.input("in", String.class, String.class);
        inOne.set(one, "k", "one");
        inTwo.set(two, "k", "two");

        // same name, separate databases: separate kinds and separate state
        assertThat(inOne.get(one, "k")).contains("one");
        assertThat(inTwo.get(two, "k")).contains("two");
        assertThatThrownBy(() -> inOne.get(two, "k")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("first-db").hasMessageContaining("second-db");
        assertThatThrownBy(() -> inOne.set(two.snapshot(), "k", "x")).isInstanceOf(IllegalArgumentException.class);

        DerivedIngredient<String, String> crossRead = one.derived("crossRead", String.class, String.class,
                (ctx, k) -> inTwo.require(ctx, k));
        assertThatThrownBy(() -> crossRead.get(one, "k")).isInstanceOf(QueryFailedException.class)
                .cause().isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> crossRead.get(two, "k")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sameKeyInTwoKindsNamesTwoRecords() {
        // r[kind.mapping]
        Database db = Database.create();
        InputIngredient<Integer, String> left = db.input("left", Integer.class, String.class);
        InputIngredient<Integer, String> right = db.input("right", Integer.class, String.class);
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<Integer, String> readLeft = db.derived("readLeft", Integer.class, String.class,
                (ctx, k) -> {
                    runs.incrementAndGet();
                    return left.get(ctx, k).orElse("-");
                });
        left.set(db, 1, "L");
        right.set(db, 1, "R");
        assertThat(left.get(db, 1)).contains("L");
        assertThat(right.get(db, 1)).contains("R");
        assertThat(readLeft.get(db, 1)).isEqualTo("L");
        right.set(db, 1, "R2");
        assertThat(readLeft.get(db, 1)).isEqualTo("L");
        assertThat(runs).hasValue(1);
        left.set(db, 1, "L2");
        assertThat(readLeft.get(db, 1)).isEqualTo("L2");
        assertThat(runs).hasValue(2);
    }

    @Test
    void declarationsMapToKindsDeterministically() {
        // r[kind.mapping]
        Database db = Database.create();
        InputIngredient<String, String> files = db.input("files", String.class, String.class);
        DerivedIngredient<String, Integer> words = db.derived("words", String.class, Integer.class,
                (ctx, k) -> files.require(ctx, k).length());
        InternedIngredient<String> symbols = db.interned("symbols", String.class);
        assertThat(files.name()).isEqualTo("files");
        assertThat(words.name()).isEqualTo("words");
        assertThat(symbols.name()).isEqualTo("symbols");

        List<IngredientInfo> infos = db.inspector().ingredients();
        assertThat(infos).extracting(IngredientInfo::name).containsExactly("files", "words", "symbols");
        assertThat(infos).extracting(IngredientInfo::kind)
                .containsExactly(IngredientKind.INPUT, IngredientKind.DERIVED, IngredientKind.INTERNED);
        IngredientInfo wordsInfo = db.inspector().ingredient("words");
        assertThat(wordsInfo.keyType()).isEqualTo(String.class);
        assertThat(wordsInfo.valueType()).isEqualTo(Integer.class);

        files.set(db, "a", "abc");
        Snapshot snapshot = db.snapshot();
        assertThat(words.get(db, "a")).isEqualTo(3);
        assertThat(words.get(snapshot, "a")).isEqualTo(3);
        // the same declaration names the same kind in every view and every time
        assertThat(db.inspector().cell("words", "a")).get().extracting(CellInfo::query)
                .isEqualTo(new QueryRef("words", "a"));
        assertThat(dependencies(db, snapshot, "words", "a")).containsExactly(new QueryRef("files", "a"));
        assertThat(db.inspector().ingredients()).extracting(IngredientInfo::name)
                .containsExactly("files", "words", "symbols");
    }

    // ---------------------------------------------------------------- explicit context

    @Test
    void readsMadeThroughTheContextOnAPlainThreadAreRecorded() {
        // r[jvm.explicit-context]
        Database db = Database.create();
        InputIngredient<String, String> in = db.input("in", String.class, String.class);
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> viaThread = db.derived("viaThread", String.class, String.class,
                (ctx, k) -> {
                    runs.incrementAndGet();
                    AtomicReference<String> read = new AtomicReference<>();
                    AtomicReference<Throwable> error = new AtomicReference<>();
                    Thread t = new Thread(() -> {
                        try {
                            read.set(in.require(ctx, k));
                        } catch (Throwable e) {
                            error.set(e);
                        }
                    });
                    t.start();
                    t.join();
                    if (error.get() != null) {
                        throw new IllegalStateException(error.get());
                    }
                    return "got " + read.get();
                });
        in.set(db, "t", "one");
        assertThat(viaThread.get(db, "t")).isEqualTo("got one");
        in.set(db, "unrelated", "x");
        assertThat(viaThread.get(db, "t")).isEqualTo("got one");
        assertThat(runs).hasValue(1);
        in.set(db, "t", "two");
        assertThat(viaThread.get(db, "t")).isEqualTo("got two");
        assertThat(runs).hasValue(2);
    }

    @Test
    void readsMadeThroughTheContextInACompletableFutureAreRecorded() {
        // r[jvm.explicit-context]
        // r[dep.recording]
        Database db = Database.create();
        InputIngredient<String, Integer> in = db.input("in", String.class, Integer.class);
        DerivedIngredient<String, Integer> inner = db.derived("inner", String.class, Integer.class,
                (ctx, k) -> in.require(ctx, k) * 2);
        AtomicInteger runs = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            DerivedIngredient<String, Integer> viaFuture = db.derived("viaFuture", String.class, Integer.class,
                    (ctx, k) -> {
                        runs.incrementAndGet();
                        CompletableFuture<Integer> a = CompletableFuture.supplyAsync(() -> in.require(ctx, "a"), pool);
                        CompletableFuture<Integer> b = CompletableFuture.supplyAsync(() -> inner.get(ctx, "b"), pool);
                        return a.join() + b.join();
                    });
            in.set(db, "a", 1);
            in.set(db, "b", 10);
            assertThat(viaFuture.get(db, "k")).isEqualTo(21);
            assertThat(dependencies(db, db, "viaFuture", "k"))
                    .containsExactlyInAnyOrder(new QueryRef("in", "a"),
                            new QueryRef("inner", "b"));

            in.set(db, "c", 0);
            assertThat(viaFuture.get(db, "k")).isEqualTo(21);
            assertThat(runs).hasValue(1);
            in.set(db, "a", 2);
            assertThat(viaFuture.get(db, "k")).isEqualTo(22);
            assertThat(runs).hasValue(2);
            in.set(db, "b", 20);
            assertThat(viaFuture.get(db, "k")).isEqualTo(42);
            assertThat(runs).hasValue(3);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void getAllRecordsEveryReadAndKeepsKeyOrder() {
        // r[jvm.explicit-context]
        // r[dep.recording]
        Database db = Database.create();
        InputIngredient<Integer, String> in = db.input("in", Integer.class, String.class);
        DerivedIngredient<Integer, String> item = db.derived("item", Integer.class, String.class,
                (ctx, k) -> k + "=" + in.require(ctx, k));
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> all = db.derived("all", String.class, String.class, (ctx, k) -> {
            runs.incrementAndGet();
            return String.join(";", ctx.getAll(item, List.of(3, 1, 2)));
        });
        in.set(db, 1, "a");
        in.set(db, 2, "b");
        in.set(db, 3, "c");
        in.set(db, 4, "d");
        assertThat(all.get(db, "k")).isEqualTo("3=c;1=a;2=b");
        assertThat(dependencies(db, db, "all", "k"))
                .containsExactlyInAnyOrder(new QueryRef("item", 1),
                        new QueryRef("item", 2), new QueryRef("item", 3));

        in.set(db, 4, "D");
        assertThat(all.get(db, "k")).isEqualTo("3=c;1=a;2=b");
        assertThat(runs).hasValue(1);
        int expectedRuns = 1;
        for (int key : List.of(1, 2, 3)) {
            in.set(db, key, "new" + key);
            expectedRuns++;
            assertThat(all.get(db, "k")).contains(key + "=new" + key);
            assertThat(runs).as("change of in(%s)", key).hasValue(expectedRuns);
        }
        assertThat(all.get(db, "k")).isEqualTo("3=new3;1=new1;2=new2");
    }

    @Test
    void mapRecordsEveryReadAndKeepsKeyOrder() {
        // r[jvm.explicit-context]
        // r[dep.recording]
        Database db = Database.create();
        InputIngredient<String, Integer> in = db.input("in", String.class, Integer.class);
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, List<Integer>> squares = db.derived("squares", String.class, listClass(),
                (ctx, k) -> {
                    runs.incrementAndGet();
                    return ctx.map(List.of("c", "a", "b"), key -> {
                        int v = in.require(ctx, key);
                        return v * v;
                    });
                });
        in.set(db, "a", 1);
        in.set(db, "b", 2);
        in.set(db, "c", 3);
        in.set(db, "d", 4);
        assertThat(squares.get(db, "k")).containsExactly(9, 1, 4);
        assertThat(dependencies(db, db, "squares", "k"))
                .containsExactlyInAnyOrder(new QueryRef("in", "a"),
                        new QueryRef("in", "b"), new QueryRef("in", "c"));
        in.set(db, "d", 5);
        assertThat(squares.get(db, "k")).containsExactly(9, 1, 4);
        assertThat(runs).hasValue(1);
        in.set(db, "b", 5);
        assertThat(squares.get(db, "k")).containsExactly(9, 1, 25);
        assertThat(runs).hasValue(2);
        in.set(db, "c", 0);
        assertThat(squares.get(db, "k")).containsExactly(0, 1, 25);
        assertThat(runs).hasValue(3);
    }

    @Test
    void contextIsUnusableAfterItsComputationReturned() {
        // r[jvm.explicit-context]
        Database db = Database.create();
        InputIngredient<String, String> in = db.input("in", String.class, String.class);
        AtomicReference<QueryContext> leaked = new AtomicReference<>();
        DerivedIngredient<String, String> leak = db.derived("leak", String.class, String.class, (ctx, k) -> {
            leaked.set(ctx);
            return in.get(ctx, k).orElse("-");
        });
        in.set(db, "k", "v");
        assertThat(leak.get(db, "k")).isEqualTo("v");
        assertThatThrownBy(() -> in.get(leaked.get(), "k")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> in.set(leaked.get(), "k", "w")).isInstanceOf(IllegalStateException.class);
        assertThat(in.get(db, "k")).contains("v");
    }

    @Test
    void writingThroughAContextFailsTheComputation() {
        // r[jvm.explicit-context]
        Database db = Database.create();
        InputIngredient<String, String> in = db.input("in", String.class, String.class);
        DerivedIngredient<String, String> writer = db.derived("writer", String.class, String.class, (ctx, k) -> {
            in.set(ctx, k, "written");
            return "done";
        });
        Revision before = db.revision();
        assertThatThrownBy(() -> writer.get(db, "k")).isInstanceOf(QueryFailedException.class)
                .cause().isInstanceOf(IllegalStateException.class);
        assertThat(in.get(db, "k")).isEqualTo(Optional.empty());
        assertThat(db.revision()).isEqualTo(before);
    }

    private static List<QueryRef> dependencies(Database db, View view, String ingredient, Object key) {
        return db.inspector().cell(view, ingredient, key).orElseThrow().dependencies();
    }

    @SuppressWarnings("unchecked")
    private static Class<List<Integer>> listClass() {
        return (Class<List<Integer>>) (Class<?>) List.class;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(5, SECONDS)) {
                throw new IllegalStateException("latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
