package dev.picante.spring;

/**
 * Told about every computation of a {@link QueryFunction} method, for example to time it. Called on the
 * computing thread after the method returned or threw; must be fast and thread-safe.
 */
@FunctionalInterface
public interface QueryFunctionObserver {

    /**
     * Records one computation.
     *
     * @param ingredient the derived ingredient's name
     * @param nanos how long the method ran
     * @param failed whether it threw
     */
    void computed(String ingredient, long nanos, boolean failed);
}
