package dev.picante;

/**
 * The compute function of a {@link DerivedIngredient}: a pure function of its key and of what it reads
 * through the {@link QueryContext}.
 *
 * <p>Everything read through {@code ctx} becomes a dependency of the result (r[dep.recording],
 * r[jvm.explicit-context]); files, clocks and other state read directly are not tracked. Whatever it
 * throws is memoized for the revision and reported to callers as a {@link QueryFailedException}
 * (r[cell.poison]). It must not return {@code null}.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
@FunctionalInterface
public interface Query<K, V> {

    /**
     * Computes the value for {@code key}.
     *
     * @param ctx the view the computation reads from, bound to one revision
     * @param key the key, never {@code null}
     * @return the value, never {@code null}
     * @throws Exception anything; it becomes the cause of a {@link QueryFailedException}
     */
    V compute(QueryContext ctx, K key) throws Exception;
}
