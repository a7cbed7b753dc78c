package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * r[snapshot.creation]: creating a snapshot costs constant time and memory, whatever the size of the
 * database. Measured as the bytes the test thread allocates to create a snapshot and read one input on
 * it, with 1,000 and with 1,000,000 input slots and memoized derived results. Also checks that the
 * snapshots are right: they read their revision's inputs and nothing written to the primary afterwards
 * (r[snapshot.isolation]).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SnapshotAllocationTest {

    static final int SMALL = 1_000;
    static final int LARGE = 1_000_000;
    static final int SNAPSHOTS = 1_000;
    /** Bytes per snapshot (creation plus one input read) that count as "small". */
    static final long MAX_BYTES_PER_SNAPSHOT = 2_048;
    /** Slack per snapshot allowed on top of twice the small database's figure. */
    static final long SLACK_BYTES_PER_SNAPSHOT = 256;

    static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    record Fixture(Database db, InputIngredient<Integer, Integer> input, DerivedIngredient<Integer, Integer> twice,
            int size) {
    }

    Fixture small;
    Fixture large;

    @BeforeAll
    void build() {
        assertThat(THREADS.isThreadAllocatedMemorySupported()).isTrue();
        THREADS.setThreadAllocatedMemoryEnabled(true);
        small = fixture(SMALL);
        large = fixture(LARGE);
    }

    @AfterAll
    void release() {
        small = null;
        large = null;
    }

    static Fixture fixture(int size) {
        long start = System.nanoTime();
        Database db = Database.builder().name("alloc-" + size).build();
        InputIngredient<Integer, Integer> input = db.input("value", Integer.class, Integer.class);
        DerivedIngredient<Integer, Integer> twice = db.derived("twice", Integer.class, Integer.class,
                (ctx, key) -> 2 * input.require(ctx, key));
        Batch batch = db.batch();
        for (int k = 0; k < size; k++) {
            batch.set(input, k, k);
        }
        batch.commit();
        long inputsDone = System.nanoTime();
        for (int k = 0; k < size; k++) {
            twice.get(db, k);
        }
        long derivedDone = System.nanoTime();
        assertThat(twice.get(db, size - 1)).isEqualTo(2 * (size - 1));
        Runtime rt = Runtime.getRuntime();
        System.out.printf("[SnapshotAllocationTest] %,d entries: inputs batch %d ms, %,d derived computations %d ms;"
                        + " heap used %,d MB of max %,d MB%n",
                size, (inputsDone - start) / 1_000_000, size, (derivedDone - inputsDone) / 1_000_000,
                (rt.totalMemory() - rt.freeMemory()) >> 20, rt.maxMemory() >> 20);
        assertThat(db.inspector().ingredient("twice").entries()).isEqualTo(size);
        return new Fixture(db, input, twice, size);
    }

    /**
     * Creates {@link #SNAPSHOTS} snapshots of the primary, reading on each one input (or one derived
     * result, already memoized in the primary); returns the bytes this thread allocated per snapshot.
     */
    static long allocationPerSnapshot(Fixture f, boolean derived, Snapshot[] keep, int[] keys, Object[] reads) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < SNAPSHOTS; i++) {
            Snapshot s = f.db().snapshot();
            keep[i] = s;
            reads[i] = derived ? f.twice().get(s, keys[i]) : f.input().get(s, keys[i]);
        }
        long after = THREADS.getCurrentThreadAllocatedBytes();
        return (after - before) / SNAPSHOTS;
    }

    static int[] keys(int size, int salt) {
        int[] keys = new int[SNAPSHOTS];
        for (int i = 0; i < SNAPSHOTS; i++) {
            keys[i] = (int) Math.floorMod((long) (i + salt) * 7_919L, (long) size);
        }
        return keys;
    }

    /** Warms up, then returns the least of several measurements (GC and JIT noise only add bytes). */
    static long measure(Fixture f, boolean derived) {
        Snapshot[] keep = new Snapshot[SNAPSHOTS];
        Object[] reads = new Object[SNAPSHOTS];
        for (int round = 0; round < 5; round++) {
            allocationPerSnapshot(f, derived, keep, keys(f.size(), round), reads);
        }
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            int[] keys = keys(f.size(), 100 + round);
            best = Math.min(best, allocationPerSnapshot(f, derived, keep, keys, reads));
            // The snapshots are at the primary's revision and read its inputs.
            for (int i = 0; i < SNAPSHOTS; i++) {
                assertThat(keep[i].revision()).isEqualTo(f.db().revision());
                Object expected = derived ? Integer.valueOf(2 * keys[i]) : Optional.of(keys[i]);
                assertThat(reads[i]).isEqualTo(expected);
            }
        }
        return best;
    }

    // r[snapshot.creation]
    @Test
    void snapshotCreationAllocatesConstantSmallMemory() {
        long smallBytes = measure(small, false);
        long largeBytes = measure(large, false);
        System.out.printf("[SnapshotAllocationTest] snapshot + one input read: %,d bytes at %,d entries,"
                + " %,d bytes at %,d entries%n", smallBytes, SMALL, largeBytes, LARGE);
        assertThat(smallBytes).as("bytes per snapshot (+1 input read) at %,d entries", SMALL)
                .isLessThan(MAX_BYTES_PER_SNAPSHOT);
        assertThat(largeBytes).as("bytes per snapshot (+1 input read) at %,d entries", LARGE)
                .isLessThan(MAX_BYTES_PER_SNAPSHOT)
                .isLessThanOrEqualTo(2 * smallBytes + SLACK_BYTES_PER_SNAPSHOT);
    }

    // r[snapshot.creation]: "its memory then grows with what it changes or computes" (Snapshot javadoc):
    // one derived read on a fresh snapshot costs the same at 1,000 and at 1,000,000 memoized results.
    @Test
    void derivedReadOnFreshSnapshotDoesNotScaleWithDatabaseSize() {
        long smallBytes = measure(small, true);
        long largeBytes = measure(large, true);
        System.out.printf("[SnapshotAllocationTest] snapshot + one derived read: %,d bytes at %,d entries,"
                + " %,d bytes at %,d entries%n", smallBytes, SMALL, largeBytes, LARGE);
        assertThat(largeBytes).as("bytes per snapshot (+1 derived read) at %,d entries vs %,d at %,d entries",
                LARGE, smallBytes, SMALL).isLessThanOrEqualTo(2 * smallBytes + SLACK_BYTES_PER_SNAPSHOT);
    }

    // r[snapshot.creation] r[snapshot.isolation] r[snapshot.memo-isolation]
    @Test
    void snapshotsSeeTheirRevisionOnly() {
        for (Fixture f : new Fixture[] {small, large}) {
            Database db = f.db();
            int n = f.size();
            int a = n / 3;
            int b = n - 1;
            Snapshot before = db.snapshot();
            Revision forkedAt = before.revision();
            f.input().set(db, a, -5);
            f.input().remove(db, b);
            Snapshot after = db.snapshot();
            // The older snapshot does not see the primary's later writes, inputs or derived.
            assertThat(before.revision()).isEqualTo(forkedAt);
            assertThat(f.input().get(before, a)).contains(a);
            assertThat(f.input().get(before, b)).contains(b);
            assertThat(f.twice().get(before, a)).isEqualTo(2 * a);
            assertThat(f.twice().get(before, b)).isEqualTo(2 * b);
            // The primary and the newer snapshot do.
            for (View v : new View[] {db, after}) {
                assertThat(f.input().get(v, a)).contains(-5);
                assertThat(f.input().get(v, b)).isEmpty();
                assertThat(f.twice().get(v, a)).isEqualTo(-10);
                assertThat(catchFailure(f, v, b)).isInstanceOf(MissingInputException.class);
            }
            // A write to a snapshot is not seen by the primary or the other snapshot.
            f.input().set(before, 0, 99);
            assertThat(f.twice().get(before, 0)).isEqualTo(198);
            assertThat(f.twice().get(db, 0)).isEqualTo(0);
            assertThat(f.twice().get(after, 0)).isEqualTo(0);
            // Restore the primary for the other tests.
            f.input().set(db, a, a);
            f.input().set(db, b, b);
            assertThat(f.twice().get(db, a)).isEqualTo(2 * a);
            assertThat(f.twice().get(db, b)).isEqualTo(2 * b);
        }
    }

    static Throwable catchFailure(Fixture f, View v, int key) {
        try {
            f.twice().get(v, key);
            return new AssertionError("no failure");
        } catch (QueryFailedException e) {
            return e.getCause();
        }
    }
}
