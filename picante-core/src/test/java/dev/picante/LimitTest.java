package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * State bytes and the state-byte limit: how inputs and interned values are counted, and that a refused
 * mutation leaves no trace at all.
 */
class LimitTest {

    private static final long LIMIT = 40_000;

    private final List<RuntimeEvent> events = new CopyOnWriteArrayList<>();

    /** A limited database with a small input, a memoized dependent of it, and a recording listener. */
    private final class Fixture {
        final Database db = Database.builder().stateByteLimit(LIMIT).build();
        final InputIngredient<String, String> files = db.input("files", String.class, String.class);
        final InternedIngredient<String> symbols = db.interned("symbols", String.class);
        final AtomicInteger runs = new AtomicInteger();
        final DerivedIngredient<String, Integer> length = db.derived("length", String.class, Integer.class,
                (ctx, k) -> {
                    runs.incrementAndGet();
                    return files.get(ctx, k).map(String::length).orElse(-1);
                });
        final Revision revision;
        final long bytes;

        Fixture() {
            files.set(db, "a", "small");
            symbols.intern(db, "sym");
            assertThat(length.get(db, "a")).isEqualTo(5);
            assertThat(length.get(db, "b")).isEqualTo(-1);
            revision = db.revision();
            bytes = db.stateBytes();
            db.subscribe(events::add);
        }

        /** Asserts that nothing observable changed since construction. */
        void assertNoTrace() {
            assertThat(db.revision()).isEqualTo(revision);
            assertThat(db.stateBytes()).isEqualTo(bytes);
            assertThat(files.get(db, "a")).contains("small");
            assertThat(files.get(db, "b")).isEmpty();
            assertThat(events).isEmpty();
            assertThat(length.get(db, "a")).isEqualTo(5);
            assertThat(length.get(db, "b")).isEqualTo(-1);
            assertThat(runs).as("dependents were not invalidated").hasValue(2);
            assertThat(events).isEmpty();
        }
    }

    private static String big() {
        return "x".repeat(100_000);
    }

    // ---------------------------------------------------------------- r[limit.state-bytes]

    @Test
    void stateBytesAreDeterministic() {
        // r[limit.state-bytes]
        List<Long> first = replay();
        List<Long> second = replay();

        assertThat(second).isEqualTo(first);
    }

    private static List<Long> replay() {
        Database db = Database.create();
        InputIngredient<String, String> files = db.input("files", String.class, String.class);
        InputIngredient<Integer, List<String>> lists = db.input("lists", Integer.class, listClass());
        InternedIngredient<String> symbols = db.interned("symbols", String.class);
        List<Long> counts = new ArrayList<>();
        counts.add(db.stateBytes());
        files.set(db, "a", "hello");
        counts.add(db.stateBytes());
        lists.set(db, 1, List.of("x", "yy", "zzz"));
        counts.add(db.stateBytes());
        symbols.intern(db, "sym");
        counts.add(db.stateBytes());
        Snapshot s = db.snapshot();
        files.set(s, "b", "in snapshot");
        counts.add(db.stateBytes());
        db.batch().set(files, "c", "c").set(files, "a", "hello world").commit();
        counts.add(db.stateBytes());
        return counts;
    }

    @SuppressWarnings("unchecked")
    private static Class<List<String>> listClass() {
        return (Class<List<String>>) (Class<?>) List.class;
    }

    @Test
    void stateBytesGrowWithInputSlotsAndCoverTheirKeysAndValues() {
        // r[limit.state-bytes]
        Database db = Database.create();
        InputIngredient<String, String> files = db.input("files", String.class, String.class);
        long empty = db.stateBytes();

        files.set(db, "small", "v");
        long oneSmall = db.stateBytes();
        files.set(db, "large", "v".repeat(10_000));
        long withLargeValue = db.stateBytes();
        files.set(db, "k".repeat(10_000), "v");
        long withLargeKey = db.stateBytes();

        assertThat(empty).isNotNegative();
        assertThat(oneSmall).isGreaterThan(empty);
        assertThat(withLargeValue - oneSmall).isGreaterThanOrEqualTo(10_000);
        assertThat(withLargeKey - withLargeValue).isGreaterThanOrEqualTo(10_000);
    }

    @Test
    void stateBytesGrowWithInternedValues() {
        // r[limit.state-bytes]
        Database db = Database.create();
        InternedIngredient<String> symbols = db.interned("symbols", String.class);
        long before = db.stateBytes();

        symbols.intern(db, "s".repeat(10_000));
        long after = db.stateBytes();
        symbols.intern(db, "s".repeat(10_000));

        assertThat(after - before).isGreaterThanOrEqualTo(10_000);
        assertThat(db.stateBytes()).as("an existing value takes no more room").isEqualTo(after);
    }

    @Test
    void stateBytesNeverShrinkWhileTheStateOnlyGrows() {
        // r[limit.state-bytes]
        Database db = Database.create();
        InputIngredient<Integer, String> in = db.input("in", Integer.class, String.class);
        InternedIngredient<String> symbols = db.interned("symbols", String.class);
        long previous = db.stateBytes();
        for (int i = 0; i < 200; i++) {
            if (i % 3 == 0) {
                symbols.intern(db, "sym-" + i);
            } else {
                in.set(db, i, "value-" + i);
            }
            long now = db.stateBytes();
            assertThat(now).as("after step %d", i).isGreaterThanOrEqualTo(previous);
            previous = now;
        }
        assertThat(previous).isGreaterThan(0);
    }

    @Test
    void stateBytesAreCountedPerDatabaseAcrossAllItsViews() {
        // r[limit.state-bytes]
        Database db = Database.create();
        Database other = Database.create();
        InputIngredient<String, String> files = db.input("files", String.class, String.class);
        InputIngredient<String, String> otherFiles = other.input("files", String.class, String.class);
        InternedIngredient<String> symbols = db.interned("symbols", String.class);
        files.set(db, "a", "1");
        otherFiles.set(other, "a", "1");
        long otherBytes = other.stateBytes();
        Snapshot s = db.snapshot();
        long before = db.stateBytes();

        files.set(s, "from-snapshot", "v".repeat(10_000));
        long afterSnapshotSet = db.stateBytes();
        symbols.intern(s.snapshot(), "i".repeat(10_000));

        assertThat(afterSnapshotSet - before).isGreaterThanOrEqualTo(10_000);
        assertThat(db.stateBytes() - afterSnapshotSet).isGreaterThanOrEqualTo(10_000);
        assertThat(s.database().stateBytes()).isEqualTo(db.stateBytes());
        assertThat(other.stateBytes()).isEqualTo(otherBytes);
    }

    @Test
    void stateBytesDoNotShrinkWhenTheSourceReplacesAValueALiveSnapshotStillHolds() {
        // r[limit.state-bytes]
        Database db = Database.create();
        InputIngredient<String, String> files = db.input("files", String.class, String.class);
        String big = "b".repeat(10_000);
        files.set(db, "a", big);
        Snapshot s = db.snapshot();
        long before = db.stateBytes();

        // the snapshot still retains the big value, and the database now also retains "small": memory grew
        files.set(db, "a", "small");

        assertThat(db.stateBytes()).isGreaterThanOrEqualTo(before);
        assertThat(files.get(s, "a")).contains(big);
        assertThat(files.get(db, "a")).contains("small");
    }

    @Test
    void stateBytesStillCoverAValueThatOnlyALiveSnapshotHolds() {
        // r[limit.state-bytes]
        Database db = Database.create();
        InputIngredient<String, String> files = db.input("files", String.class, String.class);
        long empty = db.stateBytes();
        String big = "b".repeat(10_000);
        files.set(db, "a", big);
        Snapshot s = db.snapshot();

        files.remove(db, "a");

        assertThat(db.stateBytes() - empty).as("the snapshot's slot is still counted").isGreaterThanOrEqualTo(10_000);
        assertThat(files.get(s, "a")).contains(big);
    }

    @Test
    void limitCountsValuesThatOnlyASnapshotStillHolds() {
        // r[limit.enforced] r[limit.state-bytes]
        String big = "b".repeat(10_000);
        Database probe = Database.create();
        InputIngredient<String, String> probeFiles = probe.input("files", String.class, String.class);
        long base = probe.stateBytes();
        probeFiles.set(probe, "a", big);
        long slot = probe.stateBytes() - base;
        assertThat(slot).isGreaterThanOrEqualTo(10_000);

        Database db = Database.builder().stateByteLimit(base + slot + slot / 2).build();
        InputIngredient<String, String> files = db.input("files", String.class, String.class);
        files.set(db, "a", big);
        Snapshot s = db.snapshot();
        files.set(db, "a", "small");
        Revision r = db.revision();

        // the snapshot still holds the first big value: a second one does not fit
        assertThatThrownBy(() -> files.set(db, "b", "c".repeat(10_000))).isInstanceOf(LimitExceededException.class);

        assertThat(db.revision()).isEqualTo(r);
        assertThat(files.get(db, "b")).isEmpty();
        assertThat(files.get(s, "a")).contains(big);
    }

    // ---------------------------------------------------------------- r[limit.enforced]

    @Test
    void setOfNewSlotOverTheLimitIsRefusedWithoutTrace() {
        // r[limit.enforced]
        Fixture f = new Fixture();

        assertThatThrownBy(() -> f.files.set(f.db, "b", big()))
                .isInstanceOfSatisfying(LimitExceededException.class, e -> {
                    assertThat(e.limit()).isEqualTo(LIMIT);
                    assertThat(e.required()).isGreaterThan(LIMIT);
                });

        f.assertNoTrace();
    }

    @Test
    void setOfExistingSlotOverTheLimitKeepsTheOldValueAndItsDependents() {
        // r[limit.enforced]
        Fixture f = new Fixture();

        assertThatThrownBy(() -> f.files.set(f.db, "a", big())).isInstanceOf(LimitExceededException.class);

        f.assertNoTrace();
    }

    @Test
    void batchOverTheLimitAppliesNothing() {
        // r[limit.enforced] r[input.batch]
        Fixture f = new Fixture();
        Batch batch = f.db.batch()
                .set(f.files, "a", "changed")
                .set(f.files, "b", "new")
                .set(f.files, "c", big());

        assertThatThrownBy(batch::commit).isInstanceOf(LimitExceededException.class);

        f.assertNoTrace();
        assertThat(f.files.get(f.db, "c")).isEmpty();
    }

    @Test
    void batchOfManySmallSetsThatTogetherExceedTheLimitAppliesNothing() {
        // r[limit.enforced] r[input.batch]
        Fixture f = new Fixture();
        Batch batch = f.db.batch().remove(f.files, "a");
        for (int i = 0; i < 20; i++) {
            batch.set(f.files, "part-" + i, "p".repeat(5_000));
        }

        assertThatThrownBy(batch::commit).isInstanceOf(LimitExceededException.class);

        f.assertNoTrace();
        assertThat(f.files.get(f.db, "part-0")).isEmpty();
    }

    @Test
    void internOfNewValueOverTheLimitIsRefusedWithoutTrace() {
        // r[limit.enforced] r[intern.limits]
        Fixture f = new Fixture();

        assertThatThrownBy(() -> f.symbols.intern(f.db, big())).isInstanceOf(LimitExceededException.class);

        f.assertNoTrace();
        assertThat(f.symbols.intern(f.db, "sym")).isEqualTo(new InternId(0));
        assertThat(f.symbols.intern(f.db, "next")).isEqualTo(new InternId(1));
    }

    @Test
    void snapshotWritesCountTowardsTheDatabaseLimit() {
        // r[limit.enforced] r[limit.state-bytes]
        String half = "h".repeat(10_000);
        // measure what the slot takes in an unlimited database with the same history
        Database probe = Database.create();
        InputIngredient<String, String> probeFiles = probe.input("files", String.class, String.class);
        probeFiles.set(probe, "a", "small");
        long base = probe.stateBytes();
        Snapshot probeSnapshot = probe.snapshot();
        probeFiles.set(probeSnapshot, "half", half);
        long withHalf = probe.stateBytes();
        long slot = withHalf - base;
        assertThat(slot).isGreaterThanOrEqualTo(10_000);
        assertThat(probeFiles.get(probeSnapshot, "half")).contains(half);

        Database db = Database.builder().stateByteLimit(withHalf + slot / 2).build();
        InputIngredient<String, String> files = db.input("files", String.class, String.class);
        files.set(db, "a", "small");
        Revision dbRev = db.revision();
        Snapshot s = db.snapshot();
        Revision sRev = files.set(s, "half", half);
        assertThat(db.stateBytes()).isEqualTo(withHalf);
        db.subscribe(events::add);

        assertThatThrownBy(() -> files.set(db, "bbbb", half)).isInstanceOf(LimitExceededException.class);
        assertThatThrownBy(() -> s.batch().set(files, "cccc", half).commit())
                .isInstanceOf(LimitExceededException.class);
        assertThatThrownBy(() -> files.set(s.snapshot(), "dddd", half)).isInstanceOf(LimitExceededException.class);

        assertThat(s.revision()).isEqualTo(sRev);
        assertThat(db.revision()).isEqualTo(dbRev);
        assertThat(files.get(s, "cccc")).isEmpty();
        assertThat(files.get(db, "bbbb")).isEmpty();
        assertThat(files.get(s, "half")).contains(half);
        assertThat(db.stateBytes()).isEqualTo(withHalf);
        assertThat(events).isEmpty();
    }

    @Test
    void mutationReachingExactlyTheLimitIsAcceptedAndOneByteLessRefusesIt() {
        // r[limit.enforced] r[limit.state-bytes]
        long reached = replayLimited(Long.MAX_VALUE);

        assertThat(replayLimited(reached)).isEqualTo(reached);
        assertThatThrownBy(() -> replayLimited(reached - 1)).isInstanceOf(LimitExceededException.class);
    }

    /** Sets two slots in a database limited to {@code limit}; returns the state bytes reached. */
    private static long replayLimited(long limit) {
        Database.Builder builder = Database.builder();
        if (limit != Long.MAX_VALUE) {
            builder.stateByteLimit(limit);
        }
        Database db = builder.build();
        InputIngredient<String, String> files = db.input("files", String.class, String.class);
        files.set(db, "a", "first");
        files.set(db, "b", "y".repeat(3_000));
        return db.stateBytes();
    }

    @Test
    void refusedWriteLeavesTheDatabaseUsable() {
        // r[limit.enforced]
        Fixture f = new Fixture();
        assertThatThrownBy(() -> f.files.set(f.db, "b", big())).isInstanceOf(LimitExceededException.class);

        Revision r = f.files.set(f.db, "b", "fits");

        assertThat(r).isGreaterThan(f.revision);
        assertThat(f.files.get(f.db, "b")).contains("fits");
        assertThat(f.length.get(f.db, "b")).isEqualTo(4);
        assertThat(events).contains(new RuntimeEvent.RevisionBumped(r), new RuntimeEvent.InputSet("files", "b", r));
    }

    // ---------------------------------------------------------------- custom weigher

    @Test
    void customWeigherDecidesWhatCounts() {
        // r[limit.state-bytes] r[limit.enforced]
        Database db = Database.builder()
                .stateWeigher(o -> "HEAVY".equals(o) ? 1_000_000 : 1)
                .stateByteLimit(100_000)
                .build();
        InputIngredient<String, String> files = db.input("files", String.class, String.class);
        InternedIngredient<String> symbols = db.interned("symbols", String.class);
        files.set(db, "a", "light but long ".repeat(200));
        Revision r = db.revision();
        List<RuntimeEvent> seen = new ArrayList<>();
        Consumer<RuntimeEvent> listener = seen::add;
        db.subscribe(listener);

        assertThatThrownBy(() -> files.set(db, "b", "HEAVY")).isInstanceOf(LimitExceededException.class);
        assertThatThrownBy(() -> files.set(db, "HEAVY", "light")).isInstanceOf(LimitExceededException.class);
        assertThatThrownBy(() -> symbols.intern(db, "HEAVY")).isInstanceOf(LimitExceededException.class);

        assertThat(db.revision()).isEqualTo(r);
        assertThat(files.get(db, "b")).isEmpty();
        assertThat(files.get(db, "HEAVY")).isEmpty();
        assertThat(seen).isEmpty();
    }

    @Test
    void customWeigherWeightIsReflectedInStateBytes() {
        // r[limit.state-bytes]
        Database db = Database.builder().stateWeigher(o -> "HEAVY".equals(o) ? 1_000_000 : 1).build();
        InputIngredient<String, String> files = db.input("files", String.class, String.class);
        files.set(db, "light", "x".repeat(50_000));
        long before = db.stateBytes();

        files.set(db, "h", "HEAVY");

        assertThat(before).isLessThan(1_000_000);
        assertThat(db.stateBytes() - before).isGreaterThanOrEqualTo(1_000_000);
    }
}
