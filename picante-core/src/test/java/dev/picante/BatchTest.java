package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Batches: several mutations of one view committed at one revision boundary, with later calls on a slot
 * winning.
 *
 * <p>The concurrent tests run one writer thread committing batches that keep two slots equal, against
 * readers on the test thread:
 *
 * <pre>
 * writer:  commit{a=i,b=i}  commit{a=i+1,b=i+1}  ...
 * reader:      pair.get(db) / snapshot()  -> a == b always
 * </pre>
 */
class BatchTest {

    private final Database db = Database.create();
    private final InputIngredient<String, Integer> nums = db.input("nums", String.class, Integer.class);
    private final InputIngredient<String, String> names = db.input("names", String.class, String.class);
    private final List<RuntimeEvent> events = new CopyOnWriteArrayList<>();

    // ---------------------------------------------------------------- r[input.batch]

    @Test
    void commitAppliesEveryCallAtOneNewRevision() {
        // r[input.batch]
        nums.set(db, "gone", 0);
        Revision before = db.revision();
        db.subscribe(events::add);

        Revision after = db.batch()
                .set(nums, "a", 1)
                .set(names, "n", "x")
                .remove(nums, "gone")
                .commit();

        assertThat(after).isGreaterThan(before);
        assertThat(db.revision()).isEqualTo(after);
        assertThat(nums.get(db, "a")).contains(1);
        assertThat(names.get(db, "n")).contains("x");
        assertThat(nums.get(db, "gone")).isEmpty();
        assertThat(events).filteredOn(RuntimeEvent.RevisionBumped.class::isInstance)
                .containsExactly(new RuntimeEvent.RevisionBumped(after));
    }

    @Test
    void uncommittedBatchChangesNothing() {
        // r[input.batch]
        nums.set(db, "a", 1);
        Revision before = db.revision();

        Batch batch = db.batch().set(nums, "a", 2).set(nums, "b", 3).remove(nums, "a");

        assertThat(db.revision()).isEqualTo(before);
        assertThat(nums.get(db, "a")).contains(1);
        assertThat(nums.get(db, "b")).isEmpty();

        batch.commit();
        assertThat(nums.get(db, "a")).isEmpty();
        assertThat(nums.get(db, "b")).contains(3);
    }

    @Test
    void dependentsSeeTheWholeBatchAtOnce() {
        // r[input.batch]
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> pair = pairQuery(runs);
        db.batch().set(nums, "a", 1).set(nums, "b", 1).commit();
        assertThat(pair.get(db, "x")).isEqualTo("1/1");

        db.batch().set(nums, "a", 2).set(nums, "b", 2).commit();

        assertThat(pair.get(db, "x")).isEqualTo("2/2");
        assertThat(runs).hasValue(2);
    }

    @Test
    void noOpBatchKeepsRevisionAndEmitsNothing() {
        // r[input.batch]
        nums.set(db, "a", 1);
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> pair = pairQuery(runs);
        pair.get(db, "x");
        Revision before = db.revision();
        db.subscribe(events::add);

        Revision empty = db.batch().commit();
        Revision equalSets = db.batch().set(nums, "a", 1).remove(nums, "b").remove(names, "never").commit();

        assertThat(empty).isEqualTo(before);
        assertThat(equalSets).isEqualTo(before);
        assertThat(db.revision()).isEqualTo(before);
        assertThat(events).isEmpty();
        assertThat(pair.get(db, "x")).isEqualTo("1/-");
        assertThat(runs).hasValue(1);
    }

    @Test
    void batchWithSomeNoOpCallsChangesOnlyTheChangedSlots() {
        // r[input.batch] r[changed-at.input]
        nums.set(db, "a", 1);
        nums.set(db, "b", 1);
        AtomicInteger runsA = new AtomicInteger();
        DerivedIngredient<String, Integer> read = db.derived("read", String.class, Integer.class, (ctx, k) -> {
            if (k.equals("a")) {
                runsA.incrementAndGet();
            }
            return nums.get(ctx, k).orElse(-1);
        });
        read.get(db, "a");
        db.subscribe(events::add);

        Revision r = db.batch().set(nums, "a", 1).set(nums, "b", 2).commit();

        assertThat(read.get(db, "a")).isEqualTo(1);
        assertThat(runsA).hasValue(1);
        assertThat(events).containsExactly(new RuntimeEvent.RevisionBumped(r), new RuntimeEvent.InputSet("nums", "b", r));
    }

    @Test
    void commitTwiceThrowsIllegalStateAndChangesNothing() {
        // r[input.batch]
        Batch batch = db.batch().set(nums, "a", 1);
        Revision r = batch.commit();
        nums.set(db, "a", 5);
        Revision later = db.revision();

        assertThatThrownBy(batch::commit).isInstanceOf(IllegalStateException.class);

        assertThat(db.revision()).isEqualTo(later).isGreaterThan(r);
        assertThat(nums.get(db, "a")).contains(5);
    }

    @Test
    void committingAnEmptyBatchTwiceAlsoThrows() {
        // r[input.batch]
        Batch batch = db.batch();
        batch.commit();

        assertThatThrownBy(batch::commit).isInstanceOf(IllegalStateException.class);
        assertThat(db.revision()).isEqualTo(new Revision(0));
    }

    @Test
    void batchOnSnapshotChangesOnlyTheSnapshot() {
        // r[input.batch] r[snapshot.isolation]
        nums.set(db, "a", 1);
        Revision dbRev = db.revision();
        Snapshot s = db.snapshot();

        Revision sRev = s.batch().set(nums, "a", 2).set(nums, "b", 3).commit();

        assertThat(sRev).isGreaterThan(dbRev);
        assertThat(s.revision()).isEqualTo(sRev);
        assertThat(nums.get(s, "a")).contains(2);
        assertThat(nums.get(s, "b")).contains(3);
        assertThat(db.revision()).isEqualTo(dbRev);
        assertThat(nums.get(db, "a")).contains(1);
        assertThat(nums.get(db, "b")).isEmpty();
    }

    // ---------------------------------------------------------------- r[input.batch-conflicts]

    @Test
    void laterSetOfTheSameSlotWins() {
        // r[input.batch-conflicts]
        db.batch().set(nums, "a", 1).set(nums, "a", 2).set(nums, "a", 3).commit();

        assertThat(nums.get(db, "a")).contains(3);
    }

    @Test
    void setThenRemoveLeavesSlotAbsent() {
        // r[input.batch-conflicts]
        nums.set(db, "present", 1);

        db.batch().set(nums, "present", 2).remove(nums, "present").commit();

        assertThat(nums.get(db, "present")).isEmpty();
    }

    @Test
    void setThenRemoveOfAbsentSlotIsANoOp() {
        // r[input.batch-conflicts] r[input.batch]
        Revision before = db.revision();
        db.subscribe(events::add);

        Revision after = db.batch().set(nums, "a", 1).remove(nums, "a").commit();

        assertThat(after).isEqualTo(before);
        assertThat(nums.get(db, "a")).isEmpty();
        assertThat(events).isEmpty();
    }

    @Test
    void removeThenSetLeavesTheNewValue() {
        // r[input.batch-conflicts]
        nums.set(db, "a", 1);

        Revision r = db.batch().remove(nums, "a").set(nums, "a", 2).commit();

        assertThat(nums.get(db, "a")).contains(2);
        assertThat(db.revision()).isEqualTo(r);
    }

    @Test
    void removeThenSetOfTheSameValueIsANoOpForDependents() {
        // r[input.batch-conflicts] r[changed-at.input]
        nums.set(db, "a", 1);
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> pair = pairQuery(runs);
        pair.get(db, "x");
        Revision before = db.revision();
        db.subscribe(events::add);

        Revision after = db.batch().remove(nums, "a").set(nums, "a", 1).commit();

        assertThat(after).isEqualTo(before);
        assertThat(events).isEmpty();
        assertThat(pair.get(db, "x")).isEqualTo("1/-");
        assertThat(runs).hasValue(1);
    }

    @Test
    void setRemoveSetEndsWithTheLastValue() {
        // r[input.batch-conflicts]
        db.batch().set(nums, "a", 1).remove(nums, "a").set(nums, "a", 7).set(nums, "b", 1).remove(nums, "b")
                .commit();

        assertThat(nums.get(db, "a")).contains(7);
        assertThat(nums.get(db, "b")).isEmpty();
    }

    @Test
    void conflictsResolvePerSlotIndependently() {
        // r[input.batch-conflicts]
        nums.set(db, "a", 1);
        nums.set(db, "b", 1);

        db.batch().set(nums, "a", 2).remove(nums, "b").set(nums, "b", 3).remove(nums, "a").set(names, "a", "n")
                .commit();

        assertThat(nums.get(db, "a")).isEmpty();
        assertThat(nums.get(db, "b")).contains(3);
        assertThat(names.get(db, "a")).contains("n");
    }

    // ---------------------------------------------------------------- atomicity under concurrency

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void derivedQueryNeverObservesAPartialBatch() throws Exception {
        // r[input.batch]
        DerivedIngredient<String, String> pair = pairQuery(new AtomicInteger());
        db.batch().set(nums, "a", 0).set(nums, "b", 0).commit();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 1; !stop.get() && i < 1_000_000; i++) {
                    db.batch().set(nums, "a", i).set(nums, "b", i).commit();
                }
            } catch (Throwable t) {
                writerFailure.set(t);
            }
        }, "batch-writer");
        writer.start();
        List<String> torn = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
            while (System.nanoTime() < deadline) {
                String v = pair.get(db, "x");
                seen.add(v);
                String[] parts = v.split("/");
                if (!parts[0].equals(parts[1])) {
                    torn.add(v);
                }
            }
        } finally {
            stop.set(true);
            writer.join();
        }

        assertThat(writerFailure.get()).isNull();
        assertThat(torn).isEmpty();
        assertThat(seen).as("the reader saw the writer's progress").hasSizeGreaterThan(1);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void snapshotsNeverObserveAPartialBatch() throws Exception {
        // r[input.batch]
        db.batch().set(nums, "a", 0).set(nums, "b", 0).commit();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            for (int i = 1; !stop.get() && i < 1_000_000; i++) {
                db.batch().set(nums, "a", i).set(nums, "b", i).commit();
            }
        }, "batch-writer");
        writer.start();
        List<String> torn = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < deadline) {
                Snapshot s = db.snapshot();
                int a = nums.require(s, "a");
                int b = nums.require(s, "b");
                seen.add(a);
                if (a != b) {
                    torn.add(a + "/" + b);
                }
            }
        } finally {
            stop.set(true);
            writer.join();
        }

        assertThat(torn).isEmpty();
        assertThat(seen).as("the reader saw the writer's progress").hasSizeGreaterThan(1);
    }

    // ---------------------------------------------------------------- helpers

    /** {@code "a/b"} with {@code -} for an absent slot. */
    private DerivedIngredient<String, String> pairQuery(AtomicInteger runs) {
        return db.derived("pair", String.class, String.class, (ctx, k) -> {
            runs.incrementAndGet();
            String a = nums.get(ctx, "a").map(String::valueOf).orElse("-");
            String b = nums.get(ctx, "b").map(String::valueOf).orElse("-");
            return a + "/" + b;
        });
    }
}
