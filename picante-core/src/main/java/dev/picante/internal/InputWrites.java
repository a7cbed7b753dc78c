package dev.picante.internal;

import dev.picante.Revision;
import dev.picante.RuntimeEvent;
import dev.picante.persist.InputChange;
import dev.picante.persist.InputChangeGate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The input write path of a view: how a {@code set}, {@code remove} or batch becomes a new {@link InputState}
 * (r[input.batch], r[input.batch-conflicts]). Under the view's write lock it computes the final content of
 * every slot touched, keeps those that differ from the current state, reserves their state bytes
 * (r[limit.state-bytes]), commits them to the database's input change log or gate if it has one
 * ({@link LoggedWrites}), and publishes them at one fresh revision, or publishes nothing when no slot
 * changes.
 *
 * <p>Publication order, which readers rely on: the log's commit (throwing vetoes the write: nothing is
 * published and the reserved bytes are given back), then the new state is built and the replaced slots are
 * superseded, then the primary view's {@link Marking} marks what the changed slots reach, then the state
 * becomes the view's current one ({@link ViewState#publishState}), then the log hears the revision, then
 * the events are published. So a reader of the new state sees its marks, and a listener sees a revision
 * only once it can be read.
 *
 * <p>Stateless: a view's writes are serialized by its write lock ({@link ViewState#whileWritesWait}).
 */
final class InputWrites {

    private InputWrites() {
    }

    /** One {@code set} (a value) or {@code remove} ({@code value == null}). */
    record Write(InputImpl<?, ?> input, Object key, @Nullable Object value) {
    }

    /**
     * Applies {@code writes} to {@code view} atomically, taking its write lock: the last write of each slot
     * wins; the primary view's writes go through its {@link LoggedWrites} when the database has an input
     * change log. Returns the revision the view is at afterwards (unchanged if nothing changed).
     *
     * @throws IllegalStateException if the view is a closed snapshot
     * @throws dev.picante.LimitExceededException if the changes would exceed the state-byte limit
     */
    @SuppressWarnings("deprecation") // the InputChangeGate of databases built with one
    static Revision apply(ViewState view, List<Write> writes) {
        view.checkOpen();
        Engine engine = view.engine;
        InputChangeGate gate = view.primary ? engine.options.inputChangeGate : null;
        return view.whileWritesWait(() -> {
            Map<NodeKey, Write> finals = new LinkedHashMap<>();
            for (Write write : writes) {
                engine.checkRegistered(write.input());
                finals.put(new NodeKey(write.input().index, write.key()), write);
            }
            if (view.primary && engine.inputLog != null) {
                return engine.inputLog.write(view, List.copyOf(finals.values()));
            }
            InputChangeGate.Pending pending = gate == null ? null
                    : Objects.requireNonNull(gate.open(), "InputChangeGate.open() returned null");
            return publish(view, finals.values(), pending == null ? null : LoggedWrites.hook(pending));
        });
    }

    /**
     * The rest of a write, under {@code view}'s write lock: computes the changes of {@code finals} (the final
     * content of each slot touched), and unless none, commits them with {@code pending} and publishes them at
     * a new revision, in the order the class documentation gives. {@code pending} ends with
     * {@link LoggedWrites.Hook#abort()} if nothing was committed.
     */
    static Revision publish(ViewState view, Collection<Write> finals, LoggedWrites.@Nullable Hook pending) {
        Engine engine = view.engine;
        boolean primary = view.primary;
        boolean committed = false;
        try {
            InputState base = view.current();
            List<Write> changes = new ArrayList<>(finals.size());
            long added = 0;
            List<long[]> freed = new ArrayList<>();
            for (Write write : finals) {
                InputSlot old = base.slot(write.input().index, write.key());
                boolean wasPresent = old != null && old.present();
                if (write.value() == null ? !wasPresent
                        : old != null && old.present() && Equality.equal(old.value, write.value())) {
                    continue;
                }
                changes.add(write);
                added += (old == null ? engine.weigh(write.key()) : 0)
                        + (write.value() == null ? 0 : engine.weigh(write.value()));
                if (old != null && old.present() && primary) {
                    freed.add(new long[] {engine.weigh(Objects.requireNonNull(old.value)), old.changedAt,
                            base.revision});
                }
            }
            if (changes.isEmpty()) {
                return new Revision(base.revision);
            }
            StateBytes.Reservation reservation = engine.stateBytes.change(added, freed,
                    () -> describe(changes) + " in database '" + engine.name() + "'");
            if (pending != null) {
                try {
                    pending.commit(changes);
                } catch (Throwable e) {
                    engine.stateBytes.undo(reservation);
                    throw e;
                }
                committed = true;
            }
            long revision = engine.nextRevision();
            // Only the primary view's writes continue a lineage: a snapshot shares its slots with the
            // primary view's states, which still hold the slots the snapshot replaces.
            InputState.Builder next = primary ? base.toBuilder() : base.toBranch();
            List<InputSlot> replaced = new ArrayList<>(changes.size());
            for (Write write : changes) {
                InputSlot old = base.slot(write.input().index, write.key());
                if (old != null) {
                    replaced.add(old);
                }
                InputSlot slot = new InputSlot(write.input().index, write.key(), write.value(), revision,
                        next.lineage());
                next.put(write.input().index, write.key(), slot, write.input().durability);
            }
            InputState published = next.build(revision);
            if (primary) {
                next.supersede(replaced, revision);
            }
            Marking marking = view.marking;
            if (marking != null) {
                markReached(view, marking, changes, revision); // before the state is published: readers see the marks
            }
            view.publishState(published);
            Revision at = new Revision(revision);
            if (pending != null) {
                pending.published(at);
            }
            if (primary && engine.events.active()) {
                publishEvents(view, changes, revision);
            }
            return at;
        } finally {
            if (pending != null && !committed) {
                pending.abort();
            }
        }
    }

    /** Marks what the changed slots can reach ({@link Marking#mark}). */
    private static void markReached(ViewState view, Marking marking, List<Write> changes, long revision) {
        List<NodeKey> changed = new ArrayList<>(changes.size());
        for (Write write : changes) {
            changed.add(new NodeKey(write.input().index, write.key()));
        }
        marking.mark(revision, changed, (ingredient, key) -> {
            Cell cell = view.cell(ingredient, key);
            return cell == null ? Long.MIN_VALUE : cell.verifiedAt;
        });
    }

    /** The changes as an input change log (or gate) takes them: by ingredient name. */
    static List<InputChange> gated(List<Write> changes) {
        List<InputChange> gated = new ArrayList<>(changes.size());
        for (Write write : changes) {
            gated.add(new InputChange(write.input().name, write.key(), write.value()));
        }
        return List.copyOf(gated);
    }

    private static String describe(List<Write> changes) {
        Write first = changes.get(0);
        String one = (first.value() == null ? "removing " : "setting ") + first.input().ref(first.key());
        return changes.size() == 1 ? one : "a batch of " + changes.size() + " changes (" + one + ", ...)";
    }

    /**
     * The primary view's events of a published write: {@code RevisionBumped}, one {@code InputSet} or
     * {@code InputRemoved} per change, and {@code QueryInvalidated} for each memo a changed slot was read by
     * (r[dep.invalidation]), the first change reaching it named as the cause.
     */
    private static void publishEvents(ViewState view, List<Write> changes, long revision) {
        Engine engine = view.engine;
        Revision rev = new Revision(revision);
        List<RuntimeEvent> events = new ArrayList<>();
        events.add(new RuntimeEvent.RevisionBumped(rev));
        for (Write write : changes) {
            events.add(write.value() == null
                    ? new RuntimeEvent.InputRemoved(write.input().name, write.key(), rev)
                    : new RuntimeEvent.InputSet(write.input().name, write.key(), rev));
        }
        ReverseEdges reverseEdges = view.reverseEdges;
        if (reverseEdges != null) {
            Map<NodeKey, NodeKey> invalidated = new LinkedHashMap<>();
            for (Write write : changes) {
                NodeKey source = new NodeKey(write.input().index, write.key());
                for (NodeKey dependent : reverseEdges.dependentsOf(source)) {
                    if (view.cell(dependent.ingredient(), dependent.key()) != null) {
                        invalidated.putIfAbsent(dependent, source);
                    }
                }
            }
            invalidated.forEach((query, by) -> events.add(new RuntimeEvent.QueryInvalidated(
                    engine.ingredient(query.ingredient()).name, query.key(),
                    engine.ingredient(by.ingredient()).name, by.key(), rev)));
        }
        engine.events.publish(events);
    }
}
