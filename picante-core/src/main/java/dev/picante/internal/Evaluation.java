package dev.picante.internal;

import dev.picante.Batch;
import dev.picante.DerivedIngredient;
import dev.picante.Durability;
import dev.picante.QueryCancelledException;
import dev.picante.QueryContext;
import dev.picante.Revision;
import dev.picante.Snapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The {@link QueryContext} of one running computation: it binds every read to the computation's
 * {@link InputState} (r[derived.revision-binding]) and records each read as a dependency, from whichever
 * thread it comes (r[dep.recording], r[jvm.explicit-context]). Closed when the compute function returns.
 */
final class Evaluation implements QueryContext {

    final ViewState view;
    final InputState state;
    final InFlight inFlight;
    private Dependency[] dependencies = new Dependency[4];
    private int count;
    private Durability durability = Durability.HIGH;
    /** Written under this object's lock, read without it by the checks at the start of each read. */
    private volatile boolean closed;

    Evaluation(ViewState view, InputState state, InFlight inFlight) {
        this.view = view;
        this.state = state;
        this.inFlight = inFlight;
    }

    @Nullable InputSlot readInput(InputImpl<?, ?> input, Object key) {
        checkOpen();
        InputSlot slot = state.slot(input.index, key);
        record(new Dependency(input.index, key, slot), input.durability);
        return slot;
    }

    Object readDerived(DerivedImpl<?, ?> derived, Object key) {
        checkOpen();
        Memo memo = view.fetch(derived, key, state, inFlight);
        record(new Dependency(derived.index, key, memo.version), memo.durability);
        return derived.unwrap(memo, key);
    }

    private synchronized void record(Dependency dependency, Durability level) {
        if (closed) {
            throw closedError();
        }
        if (count == dependencies.length) {
            dependencies = Arrays.copyOf(dependencies, count * 2);
        }
        dependencies[count++] = dependency;
        if (level.compareTo(durability) < 0) {
            durability = level;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw closedError();
        }
    }

    private IllegalStateException closedError() {
        return new IllegalStateException("the QueryContext of " + inFlight.ref() + " at revision " + state.revision
                + " was used after its computation returned; read only while computing");
    }

    synchronized void close() {
        closed = true;
    }

    /** The dependencies in the order they were read, each record once. */
    synchronized Dependency[] dependencies() {
        if (count > 8) {
            return unique(dependencies, count);
        }
        // Few reads: remove repeats in place, without a set.
        Dependency[] all = dependencies;
        int kept = 0;
        outer:
        for (int i = 0; i < count; i++) {
            Dependency d = all[i];
            for (int j = 0; j < kept; j++) {
                if (all[j].sameRecord(d)) {
                    continue outer;
                }
            }
            all[kept++] = d;
        }
        count = kept;
        return kept == all.length ? all : Arrays.copyOf(all, kept);
    }

    private static Dependency[] unique(Dependency[] all, int count) {
        List<Dependency> unique = new ArrayList<>(count);
        Set<NodeKey> seen = new HashSet<>();
        for (int i = 0; i < count; i++) {
            Dependency d = all[i];
            if (seen.add(new NodeKey(d.ingredient, d.key))) {
                unique.add(d);
            }
        }
        return unique.toArray(new Dependency[0]);
    }

    synchronized Durability durability() {
        return durability;
    }

    IllegalStateException writeRefused(IngredientImpl input) {
        return new IllegalStateException("cannot write " + input.describe() + " from inside the computation of "
                + inFlight.ref() + ": a query is a pure function of what it reads; write inputs outside queries");
    }

    @Override
    public Revision revision() {
        return new Revision(state.revision);
    }

    @Override
    public Snapshot snapshot() {
        checkOpen();
        return ViewAccess.newSnapshot(view.forkAt(state));
    }

    @Override
    public Batch batch() {
        throw new IllegalStateException("cannot start a batch from inside the computation of " + inFlight.ref()
                + ": a query is a pure function of what it reads; write inputs outside queries");
    }

    @Override
    public <K, V> List<V> getAll(DerivedIngredient<K, V> ingredient, List<? extends K> keys) {
        return map(keys, key -> ingredient.get(this, key));
    }

    @Override
    public <K, R> List<R> map(List<? extends K> keys, Function<? super K, ? extends R> function) {
        checkOpen();
        if (keys.size() <= 1) {
            return keys.stream().<R>map(function).toList();
        }
        List<CompletableFuture<R>> futures = new ArrayList<>(keys.size());
        for (K key : keys) {
            Supplier<R> task = () -> function.apply(key);
            futures.add(CompletableFuture.supplyAsync(task, view.engine.executor()));
        }
        // Wait for every read before reporting a failure, so no read outlives this call.
        List<R> results = new ArrayList<>(keys.size());
        Throwable first = null;
        for (CompletableFuture<R> future : futures) {
            try {
                results.add(future.get());
            } catch (InterruptedException e) {
                futures.forEach(f -> f.cancel(true));
                Thread.currentThread().interrupt();
                throw new QueryCancelledException("interrupted while " + inFlight.ref()
                        + " waited for concurrent reads", e);
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause();
                }
                results.add(null);
            }
        }
        if (first instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (first instanceof Error error) {
            throw error;
        }
        if (first != null) {
            throw new IllegalStateException(first);
        }
        return results;
    }

    @Override
    public String toString() {
        return "QueryContext[" + inFlight.ref() + " at " + revision() + "]";
    }
}
