package dev.picante;

import java.util.List;
import java.util.function.Function;

/**
 * The view a computation runs against, bound to one revision. Every read through it, from any thread,
 * records a dependency of the computation (r[dep.recording], r[jvm.explicit-context]).
 *
 * <p>A context is valid only while its computation runs: reading through it afterwards throws
 * {@link IllegalStateException}. Inputs cannot be written through a context ({@link #batch()} and
 * {@link InputIngredient#set} throw {@link IllegalStateException}): a computation is a pure function of
 * what it reads.
 */
public interface QueryContext extends View {

    /**
     * Reads many keys of one derived ingredient concurrently on the database's executor, recording each
     * as a dependency, and returns their values in the order of {@code keys}.
     *
     * @throws QueryFailedException if one of the reads failed (the first failure in key order)
     * @throws CycleException if one of the reads closes a cycle
     */
    default <K, V> List<V> getAll(DerivedIngredient<K, V> ingredient, List<? extends K> keys) {
        return keys.stream().map(k -> ingredient.get(this, k)).toList();
    }

    /**
     * Applies {@code function} to every key concurrently on the database's executor, passing this context
     * so that every read it makes is recorded, and returns the results in the order of {@code keys}.
     */
    default <K, R> List<R> map(List<? extends K> keys, Function<? super K, ? extends R> function) {
        return keys.stream().<R>map(function).toList();
    }
}
