package dev.picante.spring;

/**
 * Told about every computation of a {@link QueryFunction} method, for example to time it or to log which
 * keys were computed. Called on the computing thread after the method returned or threw; must be fast and
 * thread-safe. Memo hits and revalidations, which do not run the method, are not reported.
 *
 * <p>Implement {@link #computed(String, long, boolean)} (a lambda does), or override
 * {@link #computed(String, Object, long, boolean)} as well to see the key; the starter calls the latter,
 * which by default calls the former.
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

    /**
     * Records one computation and the key it computed: the method's single argument, or the unmodifiable
     * list of its arguments. The default calls {@link #computed(String, long, boolean)}.
     *
     * @param ingredient the derived ingredient's name
     * @param key the key computed
     * @param nanos how long the method ran
     * @param failed whether it threw
     */
    default void computed(String ingredient, Object key, long nanos, boolean failed) {
        computed(ingredient, nanos, failed);
    }
}
