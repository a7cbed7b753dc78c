package dev.picante.internal;

import dev.picante.CycleException;
import dev.picante.DerivedIngredient;
import dev.picante.Inspector.Counters;
import dev.picante.Inspector.IngredientKind;
import dev.picante.Query;
import dev.picante.QueryFailedException;
import dev.picante.Revision;
import dev.picante.View;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** A derived ingredient: the compute function, its counters, and the public entry points. */
final class DerivedImpl<K, V> extends IngredientImpl implements DerivedIngredient<K, V> {

    final Query<K, V> query;
    /** The code version once known; {@code null} while {@link #codeVersionSource} has not been called. */
    private volatile @Nullable String codeVersion;
    /** Supplies the code version on first need; {@code null} once called (or when given as a string). */
    private @Nullable Supplier<String> codeVersionSource;
    /** What the supplier threw, the cause of the exception every read throws from then on. */
    private @Nullable Throwable codeVersionFailure;
    /**
     * How many entries the reads of this ingredient's last computation took in its {@link Evaluation}'s buffer (one
     * per read when every read was of an input slot, three per read otherwise): the initial size of the next
     * one's buffer (a hint, written without synchronization and only when it changes).
     */
    int readsHint = 4;
    final HitCounter hits = new HitCounter();
    /** Computations, counted per thread as hits are: one for every cold read. */
    final HitCounter computations = new HitCounter();
    final LongAdder revalidations = new LongAdder();
    final LongAdder earlyCutoffs = new LongAdder();
    final LongAdder failures = new LongAdder();
    /** The database object: a read on it may be a hit of {@link #primaryTable}. */
    private final Object owner;
    /** The database's own view. */
    private final ViewState primaryView;
    /**
     * The primary view's memo table of this ingredient (made here, taken by the view when it first needs it,
     * never replaced): the hit path reads it without going through the view's table of tables.
     */
    final CellTable primaryTable;

    /**
     * Creates the ingredient; its code version is {@code known}, or, when that is {@code null}, what
     * {@code source} supplies when the version is first needed (exactly one of the two is given).
     */
    DerivedImpl(Engine engine, int index, String name, Class<K> keyType, Class<V> valueType, @Nullable String known,
            @Nullable Supplier<String> source, Query<K, V> query) {
        super(engine, index, name, keyType, valueType);
        if ((known == null) == (source == null)) {
            throw new IllegalArgumentException(
                    "derived '" + name + "' needs exactly one of a code version and its supplier");
        }
        this.codeVersion = known;
        this.codeVersionSource = source;
        this.query = query;
        this.primaryTable = new CellTable(index);
        // With a bound on memos, hits go through the view, which tells the eviction policy about each use.
        boolean bounded = engine.options.maxMemosPerIngredient != Long.MAX_VALUE
                || engine.options.memoByteLimit != Long.MAX_VALUE;
        this.owner = bounded ? new Object() : engine.owner;
        this.primaryView = engine.primary();
    }

    /**
     * Returns the code version, calling its supplier (at most once, whichever thread asks first; others wait for
     * it) if it was given lazily.
     *
     * @throws IllegalStateException naming this ingredient if the supplier threw or returned null (again at
     *     every later call, without calling the supplier again)
     */
    @Override
    public String codeVersion() {
        String version = codeVersion;
        return version != null ? version : resolveCodeVersion();
    }

    private synchronized String resolveCodeVersion() {
        String version = codeVersion;
        if (version != null) {
            return version;
        }
        Supplier<String> source = codeVersionSource;
        if (source != null) {
            codeVersionSource = null;
            try {
                version = source.get();
                if (version != null) {
                    codeVersion = version;
                    return version;
                }
                codeVersionFailure = new NullPointerException("the code version supplier returned null");
            } catch (RuntimeException | Error ex) {
                codeVersionFailure = ex;
            }
        }
        Throwable cause = codeVersionFailure;
        if (cause == null) {
            throw new IllegalStateException("the code version supplier of derived '" + name
                    + "' reads the code version it supplies");
        }
        throw new IllegalStateException("cannot compute the code version of derived '" + name + "': "
                + describe(cause), cause);
    }

    @Override
    IngredientKind kind() {
        return IngredientKind.DERIVED;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(View view, K key) {
        // The hit on the database itself, kept small so that it is inlined into callers; the rest is getSlow.
        // It writes no shared memory: only this thread's count.
        CellTable table = primaryTable;
        if (view == owner && key != null && (key.getClass() == keyType || keyType.isInstance(key))) {
            Cell cell = table.get(key);
            if (cell != null && cell.verifiedAt == primaryView.currentRevision) {
                Object value = cell.value;
                if (value != null) {
                    hits.increment();
                    return (V) value;
                }
            }
            return getPrimary(key);
        }
        return getSlow(view, key);
    }

    /**
     * A read on the database itself that is not a plain hit, its key already checked by {@link #get}: what
     * {@link #getSlow} does for it, without checking the key and resolving the view again.
     */
    @SuppressWarnings("unchecked")
    private V getPrimary(K key) {
        ViewState state = primaryView;
        // What ViewState.evaluate does for a view without a parent, which the database's own view never has.
        return (V) unwrap(InFlight.claim(state, this, key, state.current(), null), key);
    }

    @SuppressWarnings("unchecked")
    private V getSlow(View view, K key) {
        checkKey(key);
        if (view instanceof Evaluation evaluation) {
            engine.checkSameDatabase(evaluation.view, this);
            return (V) evaluation.readDerived(this, key);
        }
        ViewState state = engine.viewState(view, this);
        InputState current = state.current();
        if (view != owner) { // the database itself when its hits do not take the inlined path
            Object hit = state.hitValue(this, key, current.revision);
            if (hit != null) {
                return (V) hit;
            }
        }
        return (V) unwrap(state.evaluate(this, key, current, null), key);
    }

    @Override
    public CompletableFuture<V> getAsync(View view, K key) {
        checkKey(key);
        engine.checkView(view, this);
        AsyncEvaluation<V> task = new AsyncEvaluation<>(() -> get(view, key));
        engine.executor().execute(task);
        return task.future();
    }

    /** Returns the memo's value, or throws its failure as callers see it. */
    Object unwrap(Memo memo, Object key) {
        Throwable failure = memo.failure();
        if (failure == null) {
            return Objects.requireNonNull(memo.value);
        }
        throw failureOf(failure, key, memo.failedAt());
    }

    RuntimeException failureOf(Throwable failure, Object key, long revision) {
        if (failure instanceof CycleException cycle) {
            return new CycleException(cycle.path(), cycle.revision());
        }
        Throwable cause = failure;
        String via = "";
        if (failure instanceof QueryFailedException nested) {
            cause = Objects.requireNonNull(nested.getCause());
            via = " because " + nested.query() + " failed";
        }
        return new QueryFailedException(ref(key), new Revision(revision), "query " + ref(key) + " failed at revision "
                + revision + via + ": " + describe(cause), cause);
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return cause.getClass().getName() + (message == null ? "" : ": " + message);
    }

    Counters counters() {
        return new Counters(hits.sum(), computations.sum(), revalidations.sum(), earlyCutoffs.sum(), failures.sum());
    }

    @Override
    public String name() {
        return name;
    }

    static @Nullable Throwable rootCause(Throwable failure) {
        return failure instanceof QueryFailedException q ? q.getCause() : failure;
    }
}
