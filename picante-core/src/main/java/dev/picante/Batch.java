package dev.picante;

/**
 * Input mutations gathered on one view and applied atomically by {@link #commit()} (r[input.batch]).
 *
 * <p>Calls on one slot resolve in order: the last wins (r[input.batch-conflicts]). A batch is meant for
 * one thread; it is not thread-safe. After {@code commit()} it cannot be reused.
 */
public interface Batch {

    /** Adds a {@code set} of {@code key} to {@code value}. */
    <K, V> Batch set(InputIngredient<K, V> input, K key, V value);

    /** Adds a {@code remove} of {@code key}. */
    <K, V> Batch remove(InputIngredient<K, V> input, K key);

    /**
     * Applies every call at one revision boundary: observers see all or none of them.
     *
     * @return the view's revision after the commit: a new one exactly when some call changed a slot
     * @throws LimitExceededException if the batch would take the database past its state-byte limit;
     *     nothing is applied then (r[limit.enforced])
     * @throws IllegalStateException if the batch was already committed
     */
    Revision commit();
}
