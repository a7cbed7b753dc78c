package dev.picante.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Database;
import dev.picante.InputIngredient;
import dev.picante.LimitExceededException;
import dev.picante.Revision;
import dev.picante.RuntimeEvent;
import dev.picante.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The synchronous gate of primary-view input writes: what it sees, and that a veto leaves no trace. */
@SuppressWarnings("deprecation") // the gate is deprecated (InputChangeLog replaces it) but keeps working
class InputChangeGateTest extends InputWritesFixture<InputChangeGateTest.RecordingGate> {

    /** A gate that records every call and can be told to veto commits or to apply a write first. */
    static final class RecordingGate implements InputChangeGate {

        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<List<InputChange>> committed = new CopyOnWriteArrayList<>();
        volatile RuntimeException veto;
        volatile Runnable beforeWrite;
        private final ThreadLocal<Boolean> inside = ThreadLocal.withInitial(() -> false);

        @Override
        public Pending open() {
            if (inside.get()) {
                calls.add("nested");
                return Pending.NONE;
            }
            calls.add("open");
            Runnable first = beforeWrite;
            if (first != null) {
                beforeWrite = null;
                inside.set(true);
                try {
                    first.run();
                } finally {
                    inside.set(false);
                }
            }
            return new Pending() {
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
                public void abort() {
                    calls.add("abort");
                }

                @Override
                public void published(Revision revision) {
                    calls.add("published " + revision.value());
                }
            };
        }
    }

    private final RecordingGate gate = hook;

    InputChangeGateTest() {
        super(new RecordingGate(), Database.Builder::inputChangeGate);
    }

    @Test
    void everyPrimaryWriteCommitsItsEffectiveChangesBeforeItIsPublished() {
        List<Revision> revisions = writeThree();
        Revision first = revisions.get(0);
        Revision second = revisions.get(1);
        Revision third = revisions.get(2);

        assertThat(gate.committed).containsExactlyElementsOf(THREE_WRITES_CHANGES);
        assertThat(gate.committed.get(2).get(0).removal()).isTrue();
        assertThat(gate.calls).containsExactly("open", "commit", "published " + first.value(),
                "open", "commit", "published " + second.value(),
                "open", "commit", "published " + third.value());
    }

    @Test
    void aWriteThatChangesNothingIsAbortedNotCommitted() {
        pages.set(db, "a", "one");
        gate.calls.clear();

        Revision before = db.revision();
        assertThat(pages.set(db, "a", "one")).isEqualTo(before);
        assertThat(pages.remove(db, "absent")).isEqualTo(before);
        assertThat(db.batch().commit()).isEqualTo(before);

        assertThat(gate.calls).containsExactly("open", "abort", "open", "abort", "open", "abort");
    }

    @Test
    void aVetoedWriteFailsAndLeavesStateBytesInputsMemosAndEventsUnchanged() {
        pages.set(db, "a", "one");
        assertThat(length.get(db, "a")).isEqualTo(3);
        db.subscribe(events::add);
        Revision before = db.revision();
        long bytes = db.stateBytes();
        IllegalStateException refused = new IllegalStateException("log unavailable");
        gate.veto = refused;

        assertThatThrownBy(() -> pages.set(db, "a", "three")).isSameAs(refused);
        assertThatThrownBy(() -> db.batch().set(pages, "b", "new").remove(pages, "a").commit()).isSameAs(refused);

        assertThat(db.revision()).isEqualTo(before);
        assertThat(db.stateBytes()).isEqualTo(bytes);
        assertThat(pages.get(db, "a")).contains("one");
        assertThat(pages.get(db, "b")).isEmpty();
        assertThat(length.get(db, "a")).isEqualTo(3);
        assertThat(computations).hasValue(1);
        assertThat(events).isEmpty();
        assertThat(gate.calls).endsWith("open", "commit", "abort", "open", "commit", "abort");

        gate.veto = null;
        pages.set(db, "a", "three!");
        assertThat(length.get(db, "a")).isEqualTo(6);
        assertThat(events).first().isInstanceOf(RuntimeEvent.RevisionBumped.class);
    }

    @Test
    void aVetoedWriteThatReplacedAValueHeldByASnapshotRestoresTheExactCount() {
        pages.set(db, "a", "x".repeat(100));
        Snapshot snapshot = db.snapshot();
        long bytes = db.stateBytes();
        gate.veto = new IllegalStateException("no");

        assertThatThrownBy(() -> pages.set(db, "a", "y")).hasMessage("no");
        assertThat(db.stateBytes()).isEqualTo(bytes);

        snapshot.close();
        gate.veto = null;
        pages.set(db, "a", "y");
        Database fresh = Database.create();
        InputIngredient<String, String> freshPages = fresh.input("pages", String.class, String.class);
        freshPages.set(fresh, "a", "y");
        assertThat(db.stateBytes()).isEqualTo(fresh.stateBytes());
    }

    @Test
    void aWriteOverTheStateByteLimitIsAbortedBeforeCommit() {
        assertThatThrownBy(() -> pages.set(db, "big", "x".repeat(20_000)))
                .isInstanceOf(LimitExceededException.class);

        assertThat(gate.calls).containsExactly("open", "abort");
        assertThat(gate.committed).isEmpty();
    }

    @Test
    void openMayApplyEarlierWritesWhichTheWriteThenSeesAndWhichAreNotGatedAgain() {
        pages.set(db, "a", "local");
        gate.calls.clear();
        gate.committed.clear();
        List<Revision> earlier = new ArrayList<>();
        gate.beforeWrite = () -> earlier.add(db.batch().set(pages, "a", "remote").set(pages, "b", "remote").commit());

        // "a" = "remote" was applied first, so setting it to "remote" again changes only "c"
        db.batch().set(pages, "a", "remote").set(pages, "c", "mine").commit();

        assertThat(gate.committed).containsExactly(List.of(new InputChange("pages", "c", "mine")));
        assertThat(gate.calls).containsExactly("open", "nested", "commit", "published " + db.revision().value());
        assertThat(earlier.get(0).value()).isEqualTo(db.revision().value() - 1);
        assertThat(pages.get(db, "b")).contains("remote");
    }

    @Test
    void writesOnSnapshotsDoNotPassTheGate() {
        Snapshot snapshot = db.snapshot();
        pages.set(snapshot, "a", "snapshot only");

        assertThat(gate.calls).isEmpty();
        assertThat(pages.get(snapshot, "a")).contains("snapshot only");
    }

    @Test
    void applyInputChangesAppliesNamedChangesAsOneGatedBatch() {
        pages.set(db, "a", "one");
        gate.committed.clear();

        Revision revision = db.applyInputChanges(List.of(new InputChange("pages", "a", null),
                new InputChange("counts", "n", 7)));

        assertThat(revision.value()).isEqualTo(2);
        assertThat(pages.get(db, "a")).isEmpty();
        assertThat(counts.get(db, "n")).contains(7);
        assertThat(gate.committed).containsExactly(List.of(new InputChange("pages", "a", null),
                new InputChange("counts", "n", 7)));
        assertThatThrownBy(() -> db.applyInputChanges(List.of(new InputChange("counts", "m", 1),
                new InputChange("length", "a", 1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("database 'picante' has no input named 'length': derived 'length'");
        assertThatThrownBy(() -> db.applyInputChanges(List.of(new InputChange("counts", "m", "text"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("value of type java.lang.String for input 'counts' key m is not a java.lang.Integer");
        assertThat(counts.get(db, "m")).isEmpty();
        assertThat(db.revision()).isEqualTo(revision);
    }
}
