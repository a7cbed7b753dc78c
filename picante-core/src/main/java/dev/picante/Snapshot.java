package dev.picante;

import dev.picante.internal.ViewState;
import java.lang.ref.Cleaner;

/**
 * A view forked from another view (the {@link Database} or another snapshot) at one revision.
 *
 * <p>A snapshot sees its source's inputs exactly as they were at the fork (r[snapshot.creation],
 * r[snapshot.linearizable]) and then evolves on its own revision line (r[snapshot.revisions]): writes to
 * it are invisible to its source and the other way round (r[snapshot.isolation]). Its derived results
 * are always those a fresh evaluation over its own inputs would give (r[snapshot.memo-isolation]);
 * results already computed by other views are reused only after revalidation. While the database is at
 * exactly a snapshot's state (neither written since the fork), that snapshot's reads are resolved in the
 * database, so a snapshot taken for one request computes nothing the database has, and what it computes
 * stays in the database for later requests. Interned tables are shared with the whole database
 * (r[snapshot.interned]).
 *
 * <p>Creating a snapshot costs constant time and memory; its memory then grows with what it changes or
 * computes. {@link #close() Closing} a snapshot tells the runtime that values only it still holds no
 * longer count toward the state-byte limit (r[limit.state-bytes]); a snapshot that becomes unreachable
 * without being closed is closed when the garbage collector reclaims it. Thread-safe.
 */
public final class Snapshot implements View, AutoCloseable {

    private static final Cleaner CLEANER = Cleaner.create();

    private final ViewState state;

    Snapshot(ViewState state) {
        this.state = state;
        CLEANER.register(this, state.closer());
    }

    ViewState state() {
        return state;
    }

    /** Returns the database this snapshot belongs to. */
    public Database database() {
        return (Database) state.engine().owner();
    }

    @Override
    public Revision revision() {
        return state.revision();
    }

    @Override
    public Snapshot snapshot() {
        return new Snapshot(state.fork());
    }

    @Override
    public Batch batch() {
        return state.batch();
    }

    /**
     * Hands this snapshot's results to the view it was forked from, where that is free: when neither view
     * has been written since the fork, every successful result this snapshot holds for the current revision
     * is valid in its source unchanged and is adopted there, so the source (and what a store saves of it)
     * does not compute it again. Computes nothing and changes no value either view returns
     * (r[sharing.nonobservable]); after writes on either side it adopts nothing, and the source may still
     * reuse those results later after revalidating them. Typical use: a request's snapshot, just before
     * it is closed. A snapshot of the database resolves its reads in the database while both are at the
     * same state (see above), so there it usually finds nothing left to hand over; it matters for a
     * snapshot of a snapshot.
     *
     * @return how many results the source adopted
     * @throws IllegalStateException if this snapshot is closed
     */
    public int promote() {
        return state.promote();
    }

    /**
     * Closes this snapshot: afterwards reading or writing through it and forking it throw
     * {@link IllegalStateException} ({@link #revision()} still answers), and
     * values only it held stop counting as state bytes. Snapshots taken from it stay usable. Closing twice
     * does nothing.
     */
    @Override
    public void close() {
        state.close();
    }

    @Override
    public String toString() {
        return "Snapshot[" + state.revision() + " of " + state.engine().name() + "]";
    }
}
