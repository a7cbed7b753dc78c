package dev.picante;

import java.util.concurrent.CompletableFuture;

/**
 * A memoized query: the values of a {@link Query} compute function, cached per view with what each
 * result read, and recomputed only when something it read changed. Obtained from {@link Database#derived};
 * usable with that database and all its snapshots. Thread-safe.
 *
 * <p>Results obey the rules of SEMANTICS.md sections 5 to 10: a value is evaluated at the revision the
 * access is bound to (r[derived.revision-binding]); a recomputation that yields an equal value keeps the
 * old {@code changed_at} so dependents are not recomputed (r[revision.early-cutoff]); a failure is
 * memoized for its revision (r[cell.poison]); a query that needs itself fails with a
 * {@link CycleException} (r[cycle.detect]).
 *
 * @param <K> the key type: immutable, with consistent {@code equals} and {@code hashCode}
 * @param <V> the value type: compared with {@code equals} for early cutoff
 */
public interface DerivedIngredient<K, V> {

    /**
     * Returns the value for {@code key} in {@code view}, computing or revalidating it if needed; blocks
     * while another caller computes the same value. Records a dependency when {@code view} is a
     * {@link QueryContext}.
     *
     * @throws QueryFailedException if the compute function threw (now or earlier at this revision)
     * @throws CycleException if the evaluation needs its own result
     * @throws QueryCancelledException if the calling thread was interrupted while waiting
     */
    V get(View view, K key);

    /**
     * Returns the value for {@code key} in {@code view} without blocking the caller: the evaluation runs
     * on the database's executor. Cancelling the future abandons this caller's interest only
     * (r[derived.cancel]). The future fails with the exceptions {@link #get} throws.
     */
    CompletableFuture<V> getAsync(View view, K key);

    /** Returns the ingredient's name, its stable identity (r[kind.identity]). */
    String name();

    /**
     * Returns the version of the code that computes this ingredient's values, as given to
     * {@link Database#derived(String, Class, Class, String, Query)}, or as its supplier given to
     * {@link Database#derived(String, Class, Class, java.util.function.Supplier, Query)} returns it (called on
     * the first read if nothing needed it before); empty when none was given.
     *
     * @throws IllegalStateException naming the ingredient if the version's supplier threw or returned null
     */
    default String codeVersion() {
        return "";
    }
}
