package dev.picante.spring;

import dev.picante.InputIngredient;
import dev.picante.Revision;
import java.util.Optional;

/**
 * An {@link InputIngredient} bound to the {@linkplain PicanteViews#current() current view}: reads come
 * from the running computation (and become its dependencies) or the current request's snapshot, writes
 * go to the database. Declare one as a bean and inject it where it is read and where it is written.
 * Thread-safe.
 *
 * @param <K> the key type: immutable, with consistent {@code equals} and {@code hashCode}
 * @param <V> the value type: immutable, compared with {@code equals}
 */
public final class Input<K, V> {

    private final PicanteViews views;
    private final InputIngredient<K, V> ingredient;

    Input(PicanteViews views, InputIngredient<K, V> ingredient) {
        this.views = views;
        this.ingredient = ingredient;
    }

    /** Returns the value of {@code key} in the current view, or empty. */
    public Optional<V> get(K key) {
        return ingredient.get(views.current(), key);
    }

    /**
     * Returns the value of {@code key} in the current view.
     *
     * @throws dev.picante.MissingInputException if the slot holds nothing
     */
    public V require(K key) {
        return ingredient.require(views.current(), key);
    }

    /**
     * Sets the value of {@code key} in the database (the primary view).
     *
     * @return the database's revision after the write
     * @throws IllegalStateException if called while a query function computes
     */
    public Revision set(K key, V value) {
        checkNotComputing();
        return ingredient.set(views.database(), key, value);
    }

    /**
     * Empties the slot of {@code key} in the database (the primary view).
     *
     * @return the database's revision after the write
     * @throws IllegalStateException if called while a query function computes
     */
    public Revision remove(K key) {
        checkNotComputing();
        return ingredient.remove(views.database(), key);
    }

    /** Returns the core ingredient, for use with an explicit view. */
    public InputIngredient<K, V> ingredient() {
        return ingredient;
    }

    /** Returns the ingredient's name. */
    public String name() {
        return ingredient.name();
    }

    private void checkNotComputing() {
        if (views.isComputing()) {
            throw new IllegalStateException("input '" + ingredient.name()
                    + "' cannot be written while a query function computes: a computation is a pure function "
                    + "of what it reads; write inputs outside @QueryFunction methods");
        }
    }

    @Override
    public String toString() {
        return "Input[" + ingredient.name() + "]";
    }
}
