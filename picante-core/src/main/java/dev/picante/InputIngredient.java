package dev.picante;

import java.util.Optional;

/**
 * User-written storage: a map from keys to values whose every change advances the revision of the view
 * it is made on. Obtained from {@link Database#input}; usable with that database and all its snapshots.
 *
 * <p>Every possible key has a slot holding a value or nothing (r[input.slot]). Reads through a
 * {@link QueryContext} record a dependency on the slot, absence included. Memory pressure never removes
 * a slot (r[evict.inputs]). All methods are thread-safe and linearizable (r[input.concurrent]); {@code null}
 * keys or values are rejected with a {@link NullPointerException} naming the ingredient.
 *
 * @param <K> the key type: immutable, with consistent {@code equals} and {@code hashCode}
 * @param <V> the value type: immutable, compared with {@code equals}
 */
public interface InputIngredient<K, V> {

    /**
     * Returns the value of {@code key} in {@code view}, or empty if the slot holds nothing
     * (r[input.get]). Records a dependency when {@code view} is a {@link QueryContext}.
     */
    Optional<V> get(View view, K key);

    /**
     * Returns the value of {@code key} in {@code view}.
     *
     * @throws MissingInputException if the slot holds nothing (r[input.missing-access])
     */
    V require(View view, K key);

    /**
     * Sets the value of {@code key} on {@code view} (r[input.set]). Setting a value equal to the current
     * one does nothing.
     *
     * @return the view's revision after the call: a new one exactly when the slot changed
     * @throws LimitExceededException if the new value would take the database past its state-byte limit;
     *     nothing changes then (r[limit.enforced])
     * @throws IllegalStateException if {@code view} is a {@link QueryContext}
     */
    Revision set(View view, K key, V value);

    /**
     * Empties the slot of {@code key} on {@code view} (r[input.remove]); does nothing if it is empty.
     *
     * @return the view's revision after the call: a new one exactly when the slot held a value
     */
    Revision remove(View view, K key);

    /** Returns the ingredient's name, its stable identity (r[kind.identity]). */
    String name();

    /** Returns the durability every slot of this ingredient has (r[durability.inputs]). */
    default Durability durability() {
        return Durability.LOW;
    }
}
