package dev.picante;

/**
 * An append-only table giving equal values one stable {@link InternId} (r[intern.dedup]). One table
 * serves the database and all its snapshots (r[intern.shared-visibility]); interning never advances a
 * revision (r[intern.no-revision]) and an id always denotes the same value (r[intern.immutable]).
 * Thread-safe and linearizable across all views (r[intern.concurrent]).
 *
 * @param <T> the value type: immutable, with consistent {@code equals} and {@code hashCode}
 */
public interface InternedIngredient<T> {

    /**
     * Returns the id of {@code value}, creating it if no equal value was interned before.
     *
     * @throws LimitExceededException if a new entry would take the database past its state-byte limit
     *     (r[intern.limits]); an existing value always gets its id
     */
    InternId intern(View view, T value);

    /**
     * Returns the value {@code id} denotes.
     *
     * @throws IllegalArgumentException if this table never issued {@code id}
     */
    T lookup(View view, InternId id);

    /** Returns the ingredient's name, its stable identity (r[kind.identity]). */
    String name();
}
