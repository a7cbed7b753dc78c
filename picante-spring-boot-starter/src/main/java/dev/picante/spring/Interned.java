package dev.picante.spring;

import dev.picante.InternId;
import dev.picante.InternedIngredient;

/**
 * An {@link InternedIngredient} bound to the {@linkplain PicanteViews#current() current view}. Interned
 * tables are shared by all views of a database, so interning inside a computation is allowed.
 * Thread-safe.
 *
 * @param <T> the value type: immutable, with consistent {@code equals} and {@code hashCode}
 */
public final class Interned<T> {

    private final PicanteViews views;
    private final InternedIngredient<T> ingredient;

    Interned(PicanteViews views, InternedIngredient<T> ingredient) {
        this.views = views;
        this.ingredient = ingredient;
    }

    /** Returns the id of {@code value}, the same for equal values. */
    public InternId intern(T value) {
        return ingredient.intern(views.current(), value);
    }

    /**
     * Returns the value of {@code id}.
     *
     * @throws IllegalArgumentException if no value has that id
     */
    public T lookup(InternId id) {
        return ingredient.lookup(views.current(), id);
    }

    /** Returns the core ingredient, for use with an explicit view. */
    public InternedIngredient<T> ingredient() {
        return ingredient;
    }

    /** Returns the ingredient's name. */
    public String name() {
        return ingredient.name();
    }

    @Override
    public String toString() {
        return "Interned[" + ingredient.name() + "]";
    }
}
