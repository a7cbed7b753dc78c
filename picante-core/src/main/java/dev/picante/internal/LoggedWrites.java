package dev.picante.internal;

import dev.picante.Revision;
import dev.picante.persist.InputChange;
import dev.picante.persist.InputChangeGate;
import dev.picante.persist.InputChangeLog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The primary view's input writes through an {@link InputChangeLog}: each write, computed write and sync is
 * one step of the log, run under the primary view's write lock as the log's protocol says: the log's external
 * changes are applied first (unlogged, one revision each), then the write is offered to the log to defer, or
 * committed to it and published. A write of the primary view from inside a step is refused.
 */
final class LoggedWrites {

    /** What the write path ({@link InputWrites#publish}) calls around publishing a write's changes. */
    interface Hook {

        /** Makes the changes durable before they are published; throwing vetoes the write. */
        void commit(List<InputWrites.Write> changes);

        /** Ends a write that committed nothing. */
        void abort();

        /** Called after the committed changes were published at {@code revision}. */
        void published(Revision revision);
    }

    /** Adapts a pending write of the deprecated {@link InputChangeGate} to the write path. */
    @SuppressWarnings("deprecation")
    static Hook hook(InputChangeGate.Pending pending) {
        return new Hook() {
            @Override
            public void commit(List<InputWrites.Write> changes) {
                pending.commit(InputWrites.gated(changes));
            }

            @Override
            public void abort() {
                pending.abort();
            }

            @Override
            public void published(Revision revision) {
                pending.published(revision);
            }
        };
    }

    private final Engine engine;
    private final InputChangeLog log;
    /** Whether a step is open; read and written under the primary view's write lock only. */
    private boolean inStep;

    LoggedWrites(Engine engine, InputChangeLog log) {
        this.engine = engine;
        this.log = log;
    }

    /** Returns the log. */
    InputChangeLog log() {
        return log;
    }

    /** A write of {@code finals} (the final content of each slot touched); under the write lock. */
    Revision write(ViewState view, List<InputWrites.Write> finals) {
        return step(view, InputChangeLog.Purpose.WRITE, () -> finals);
    }

    /** A write computed, inside the step, after the external changes; takes the write lock. */
    Revision compute(ViewState view, Supplier<List<InputChange>> compute) {
        return view.whileWritesWait(() -> step(view, InputChangeLog.Purpose.WRITE,
                () -> finals(engine.toWrites(Objects.requireNonNull(compute.get(), "the changes computed are null")))));
    }

    /** Applies the log's external changes only; takes the write lock. */
    Revision sync(ViewState view) {
        return view.whileWritesWait(() -> step(view, InputChangeLog.Purpose.SYNC, null));
    }

    private Revision step(ViewState view, InputChangeLog.Purpose purpose,
            @Nullable Supplier<List<InputWrites.Write>> writes) {
        if (inStep) {
            throw new IllegalStateException("database '" + engine.name() + "': an input write (or sync) of the"
                    + " primary view from inside a step of its InputChangeLog; a log hands changes made elsewhere"
                    + " to the database through Step.nextExternal() instead of writing them");
        }
        inStep = true;
        try {
            InputChangeLog.Step step = Objects.requireNonNull(log.open(purpose), "InputChangeLog.open() returned null");
            try {
                for (List<InputChange> external = step.nextExternal(); external != null;
                        external = step.nextExternal()) {
                    step.externalApplied(InputWrites.publish(view, finals(engine.toWrites(external)), null));
                }
                if (writes == null) {
                    return view.revision();
                }
                List<InputWrites.Write> finals = writes.get();
                if (step.defer(InputWrites.gated(finals))) {
                    return view.revision();
                }
                return InputWrites.publish(view, finals, new Hook() {
                    @Override
                    public void commit(List<InputWrites.Write> changes) {
                        step.commit(InputWrites.gated(changes));
                    }

                    @Override
                    public void abort() {
                        // the step's close() ends it
                    }

                    @Override
                    public void published(Revision revision) {
                        step.published(revision);
                    }
                });
            } finally {
                step.close();
            }
        } finally {
            inStep = false;
        }
    }

    /** The final content of each slot {@code writes} touch, in write order, as a batch has it. */
    private List<InputWrites.Write> finals(List<InputWrites.Write> writes) {
        Map<NodeKey, InputWrites.Write> finals = new LinkedHashMap<>();
        for (InputWrites.Write write : writes) {
            engine.checkRegistered(write.input());
            finals.put(new NodeKey(write.input().index, write.key()), write);
        }
        return new ArrayList<>(finals.values());
    }
}
