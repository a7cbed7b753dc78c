package dev.picante.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Database;
import dev.picante.LimitExceededException;
import dev.picante.Revision;
import dev.picante.RuntimeEvent;
import dev.picante.Snapshot;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The input change log SPI: the order of its calls, external changes applied before the local write and
 * without passing the log, veto, abort, deferral, synchronization, and no writes from inside a step.
 */
class InputChangeLogTest extends InputWritesFixture<InputChangeLogTest.ScriptedLog> {

    /** A log scripted by the test: external changes to hand over, a veto, writes to defer; records calls. */
    static final class ScriptedLog implements InputChangeLog {

        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<List<InputChange>> committed = new CopyOnWriteArrayList<>();
        final List<List<InputChange>> deferred = new CopyOnWriteArrayList<>();
        final Deque<List<InputChange>> external = new ArrayDeque<>();
        volatile @Nullable RuntimeException veto;
        volatile Predicate<List<InputChange>> defer = writes -> false;
        /** Run from inside {@link Step#nextExternal()}: to try a write from inside a step. */
        volatile @Nullable Runnable inside;

        @Override
        public Step open(Purpose purpose) {
            calls.add("open " + purpose);
            return new Step() {
                @Override
                public @Nullable List<InputChange> nextExternal() {
                    Runnable r = inside;
                    if (r != null) {
                        inside = null;
                        r.run();
                    }
                    synchronized (external) {
                        List<InputChange> next = external.poll();
                        if (next != null) {
                            calls.add("external " + next.size());
                        }
                        return next;
                    }
                }

                @Override
                public void externalApplied(Revision revision) {
                    calls.add("applied " + revision.value());
                }

                @Override
                public boolean defer(List<InputChange> writes) {
                    if (defer.test(writes)) {
                        calls.add("defer");
                        deferred.add(writes);
                        return true;
                    }
                    return false;
                }

                @Override
                public void commit(List<InputChange> changes) {
                    calls.add("commit");
                    RuntimeException e = veto;
                    if (e != null) {
                        throw e;
                    }
                    committed.add(changes);
                }

                @Override
                public void published(Revision revision) {
                    calls.add("published " + revision.value());
                }

                @Override
                public void close() {
                    calls.add("close");
                }
            };
        }

        void arrives(List<InputChange> changes) {
            synchronized (external) {
                external.add(changes);
            }
        }
    }

    private final ScriptedLog log = hook;

    InputChangeLogTest() {
        super(new ScriptedLog(), Database.Builder::inputChangeLog);
    }

    @Test
    void everyPrimaryWriteCommitsItsEffectiveChangesBeforeItIsPublishedAndClosesTheStep() {
        List<Revision> revisions = writeThree();
        Revision first = revisions.get(0);
        Revision second = revisions.get(1);
        Revision third = revisions.get(2);

        assertThat(log.committed).containsExactlyElementsOf(THREE_WRITES_CHANGES);
        assertThat(log.calls).containsExactly(
                "open WRITE", "commit", "published " + first.value(), "close",
                "open WRITE", "commit", "published " + second.value(), "close",
                "open WRITE", "commit", "published " + third.value(), "close");
        assertThat(db.inputChangeLog()).containsSame(log);
        assertThat(Database.create().inputChangeLog()).isEmpty();
    }

    @Test
    void externalChangesAreAppliedFirstEachAsOneRevisionWithoutPassingTheLogAndTheWriteSeesThem() {
        pages.set(db, "a", "local");
        assertThat(length.get(db, "a")).isEqualTo(5);
        db.subscribe(events::add);
        log.calls.clear();
        log.committed.clear();
        log.arrives(List.of(new InputChange("pages", "a", "remote"), new InputChange("pages", "b", "remote")));
        log.arrives(List.of(new InputChange("pages", "a", "remote"))); // changes nothing: no revision

        // "a" = "remote" was applied first, so setting it to "remote" again changes only "c"
        Revision mine = db.batch().set(pages, "a", "remote").set(pages, "c", "mine").commit();

        assertThat(mine.value()).isEqualTo(3);
        assertThat(log.committed).containsExactly(List.of(new InputChange("pages", "c", "mine")));
        assertThat(log.calls).containsExactly("open WRITE", "external 2", "applied 2", "external 1", "applied 2",
                "commit", "published 3", "close");
        assertThat(pages.get(db, "b")).contains("remote");
        assertThat(length.get(db, "a")).isEqualTo(6);
        assertThat(computations).hasValue(2);
        assertThat(events).filteredOn(e -> !(e instanceof RuntimeEvent.QueryInvalidated)
                && !(e instanceof RuntimeEvent.QueryChanged)).containsExactly(
                new RuntimeEvent.RevisionBumped(new Revision(2)),
                new RuntimeEvent.InputSet("pages", "a", new Revision(2)),
                new RuntimeEvent.InputSet("pages", "b", new Revision(2)),
                new RuntimeEvent.RevisionBumped(new Revision(3)),
                new RuntimeEvent.InputSet("pages", "c", new Revision(3)));
    }

    @Test
    void aVetoedWriteLeavesInputsStateBytesMemosAndEventsAsIfItHadNotBeenMadeButKeepsTheExternalChanges() {
        pages.set(db, "a", "one");
        assertThat(length.get(db, "a")).isEqualTo(3);
        db.subscribe(events::add);
        long bytes = db.stateBytes();
        log.calls.clear();
        IllegalStateException refused = new IllegalStateException("log unavailable");
        log.veto = refused;
        log.arrives(List.of(new InputChange("counts", "x", 1)));

        assertThatThrownBy(() -> pages.set(db, "a", "three")).isSameAs(refused);
        assertThatThrownBy(() -> db.batch().set(pages, "b", "new").remove(pages, "a").commit()).isSameAs(refused);

        // the external change is applied (revision 2), the vetoed writes are not
        assertThat(db.revision().value()).isEqualTo(2);
        assertThat(counts.get(db, "x")).contains(1);
        Database reference = Database.create();
        reference.input("pages", String.class, String.class).set(reference, "a", "one");
        reference.input("counts", String.class, Integer.class).set(reference, "x", 1);
        assertThat(db.stateBytes()).isEqualTo(reference.stateBytes()).isGreaterThan(bytes);
        assertThat(pages.get(db, "a")).contains("one");
        assertThat(pages.get(db, "b")).isEmpty();
        assertThat(length.get(db, "a")).isEqualTo(3);
        assertThat(computations).hasValue(1);
        assertThat(events).containsExactly(new RuntimeEvent.RevisionBumped(new Revision(2)),
                new RuntimeEvent.InputSet("counts", "x", new Revision(2)));
        assertThat(log.calls).containsExactly("open WRITE", "external 1", "applied 2", "commit", "close",
                "open WRITE", "commit", "close");

        log.veto = null;
        pages.set(db, "a", "three!");
        assertThat(length.get(db, "a")).isEqualTo(6);
    }

    @Test
    void aWriteThatChangesNothingOrIsOverTheLimitCommitsNothing() {
        pages.set(db, "a", "one");
        log.calls.clear();
        Revision before = db.revision();

        assertThat(pages.set(db, "a", "one")).isEqualTo(before);
        assertThat(pages.remove(db, "absent")).isEqualTo(before);
        assertThat(db.batch().commit()).isEqualTo(before);
        assertThatThrownBy(() -> pages.set(db, "big", "x".repeat(20_000))).isInstanceOf(LimitExceededException.class);

        assertThat(log.calls).containsExactly("open WRITE", "close", "open WRITE", "close", "open WRITE", "close",
                "open WRITE", "close");
        assertThat(log.committed).hasSize(1);
        assertThat(db.revision()).isEqualTo(before);
    }

    @Test
    void aDeferredWriteIsNotPublishedUntilTheLogHandsItBack() {
        pages.set(db, "a", "one");
        db.subscribe(events::add);
        long bytes = db.stateBytes();
        log.calls.clear();
        log.defer = writes -> true;

        Revision returned = db.batch().set(pages, "a", "one").set(pages, "b", "two").commit();

        assertThat(returned).isEqualTo(db.revision());
        assertThat(returned.value()).isEqualTo(1);
        // the final content of every slot touched, unchanged ones included: the log decides later
        assertThat(log.deferred).containsExactly(List.of(new InputChange("pages", "a", "one"),
                new InputChange("pages", "b", "two")));
        assertThat(pages.get(db, "b")).isEmpty();
        assertThat(db.stateBytes()).isEqualTo(bytes);
        assertThat(events).isEmpty();
        assertThat(log.calls).containsExactly("open WRITE", "defer", "close");

        log.defer = writes -> false;
        log.arrives(log.deferred.get(0));
        assertThat(db.syncInputChangeLog().value()).isEqualTo(2);
        assertThat(pages.get(db, "b")).contains("two");
        assertThat(events).containsExactly(new RuntimeEvent.RevisionBumped(new Revision(2)),
                new RuntimeEvent.InputSet("pages", "b", new Revision(2)));
        assertThat(log.calls).endsWith("open SYNC", "external 2", "applied 2", "close");
    }

    @Test
    void syncAppliesTheExternalChangesOnlyAndDoesNothingWithoutALog() {
        assertThat(db.syncInputChangeLog().value()).isZero();
        log.arrives(List.of(new InputChange("pages", "a", "remote")));
        log.arrives(List.of(new InputChange("counts", "n", 2)));

        assertThat(db.syncInputChangeLog().value()).isEqualTo(2);

        assertThat(pages.get(db, "a")).contains("remote");
        assertThat(counts.get(db, "n")).contains(2);
        assertThat(log.committed).isEmpty();
        assertThat(log.calls).containsExactly("open SYNC", "close", "open SYNC", "external 1", "applied 1",
                "external 1", "applied 2", "close");
        Database plain = Database.create();
        plain.input("pages", String.class, String.class).set(plain, "a", "x");
        assertThat(plain.syncInputChangeLog().value()).isEqualTo(1);
    }

    @Test
    void computeInputChangesComputesAfterTheExternalChangesUnderTheSameStep() {
        pages.set(db, "a", "one");
        log.calls.clear();
        log.committed.clear();
        log.arrives(List.of(new InputChange("pages", "b", "two")));

        Revision revision = db.computeInputChanges(d -> {
            List<InputChange> changes = new ArrayList<>();
            for (String key : List.of("a", "b")) {
                changes.add(new InputChange("counts", key, pages.get(d, key).map(String::length).orElse(0)));
            }
            return changes;
        });

        assertThat(revision.value()).isEqualTo(3);
        assertThat(counts.get(db, "b")).contains(3); // "b" was applied before the computation
        assertThat(log.committed).containsExactly(List.of(new InputChange("counts", "a", 3),
                new InputChange("counts", "b", 3)));
        assertThat(log.calls).containsExactly("open WRITE", "external 1", "applied 2", "commit", "published 3",
                "close");
    }

    @Test
    void aWriteFromInsideAStepIsRefusedAndTheOuterStepStillCloses() {
        log.inside = () -> pages.set(db, "nested", "no");

        assertThatThrownBy(() -> pages.set(db, "a", "one")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("from inside a step of its InputChangeLog");
        assertThatThrownBy(() -> db.computeInputChanges(d -> {
            counts.set(d, "nested", 1);
            return List.of();
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("from inside a step");

        assertThat(log.calls).containsExactly("open WRITE", "close", "open WRITE", "close");
        assertThat(pages.get(db, "nested")).isEmpty();
        assertThat(counts.get(db, "nested")).isEmpty();
        assertThat(db.revision().value()).isZero();
        pages.set(db, "a", "one");
        assertThat(db.revision().value()).isEqualTo(1);
    }

    @Test
    void anExternalChangeThatDoesNotFitFailsTheStepAndKeepsWhatWasAppliedBefore() {
        log.arrives(List.of(new InputChange("pages", "a", "remote")));
        log.arrives(List.of(new InputChange("length", "a", 1)));

        assertThatThrownBy(() -> pages.set(db, "c", "mine")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("database 'picante' has no input named 'length': derived 'length'");

        assertThat(pages.get(db, "a")).contains("remote");
        assertThat(pages.get(db, "c")).isEmpty();
        assertThat(log.calls).containsExactly("open WRITE", "external 1", "applied 1", "external 1", "close");
    }

    @Test
    void snapshotsAndLoadsDoNotPassTheLog() {
        Snapshot snapshot = db.snapshot();
        pages.set(snapshot, "a", "snapshot only");
        assertThat(pages.get(snapshot, "a")).contains("snapshot only");

        assertThat(log.calls).isEmpty();
    }

    @Test
    @SuppressWarnings("deprecation")
    void aDatabaseTakesALogOrAGateNotBoth() {
        assertThatThrownBy(() -> Database.builder().inputChangeLog(log).inputChangeGate(() -> InputChangeGate.Pending.NONE)
                .build()).isInstanceOf(IllegalStateException.class)
                .hasMessage("a database writes through an InputChangeLog or an InputChangeGate, not both: set only"
                        + " inputChangeLog(...)");
    }
}
