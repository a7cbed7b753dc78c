package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.RuntimeEvent.InputRemoved;
import dev.picante.RuntimeEvent.InputSet;
import dev.picante.RuntimeEvent.QueryChanged;
import dev.picante.RuntimeEvent.QueryInvalidated;
import dev.picante.RuntimeEvent.RevisionBumped;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runtime events of the primary view, seen through a recording listener: the exact sequence for each
 * kind of mutation, invalidation of (transitive) dependents, and {@code QueryChanged} only on real changes.
 */
class EventsTest {

    private final Database db = Database.create();
    private final InputIngredient<String, String> src = db.input("src", String.class, String.class);
    private final InputIngredient<String, String> other = db.input("other", String.class, String.class);
    private final AtomicInteger lenRuns = new AtomicInteger();
    private final AtomicInteger sumRuns = new AtomicInteger();
    /** Length of {@code src(k)}, -1 when absent. */
    private final DerivedIngredient<String, Integer> len = db.derived("len", String.class, Integer.class, (ctx, k) -> {
        lenRuns.incrementAndGet();
        return src.get(ctx, k).map(String::length).orElse(-1);
    });
    /** {@code len(a) + len(b)}: depends on {@code src} only through {@code len}. */
    private final DerivedIngredient<String, Integer> sumAB = db.derived("sumAB", String.class, Integer.class,
            (ctx, k) -> {
                sumRuns.incrementAndGet();
                return len.get(ctx, "a") + len.get(ctx, "b");
            });
    private final DerivedIngredient<String, Integer> otherLen = db.derived("otherLen", String.class, Integer.class,
            (ctx, k) -> other.get(ctx, k).map(String::length).orElse(-1));
    private final List<RuntimeEvent> events = new CopyOnWriteArrayList<>();

    // ---------------------------------------------------------------- mutations

    @Test
    void setOfNewSlotEmitsRevisionBumpedThenInputSet() {
        // r[input.set]
        db.subscribe(events::add);

        Revision r = src.set(db, "a", "hello");

        assertThat(events).containsExactly(new RevisionBumped(r), new InputSet("src", "a", r));
        assertThat(db.revision()).isEqualTo(r);
    }

    @Test
    void setOfChangedValueEmitsRevisionBumpedThenInputSet() {
        // r[input.set]
        src.set(db, "a", "hello");
        db.subscribe(events::add);

        Revision r = src.set(db, "a", "world");

        assertThat(events).containsExactly(new RevisionBumped(r), new InputSet("src", "a", r));
    }

    @Test
    void removeOfPresentSlotEmitsRevisionBumpedThenInputRemoved() {
        // r[input.remove]
        src.set(db, "a", "hello");
        db.subscribe(events::add);

        Revision r = src.remove(db, "a");

        assertThat(events).containsExactly(new RevisionBumped(r), new InputRemoved("src", "a", r));
    }

    @Test
    void noOpMutationsEmitNothing() {
        // r[input.set] r[input.remove] r[input.batch]
        src.set(db, "a", "hello");
        db.subscribe(events::add);

        src.set(db, "a", new String("hello"));
        src.remove(db, "never");
        db.batch().commit();
        db.batch().set(src, "a", "hello").remove(src, "never").commit();
        db.batch().set(src, "x", "1").remove(src, "x").commit();

        assertThat(events).isEmpty();
    }

    @Test
    void batchEmitsOneRevisionBumpedThenEachChangedSlotInCallOrder() {
        // r[input.batch]
        src.set(db, "gone", "1");
        src.set(db, "same", "s");
        db.subscribe(events::add);

        Revision r = db.batch()
                .set(other, "x", "1")
                .set(src, "same", "s")
                .set(src, "b", "2")
                .remove(src, "gone")
                .remove(src, "never")
                .commit();

        assertThat(events).containsExactly(
                new RevisionBumped(r),
                new InputSet("other", "x", r),
                new InputSet("src", "b", r),
                new InputRemoved("src", "gone", r));
    }

    @Test
    void batchSlotTouchedSeveralTimesAppearsOnceWithItsFinalState() {
        // r[input.batch] r[input.batch-conflicts]
        src.set(db, "p", "present");
        db.subscribe(events::add);

        Revision r = db.batch()
                .set(src, "p", "1")
                .remove(src, "p")
                .set(src, "q", "1")
                .set(src, "q", "2")
                .commit();

        assertThat(events).containsExactly(
                new RevisionBumped(r),
                new InputRemoved("src", "p", r),
                new InputSet("src", "q", r));
        assertThat(src.get(db, "q")).contains("2");
    }

    @Test
    void eventsAreDeliveredSynchronouslyOnTheWritingThread() {
        // r[dep.invalidation]
        List<Thread> threads = new ArrayList<>();
        db.subscribe(e -> threads.add(Thread.currentThread()));

        src.set(db, "a", "1");

        assertThat(threads).hasSize(2).containsOnly(Thread.currentThread());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void concurrentWritersDeliverEachMutationsEventsTogetherInRevisionOrder() throws Exception {
        // r[concurrency.linearizable] r[revision.order]
        db.subscribe(events::add);
        int writers = 3;
        int writes = 200;
        CyclicBarrier start = new CyclicBarrier(writers);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            String key = "w" + w;
            Thread t = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < writes; i++) {
                    src.set(db, key, key + "-" + i);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }

        assertThat(events).hasSize(2 * writers * writes);
        List<Revision> bumped = new ArrayList<>();
        for (int i = 0; i < events.size(); i += 2) {
            assertThat(events.get(i)).isInstanceOf(RevisionBumped.class);
            Revision r = ((RevisionBumped) events.get(i)).revision();
            assertThat(events.get(i + 1)).isInstanceOfSatisfying(InputSet.class,
                    set -> assertThat(set.revision()).isEqualTo(r));
            bumped.add(r);
        }
        assertThat(bumped).isSorted().doesNotHaveDuplicates();
        assertThat(bumped.get(bumped.size() - 1)).isEqualTo(db.revision());
    }

    // ---------------------------------------------------------------- r[dep.invalidation]

    @Test
    void setInvalidatesDirectAndTransitiveDependentsOnly() {
        // r[dep.invalidation]
        src.set(db, "a", "hello");
        src.set(db, "b", "hi");
        other.set(db, "a", "other");
        assertThat(sumAB.get(db, "ab")).isEqualTo(7);
        assertThat(otherLen.get(db, "a")).isEqualTo(5);
        assertThat(len.get(db, "c")).isEqualTo(-1);
        db.subscribe(events::add);

        Revision r = src.set(db, "a", "hello!");

        assertThat(events).hasSize(4);
        assertThat(events.subList(0, 2)).containsExactly(new RevisionBumped(r), new InputSet("src", "a", r));
        assertThat(events.subList(2, 4)).containsExactlyInAnyOrder(
                new QueryInvalidated("len", "a", "src", "a", r),
                new QueryInvalidated("sumAB", "ab", "src", "a", r));
    }

    @Test
    void diamondDependentIsInvalidatedOnce() {
        // r[dep.invalidation]
        DerivedIngredient<String, Integer> twice = db.derived("twice", String.class, Integer.class,
                (ctx, k) -> len.get(ctx, k) + sumAB.get(ctx, "ab"));
        src.set(db, "a", "hello");
        assertThat(twice.get(db, "a")).isEqualTo(9);
        db.subscribe(events::add);

        Revision r = src.set(db, "a", "hi");

        assertThat(events.subList(0, 2)).containsExactly(new RevisionBumped(r), new InputSet("src", "a", r));
        assertThat(events.subList(2, events.size())).containsExactlyInAnyOrder(
                new QueryInvalidated("len", "a", "src", "a", r),
                new QueryInvalidated("sumAB", "ab", "src", "a", r),
                new QueryInvalidated("twice", "a", "src", "a", r));
        assertThat(twice.get(db, "a")).isEqualTo(3);
    }

    @Test
    void removeInvalidatesDependentsNamingTheRemovedSlot() {
        // r[dep.invalidation] r[input.slot]
        src.set(db, "a", "hello");
        assertThat(sumAB.get(db, "ab")).isEqualTo(4);
        db.subscribe(events::add);

        Revision r = src.remove(db, "a");

        assertThat(events.subList(0, 2)).containsExactly(new RevisionBumped(r), new InputRemoved("src", "a", r));
        assertThat(events.subList(2, events.size())).containsExactlyInAnyOrder(
                new QueryInvalidated("len", "a", "src", "a", r),
                new QueryInvalidated("sumAB", "ab", "src", "a", r));
        assertThat(sumAB.get(db, "ab")).isEqualTo(-2);
    }

    @Test
    void readerOfAbsentSlotIsInvalidatedWhenTheSlotAppears() {
        // r[dep.invalidation] r[input.slot]
        assertThat(len.get(db, "z")).isEqualTo(-1);
        db.subscribe(events::add);

        Revision r = src.set(db, "z", "zz");

        assertThat(events).containsExactly(
                new RevisionBumped(r),
                new InputSet("src", "z", r),
                new QueryInvalidated("len", "z", "src", "z", r));
        assertThat(len.get(db, "z")).isEqualTo(2);
    }

    @Test
    void batchInvalidatesDependentsOfEveryChangedSlot() {
        // r[dep.invalidation] r[input.batch]
        src.set(db, "a", "1");
        other.set(db, "o", "1");
        len.get(db, "a");
        otherLen.get(db, "o");
        otherLen.get(db, "untouched");
        db.subscribe(events::add);

        Revision r = db.batch().set(src, "a", "22").set(other, "o", "333").commit();

        assertThat(events.subList(0, 3)).containsExactly(
                new RevisionBumped(r), new InputSet("src", "a", r), new InputSet("other", "o", r));
        assertThat(events.subList(3, events.size())).containsExactlyInAnyOrder(
                new QueryInvalidated("len", "a", "src", "a", r),
                new QueryInvalidated("otherLen", "o", "other", "o", r));
        assertThat(len.get(db, "a")).isEqualTo(2);
        assertThat(otherLen.get(db, "o")).isEqualTo(3);
    }

    @Test
    void invalidatedDependentsRecomputeOnNextAccess() {
        // r[dep.invalidation]
        src.set(db, "a", "hello");
        src.set(db, "b", "hi");
        assertThat(sumAB.get(db, "ab")).isEqualTo(7);

        src.set(db, "b", "hiya");

        assertThat(sumAB.get(db, "ab")).isEqualTo(9);
        assertThat(sumRuns).hasValue(2);
        assertThat(lenRuns).as("len(a) reused, len(b) computed twice").hasValue(3);
    }

    @Test
    void resultsComputedWhileSubscribedAreInvalidatedByAnEditTheyRead() {
        // r[dep.invalidation]: results stored after the first subscription (not rebuilt from the tables by it)
        // are reported as well, also when a recomputation replaces them
        db.subscribe(events::add);
        src.set(db, "a", "hello");
        src.set(db, "b", "hi");
        assertThat(sumAB.get(db, "ab")).isEqualTo(7);
        events.clear();

        Revision r = src.set(db, "b", "hiya");
        assertThat(events.subList(2, events.size())).containsExactlyInAnyOrder(
                new QueryInvalidated("len", "b", "src", "b", r),
                new QueryInvalidated("sumAB", "ab", "src", "b", r));

        assertThat(sumAB.get(db, "ab")).isEqualTo(9);
        events.clear();
        Revision again = src.set(db, "a", "hey");
        assertThat(events.subList(2, events.size())).containsExactlyInAnyOrder(
                new QueryInvalidated("len", "a", "src", "a", again),
                new QueryInvalidated("sumAB", "ab", "src", "a", again));
    }

    @Test
    void unrelatedChangeInvalidatesNothingAndRecomputesNothing() {
        // r[dep.invalidation]
        src.set(db, "a", "hello");
        assertThat(sumAB.get(db, "ab")).isEqualTo(4);
        db.subscribe(events::add);

        Revision r = other.set(db, "a", "unrelated");

        assertThat(events).containsExactly(new RevisionBumped(r), new InputSet("other", "a", r));
        assertThat(sumAB.get(db, "ab")).isEqualTo(4);
        assertThat(sumRuns).hasValue(1);
        assertThat(lenRuns).hasValue(2);
    }

    // ---------------------------------------------------------------- QueryChanged

    @Test
    void firstComputationEmitsNoQueryChanged() {
        // r[changed-at.derived]
        src.set(db, "a", "hello");
        db.subscribe(events::add);

        sumAB.get(db, "ab");
        len.get(db, "zzz");

        assertThat(events).isEmpty();
    }

    @Test
    void recomputationWithNewValueEmitsQueryChangedForEachChangedQuery() {
        // r[changed-at.derived] r[dep.invalidation]
        src.set(db, "a", "hello");
        sumAB.get(db, "ab");
        Revision r = src.set(db, "a", "hello world");
        db.subscribe(events::add);

        assertThat(sumAB.get(db, "ab")).isEqualTo(10);

        assertThat(events).containsExactly(new QueryChanged("len", "a", r), new QueryChanged("sumAB", "ab", r));
    }

    @Test
    void earlyCutoffEmitsNoQueryChangedAndSkipsDependents() {
        // r[revision.early-cutoff] r[changed-at.derived]
        src.set(db, "a", "hello");
        sumAB.get(db, "ab");
        src.set(db, "a", "world");
        db.subscribe(events::add);

        assertThat(sumAB.get(db, "ab")).isEqualTo(4);

        assertThat(events).isEmpty();
        assertThat(lenRuns).as("len(a) recomputed, len(b) reused").hasValue(3);
        assertThat(sumRuns).as("sumAB reused after early cutoff").hasValue(1);
    }

    @Test
    void recomputationToAnEqualValueEmitsNoQueryChanged() {
        // r[revision.early-cutoff] r[changed-at.derived]
        src.set(db, "a", "hello");
        src.set(db, "b", "x");
        sumAB.get(db, "ab");
        Revision r = db.batch().set(src, "a", "hello!").set(src, "b", "").commit();
        db.subscribe(events::add);

        assertThat(sumAB.get(db, "ab")).isEqualTo(6);

        assertThat(events).containsExactlyInAnyOrder(new QueryChanged("len", "a", r), new QueryChanged("len", "b", r));
        assertThat(sumRuns).as("sumAB recomputed to an equal value").hasValue(2);
    }

    // ---------------------------------------------------------------- primary view only

    @Test
    void snapshotMutationsAndComputationsEmitNothing() {
        // r[snapshot.isolation]
        src.set(db, "a", "hello");
        Snapshot s = db.snapshot();
        sumAB.get(s, "ab");
        db.subscribe(events::add);

        src.set(s, "a", "hello world");
        s.batch().set(src, "b", "b").commit();
        src.remove(s, "a");
        assertThat(sumAB.get(s, "ab")).isEqualTo(0);

        assertThat(events).isEmpty();
    }

    @Test
    void queriesMemoizedOnlyInASnapshotAreNotReportedInvalidated() {
        // r[dep.invalidation] r[snapshot.memo-isolation]: the database moved on, so the snapshot computes for itself.
        src.set(db, "a", "hello");
        Snapshot s = db.snapshot();
        src.set(db, "c", "moved on");
        sumAB.get(s, "ab");
        db.subscribe(events::add);

        Revision r = src.set(db, "a", "bye");

        assertThat(events).containsExactly(new RevisionBumped(r), new InputSet("src", "a", r));
    }

    @Test
    void queriesASnapshotResolvedInTheDatabaseAreReportedInvalidatedThere() {
        // r[dep.invalidation]: a snapshot at the database's state resolves its reads in the database.
        src.set(db, "a", "hello");
        Snapshot s = db.snapshot();
        sumAB.get(s, "ab");
        db.subscribe(events::add);

        Revision r = src.set(db, "a", "bye");

        assertThat(events).containsExactly(new RevisionBumped(r), new InputSet("src", "a", r),
                new QueryInvalidated("len", "a", "src", "a", r), new QueryInvalidated("sumAB", "ab", "src", "a", r));
    }

    // ---------------------------------------------------------------- subscriptions

    @Test
    void closedSubscriptionReceivesNothingMore() {
        // r[dep.invalidation]
        List<RuntimeEvent> closedOnes = new CopyOnWriteArrayList<>();
        Subscription subscription = db.subscribe(closedOnes::add);
        db.subscribe(events::add);
        Revision r1 = src.set(db, "a", "1");

        subscription.close();
        Revision r2 = src.set(db, "a", "2");
        subscription.close();
        src.remove(db, "a");

        assertThat(closedOnes).containsExactly(new RevisionBumped(r1), new InputSet("src", "a", r1));
        assertThat(events).hasSize(6).contains(new RevisionBumped(r2), new InputSet("src", "a", r2));
    }

    @Test
    void closingOneOfTwoSubscriptionsOfTheSameListenerTwiceKeepsTheOther() {
        // r[dep.invalidation]
        Consumer<RuntimeEvent> listener = events::add;
        Subscription first = db.subscribe(listener);
        db.subscribe(listener);

        first.close();
        first.close();
        Revision r = src.set(db, "a", "1");

        assertThat(events).containsExactly(new RevisionBumped(r), new InputSet("src", "a", r));
    }

    @Test
    void throwingListenerBreaksNeitherTheWriteNorOtherListeners() {
        // r[dep.invalidation] r[input.set]
        src.set(db, "a", "hello");
        len.get(db, "a");
        db.subscribe(e -> {
            throw new IllegalStateException("listener bug");
        });
        db.subscribe(events::add);
        db.subscribe(e -> {
            throw new UnsupportedOperationException("another listener bug");
        });

        Revision r = src.set(db, "a", "bye");
        Revision r2 = db.batch().set(src, "b", "x").commit();

        assertThat(r).isEqualTo(events.get(0) instanceof RevisionBumped b ? b.revision() : null);
        assertThat(src.get(db, "a")).contains("bye");
        assertThat(src.get(db, "b")).contains("x");
        assertThat(db.revision()).isEqualTo(r2);
        assertThat(events).containsExactly(
                new RevisionBumped(r),
                new InputSet("src", "a", r),
                new QueryInvalidated("len", "a", "src", "a", r),
                new RevisionBumped(r2),
                new InputSet("src", "b", r2));
        assertThat(len.get(db, "a")).isEqualTo(3);
    }
}
