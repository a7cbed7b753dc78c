package dev.picante.persist;

import dev.picante.Revision;
import java.util.List;

/**
 * A synchronous gate every input write on a database's primary view passes before it is published: for a
 * store that must make each change durable, or order it among other processes' changes, before the write
 * returns. Set with {@link dev.picante.Database.Builder#inputChangeGate}.
 *
 * <p>For each {@code set}, {@code remove} or {@code Batch.commit()} on the primary view (also a batch with
 * no calls), the database, holding its write serialization (no other primary write runs meanwhile):
 * <ol>
 * <li>calls {@link #open()} <em>before</em> reading the current inputs. The gate may apply other changes to
 * the database from this thread now (they are applied before this write, and the gate's {@code open} for
 * them should return {@link Pending#NONE} so they are not gated again);</li>
 * <li>computes the changes: the final content of each slot touched that differs from the current inputs;</li>
 * <li>with no change, or if the write is refused locally (a {@link dev.picante.LimitExceededException}),
 * calls {@link Pending#abort()}; otherwise calls {@link Pending#commit(List)} with the changes. If {@code
 * commit} throws, the write fails with that exception and nothing is published: the inputs, the state-byte
 * count and the events are as if the write had not been made;</li>
 * <li>after publishing the new revision, calls {@link Pending#published(Revision)}.</li>
 * </ol>
 * Writes on snapshots, and state loaded with {@code importState}/{@code applyChanges}, do not pass the gate.
 * Implementations must be thread-safe; their methods run on the writing thread.
 *
 * @deprecated use {@link InputChangeLog}: the database asks it for the changes made elsewhere and applies them
 *     itself, so a log needs no thread-local mode to tell its own writes from the application's, and a store
 *     synchronizes with {@link dev.picante.Database#syncInputChangeLog()} rather than an empty batch. A gate
 *     keeps working as documented here.
 */
@Deprecated
public interface InputChangeGate {

    /**
     * Starts a primary-view write. Throwing refuses the write: nothing is applied, the exception reaches the
     * caller.
     */
    Pending open();

    /** One write between {@link #open()} and its outcome. */
    interface Pending {

        /** A pending write the gate lets through without doing anything. */
        Pending NONE = new Pending() {
            @Override
            public void commit(List<InputChange> changes) {
            }

            @Override
            public void abort() {
            }
        };

        /**
         * Makes {@code changes} (in write order, at least one) durable before they are published; throwing
         * vetoes the write.
         */
        void commit(List<InputChange> changes);

        /** Ends a write that changed nothing or was refused; nothing is published. */
        void abort();

        /** Called after a committed write was published at {@code revision}, still serialized. */
        default void published(Revision revision) {
        }
    }
}
