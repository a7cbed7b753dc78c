package dev.picante;

/**
 * A notification about the primary view of a database, for diagnostics and live reload. Delivered
 * synchronously, in revision order, to listeners registered with {@link Database#subscribe}; a listener
 * must return quickly and must not write inputs. Events are informative: they never change results.
 */
public sealed interface RuntimeEvent {

    /** The primary view moved to {@code revision}. */
    record RevisionBumped(Revision revision) implements RuntimeEvent {
    }

    /** An input slot got a new value at {@code revision}. */
    record InputSet(String ingredient, Object key, Revision revision) implements RuntimeEvent {
    }

    /** An input slot was emptied at {@code revision}. */
    record InputRemoved(String ingredient, Object key, Revision revision) implements RuntimeEvent {
    }

    /**
     * A memoized query became stale at {@code revision} because something it read, directly or
     * transitively, changed: the input slot {@code byIngredient(byKey)}. It is recomputed on next access.
     */
    record QueryInvalidated(String ingredient, Object key, String byIngredient, Object byKey, Revision revision)
            implements RuntimeEvent {
    }

    /** A recomputation at {@code revision} produced a value not equal to the previous one. */
    record QueryChanged(String ingredient, Object key, Revision revision) implements RuntimeEvent {
    }
}
