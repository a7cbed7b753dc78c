package dev.picante.persist;

import dev.picante.Revision;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An ordered, durable log of input changes that a database writes its primary view through: for a store that
 * makes each write durable before it is published, and that orders it among the changes of other processes
 * (which the database then applies before the write). Set with
 * {@link dev.picante.Database.Builder#inputChangeLog}; {@link dev.picante.Database#inputChangeLog()} tells
 * which log a database writes through.
 *
 * <p>The database drives the log; the log never calls back into the database from its methods. Every
 * primary-view write ({@code set}, {@code remove}, {@code Batch.commit()}, also a batch with no calls,
 * {@link dev.picante.Database#applyInputChanges} and {@link dev.picante.Database#computeInputChanges}), and
 * every {@link dev.picante.Database#syncInputChangeLog()}, is one <em>step</em>. Holding the database's write
 * serialization for the whole step (no other primary-view write, load or step runs meanwhile), on the calling
 * thread, the database:
 * <ol>
 * <li>calls {@link #open(Purpose)}; throwing refuses the step: nothing is applied, the exception reaches the
 * caller;</li>
 * <li>calls {@link Step#nextExternal()} until it returns {@code null}, and applies each list it returns as one
 * revision (or none if it changes nothing), without passing the log, publishing events as for any write; then
 * calls {@link Step#externalApplied(Revision)} with the revision the database is at. These are changes made
 * elsewhere (other processes, or writes the log took earlier) that come before this step;</li>
 * <li>for a {@link Purpose#WRITE WRITE} step, with the final content of every slot the write touches (in write
 * order, including slots it leaves as they are) calls {@link Step#defer(List)}: a log that returns
 * {@code true} takes the write to make it durable later (for instance with a transaction that has not
 * committed yet), and hands it back through {@link Step#nextExternal()} of a later step; nothing is
 * published now and the write returns the database's current revision;</li>
 * <li>otherwise computes the write's changes: the final content of each slot touched that differs from the
 * current inputs. With none, or if the write is refused locally (a {@link dev.picante.LimitExceededException}),
 * nothing is committed. Otherwise calls {@link Step#commit(List)}: if it throws, the write fails with that
 * exception and nothing of it is published: the inputs, the state-byte count and the events are as if the
 * write had not been made (the external changes applied before it stay applied);</li>
 * <li>publishes the write at a new revision and calls {@link Step#published(Revision)};</li>
 * <li>always ends with {@link Step#close()}, also after a failure.</li>
 * </ol>
 * A write made on the primary view from inside a step (from a log method, or from the function given to
 * {@link dev.picante.Database#computeInputChanges}) is refused with an {@link IllegalStateException}: the log
 * hands changes to the database instead. Writes on snapshots, and state loaded with {@code importState},
 * {@code load} or {@code applyChanges}, do not pass the log. Implementations must be thread-safe.
 */
public interface InputChangeLog {

    /**
     * Opens a step, holding the database's write serialization.
     *
     * @param purpose whether the step is a write or a synchronization only
     * @return the step, never {@code null}; {@link Step#NONE} to let it pass unlogged
     */
    Step open(Purpose purpose);

    /** What a step is for. */
    enum Purpose {
        /** A primary-view input write; the database calls {@link Step#commit} if it changes something. */
        WRITE,
        /** {@link dev.picante.Database#syncInputChangeLog()}: only the external changes are applied. */
        SYNC
    }

    /** One step between {@link #open(Purpose)} and {@link #close()}. */
    interface Step extends AutoCloseable {

        /** A step with no external change, that commits nothing and defers nothing: the write is unlogged. */
        Step NONE = new Step() {
            @Override
            public void commit(List<InputChange> changes) {
            }

            @Override
            public void close() {
            }
        };

        /**
         * Returns the next list of changes made elsewhere to apply before this step's write, as one revision,
         * or {@code null} when there is none left. Throwing fails the step (the lists already applied stay
         * applied). Default: none.
         */
        default @Nullable List<InputChange> nextExternal() {
            return null;
        }

        /**
         * Called after the list last returned by {@link #nextExternal()} was applied, with the revision the
         * database is at then (unchanged if the list changed nothing). Default: nothing.
         */
        default void externalApplied(Revision revision) {
        }

        /**
         * Offers a {@link Purpose#WRITE WRITE} step's writes before their effect is computed: the final content
         * of every slot touched, in write order ({@link InputChange#removal()} for a removal). Returning
         * {@code true} takes them: the log makes them durable later and hands them back through
         * {@link #nextExternal()}; nothing is published now. Default: {@code false}.
         */
        default boolean defer(List<InputChange> writes) {
            return false;
        }

        /**
         * Makes a write's changes (in write order, at least one) durable before they are published; throwing
         * vetoes the write.
         */
        void commit(List<InputChange> changes);

        /** Called after a committed write was published at {@code revision}, still serialized. */
        default void published(Revision revision) {
        }

        /** Ends the step, whatever happened in it; a step whose write was not committed ends here too. */
        @Override
        void close();
    }
}
