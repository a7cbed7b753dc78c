package dev.picante;

/**
 * A consistent state of one database that ingredients are read from and written to: the
 * {@link Database} itself (the primary view), a {@link Snapshot} of it, or the
 * {@link QueryContext} a computation runs against.
 *
 * <p>Every view has its own {@link #revision() revision line} (r[snapshot.revisions]). All operations
 * on a view are linearizable (r[concurrency.linearizable]); views are safe to share between threads.
 */
public interface View {

    /**
     * Returns the revision this view is at now: the state that the next read is bound to
     * (r[revision.choose]).
     */
    Revision revision();

    /**
     * Forks this view. The snapshot sees this view's inputs as of the current revision and then evolves
     * on its own (r[snapshot.creation], r[snapshot.isolation]). Creation takes constant time and memory,
     * whatever the size of the database.
     */
    Snapshot snapshot();

    /**
     * Starts a batch of input mutations on this view, applied atomically by {@link Batch#commit()}
     * (r[input.batch]).
     */
    Batch batch();
}
