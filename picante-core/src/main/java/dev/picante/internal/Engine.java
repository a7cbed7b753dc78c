package dev.picante.internal;

import dev.picante.DerivedIngredient;
import dev.picante.Durability;
import dev.picante.ForwardingView;
import dev.picante.InputIngredient;
import dev.picante.Inspector;
import dev.picante.InternedIngredient;
import dev.picante.Query;
import dev.picante.RuntimeEvent;
import dev.picante.Subscription;
import dev.picante.View;
import dev.picante.persist.InputChange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The engine of one database: the ingredient registry, the revision counter, state-byte accounting, the
 * in-flight evaluations and the shared results of all its views.
 *
 * <h2>How it works</h2>
 *
 * <p><b>Inputs and revisions.</b> A view's inputs are an immutable {@link InputState}: persistent maps of
 * {@link InputSlot}s plus durability watermarks. A mutation builds the next state under the view's write
 * lock and publishes it with one volatile write, at a revision taken from this engine's counter; a read or
 * a snapshot reads the state once. So every operation is linearizable, a snapshot is one reference
 * (O(1)), and a revision number names one input state database-wide: two views at the same revision see
 * the same inputs.
 *
 * <p><b>Derived queries.</b> Each view keeps, per derived ingredient, a table of {@link Cell}s: each is an
 * immutable {@link Memo} (value or failure, dependencies read, effective durability; one object for cell and
 * memo, copied field by field into another view's cell when that view adopts it) with the revision it was
 * last verified at. An access at exactly that revision is a hit: one table look-up, no allocation and no
 * write to memory another thread writes (hits are counted in per-thread slots), so readers of one key scale
 * across cores. Otherwise one caller per (ingredient, key, revision), across
 * every view, becomes the leader of an {@link InFlight} evaluation; the others wait and adopt its memo.
 * The leader reuses the old memo if no input of its durability changed since it was verified (the
 * watermark shortcut), or if deep {@link Revalidation} finds every dependency unchanged; else it computes.
 * A computation producing a value equal to the old one keeps the old {@link Version} (early cutoff), so
 * its readers stay valid.
 *
 * <p><b>Identity, not numbers.</b> A dependency records the very slot object or version it saw.
 * Unchanged means the same object: exact within a view, and also across views, so a view can adopt a
 * memo another view computed (its source's, or one from {@link SharedResults}) after checking it against
 * its own inputs, never trusting revision numbers of a foreign timeline.
 *
 * <p><b>Cycles and cancellation.</b> In-flight evaluations form a wait graph; before waiting, a caller
 * adds its edge and looks for a path back to itself, so a cycle, on one thread or across threads, ends
 * with a {@code CycleException} instead of a hang (leadership, following and this check are all in
 * {@link InFlight}). An interrupted caller gives up alone; a cancelled
 * leader completes its evaluation as cancelled and followers retry. Cancellation is never memoized.
 */
public final class Engine {

    private static final AtomicInteger THREADS = new AtomicInteger();

    final Object owner;
    final EngineOptions options;
    private final AtomicLong revisions = new AtomicLong();
    final StateBytes stateBytes;
    private volatile IngredientImpl[] ingredients = new IngredientImpl[0];
    private final ConcurrentHashMap<String, IngredientImpl> byName = new ConcurrentHashMap<>();
    final InFlightTable inFlight = new InFlightTable();
    final SharedResults sharedResults;
    /** Dependencies examined by revalidation, in every view (the inspector's {@code RevalidationWork}). */
    final LongAdder dependencyChecks = new LongAdder();
    final EventBus events = new EventBus();
    private final ViewState primary;
    private final InspectorImpl inspector;
    private final Persistence persistence = new Persistence(this);
    private volatile @Nullable Executor executor;
    /** The primary view's writes through {@link EngineOptions#inputChangeLog}, or {@code null} without one. */
    final @Nullable LoggedWrites inputLog;

    /** Creates the engine of {@code owner} (the {@code Database}). */
    public Engine(Object owner, EngineOptions options) {
        this.owner = owner;
        this.options = options;
        this.sharedResults = new SharedResults(options.sharedCacheMaxEntries);
        this.stateBytes = new StateBytes(options.stateByteLimit);
        this.primary = new ViewState(this, true, null, InputState.initial(), 0);
        this.inspector = new InspectorImpl(this);
        this.executor = options.executor;
        this.inputLog = options.inputChangeLog == null ? null : new LoggedWrites(this, options.inputChangeLog);
    }

    /** Returns the database object. */
    public Object owner() {
        return owner;
    }

    /** Returns the database's name. */
    public String name() {
        return options.name;
    }

    /** Returns the primary view's state. */
    public ViewState primary() {
        return primary;
    }

    /** Registers a listener of the primary view's events. */
    public Subscription subscribe(Consumer<? super RuntimeEvent> listener) {
        boolean first = !events.active();
        primary.willListen(); // before the listener is added: see ViewState.unusual
        Subscription subscription = events.subscribe(listener);
        if (first) {
            primary.rebuildReverseEdges();
        }
        return subscription;
    }

    /** Returns the export and import of this database's state. */
    public Persistence persistence() {
        return persistence;
    }

    /** Returns the inspector. */
    public Inspector inspector() {
        return inspector;
    }

    // ---------------------------------------------------------------------------------------------
    // Registry

    /** Registers an input ingredient. */
    public <K, V> InputIngredient<K, V> registerInput(String name, Class<K> key, Class<V> value,
            Durability durability) {
        Objects.requireNonNull(durability, "durability");
        return register(name, key, value, false, index -> new InputImpl<>(this, index, name, wrap(key), wrap(value),
                durability));
    }

    /** Registers a derived ingredient. */
    public <K, V> DerivedIngredient<K, V> registerDerived(String name, Class<K> key, Class<V> value,
            String codeVersion, Query<K, V> compute) {
        Objects.requireNonNull(codeVersion, () -> "null code version for derived '" + name + "'");
        return registerDerived(name, key, value, codeVersion, null, compute);
    }

    /** Registers a derived ingredient whose code version {@code codeVersion} supplies when first needed. */
    public <K, V> DerivedIngredient<K, V> registerDerived(String name, Class<K> key, Class<V> value,
            Supplier<String> codeVersion, Query<K, V> compute) {
        Objects.requireNonNull(codeVersion, () -> "null code version for derived '" + name + "'");
        return registerDerived(name, key, value, null, codeVersion, compute);
    }

    /** Registers a derived ingredient whose code version is {@code known}, or else what {@code source} supplies. */
    private <K, V> DerivedIngredient<K, V> registerDerived(String name, Class<K> key, Class<V> value,
            @Nullable String known, @Nullable Supplier<String> source, Query<K, V> compute) {
        Objects.requireNonNull(compute, () -> "null compute function for derived '" + name + "'");
        return register(name, key, value, false, index -> new DerivedImpl<>(this, index, name, wrap(key),
                wrap(value), known, source, compute));
    }

    /** Registers an interned table. */
    public <T> InternedIngredient<T> registerInterned(String name, Class<T> value) {
        return register(name, dev.picante.InternId.class, value, true,
                index -> new InternedImpl<>(this, index, name, wrap(value)));
    }

    private interface Factory<I> {
        I create(int index);
    }

    private synchronized <I extends IngredientImpl> I register(String name, Class<?> key, Class<?> value,
            boolean interned, Factory<I> factory) {
        Objects.requireNonNull(name, "ingredient name");
        Objects.requireNonNull(key, () -> "null key type for ingredient '" + name + "'");
        Objects.requireNonNull(value, () -> "null value type for ingredient '" + name + "'");
        if (name.isBlank()) {
            throw new IllegalArgumentException("ingredient names must not be blank");
        }
        if (key.isArray()) {
            throw new IllegalArgumentException("ingredient '" + name + "' has the array key type " + key.getName()
                    + ": arrays hash by identity, use a List or a record instead");
        }
        if (interned && value.isArray()) {
            throw new IllegalArgumentException("interned '" + name + "' has the array value type "
                    + value.getName() + ": arrays hash by identity, use a List or a record instead");
        }
        IngredientImpl existing = byName.get(name);
        if (existing != null) {
            throw new IllegalArgumentException("an ingredient named '" + name + "' is already registered in database '"
                    + name() + "' (" + existing.describe() + "); ingredient names must be unique");
        }
        IngredientImpl[] current = ingredients;
        I ingredient = factory.create(current.length);
        IngredientImpl[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = ingredient;
        ingredients = next;
        byName.put(name, ingredient);
        return ingredient;
    }

    @SuppressWarnings("unchecked")
    private static <T> Class<T> wrap(Class<T> type) {
        return (Class<T>) wrapPrimitive(type);
    }

    private static Class<?> wrapPrimitive(Class<?> type) {
        if (!type.isPrimitive()) {
            return type;
        }
        if (type == int.class) {
            return Integer.class;
        }
        if (type == long.class) {
            return Long.class;
        }
        if (type == boolean.class) {
            return Boolean.class;
        }
        if (type == double.class) {
            return Double.class;
        }
        if (type == float.class) {
            return Float.class;
        }
        if (type == short.class) {
            return Short.class;
        }
        if (type == byte.class) {
            return Byte.class;
        }
        if (type == char.class) {
            return Character.class;
        }
        throw new IllegalArgumentException("unsupported type " + type);
    }

    int ingredientCount() {
        return ingredients.length;
    }

    IngredientImpl ingredient(int index) {
        return ingredients[index];
    }

    /**
     * The ingredient at {@code index}, or {@code null} when there is none: a negative index stands for an
     * ingredient this database does not have (a loaded dependency on an unregistered ingredient, or the
     * marker of a loaded result computed by another code version), which fails revalidation
     * (r[cell.revalidate-missing]).
     */
    @Nullable IngredientImpl ingredientOrNull(int index) {
        IngredientImpl[] all = ingredients;
        return index >= 0 && index < all.length ? all[index] : null;
    }

    List<IngredientImpl> ingredients() {
        return List.of(ingredients);
    }

    IngredientImpl ingredient(String name) {
        IngredientImpl ingredient = byName.get(Objects.requireNonNull(name, "ingredient name"));
        if (ingredient == null) {
            throw new IllegalArgumentException("database '" + name() + "' has no ingredient named '" + name
                    + "'; registered: " + byName.keySet());
        }
        return ingredient;
    }

    @Nullable IngredientImpl ingredientByNameOrNull(String name) {
        return byName.get(name);
    }

    void advanceRevisionTo(long revision) {
        revisions.accumulateAndGet(revision, Math::max);
    }

    /** Returns the index of a derived ingredient of this database. */
    public int derivedIndex(DerivedIngredient<?, ?> ingredient) {
        Objects.requireNonNull(ingredient, "ingredient");
        if (!(ingredient instanceof DerivedImpl<?, ?> impl) || impl.engine != this) {
            throw new IllegalArgumentException("derived '" + ingredient.name() + "' does not belong to database '"
                    + name() + "'");
        }
        return impl.index;
    }

    /** Returns the index of the derived ingredient named {@code name}. */
    public int derivedIndex(String name) {
        IngredientImpl ingredient = ingredient(name);
        if (!(ingredient instanceof DerivedImpl<?, ?>)) {
            throw new IllegalArgumentException(ingredient.describe() + " is not a derived ingredient");
        }
        return ingredient.index;
    }

    void checkRegistered(IngredientImpl ingredient) {
        if (ingredient.engine != this) {
            throw new IllegalArgumentException(ingredient.describe() + " belongs to database '"
                    + ingredient.engine.name() + "', not to '" + name() + "'");
        }
    }

    /** Applies input changes named by ingredient to the primary view as one batch. */
    public dev.picante.Revision applyInputChanges(List<InputChange> changes) {
        return primary.apply(toWrites(changes));
    }

    /**
     * Computes input changes under the primary view's write serialization, after its log's external changes,
     * and applies them as one batch.
     */
    public dev.picante.Revision computeInputChanges(Supplier<List<InputChange>> compute) {
        LoggedWrites log = inputLog;
        if (log != null) {
            return log.compute(primary, compute);
        }
        return primary.whileWritesWait(() -> primary.apply(toWrites(Objects.requireNonNull(compute.get(),
                "the changes computed are null"))));
    }

    /** Returns the log of the primary view's input writes, or {@code null}. */
    public dev.picante.persist.@Nullable InputChangeLog inputChangeLog() {
        LoggedWrites log = inputLog;
        return log == null ? null : log.log();
    }

    /** Applies the external changes of the primary view's input change log, if it has one. */
    public dev.picante.Revision syncInputChangeLog() {
        LoggedWrites log = inputLog;
        return log == null ? primary.revision() : log.sync(primary);
    }

    /** Converts named input changes to writes, checking each. */
    List<InputWrites.Write> toWrites(List<InputChange> changes) {
        List<InputWrites.Write> writes = new ArrayList<>(changes.size());
        for (InputChange change : changes) {
            IngredientImpl ingredient = byName.get(change.ingredient());
            if (!(ingredient instanceof InputImpl<?, ?> input)) {
                throw new IllegalArgumentException("database '" + name() + "' has no input named '"
                        + change.ingredient() + "'" + (ingredient == null ? "" : ": " + ingredient.describe()));
            }
            input.checkKey(change.key());
            if (change.value() != null) {
                input.checkValue(change.key(), change.value());
            }
            writes.add(new InputWrites.Write(input, change.key(), change.value()));
        }
        return writes;
    }

    // ---------------------------------------------------------------------------------------------
    // Views

    /** Resolves a public view of this database, or throws naming the ingredient that was used with it. */
    ViewState viewState(View view, IngredientImpl usedBy) {
        if (view == owner) {
            return primary; // the common case, without the bridge: the primary view is never closed
        }
        if (view == null) {
            throw new NullPointerException("null view for " + usedBy.describe());
        }
        ViewState state = ViewAccess.stateOf(view);
        if (state == null) {
            if (view instanceof ForwardingView forwarding) {
                return viewState(resolve(forwarding, usedBy), usedBy);
            }
            throw new IllegalArgumentException("unsupported View implementation " + view.getClass().getName()
                    + " used with " + usedBy.describe() + "; use the Database, a Snapshot or a QueryContext");
        }
        checkSameDatabase(state, usedBy);
        state.checkOpen();
        return state;
    }

    /** Follows a forwarding view to the view it stands for now, which is not a forwarding view. */
    private static View resolve(ForwardingView forwarding, IngredientImpl usedBy) {
        View view = forwarding;
        for (int hops = 0; hops < ForwardingView.MAX_FORWARDING && view instanceof ForwardingView next; hops++) {
            View delegate = next.delegate();
            if (delegate == null) {
                throw new NullPointerException("forwarding view " + next.getClass().getName()
                        + " returned a null delegate for " + usedBy.describe());
            }
            view = delegate;
        }
        if (view instanceof ForwardingView || view instanceof Evaluation) {
            throw new IllegalArgumentException("forwarding view " + forwarding.getClass().getName() + " used with "
                    + usedBy.describe() + " does not resolve to a Database or a Snapshot within "
                    + ForwardingView.MAX_FORWARDING + " hops (it reached " + view.getClass().getName() + ")");
        }
        return view;
    }

    /** Checks that {@code view} (of any kind) belongs to this database. */
    void checkView(View view, IngredientImpl usedBy) {
        if (view instanceof Evaluation evaluation) {
            checkSameDatabase(evaluation.view, usedBy);
        } else {
            viewState(view, usedBy);
        }
    }

    void checkSameDatabase(ViewState state, IngredientImpl usedBy) {
        if (state.engine != this) {
            throw otherDatabase(state, usedBy);
        }
    }

    /**
     * The failure of {@link #checkSameDatabase}: {@code usedBy}, of this database, was used with {@code state}, a
     * view of another one. For callers that compare the engines themselves (an input read inside a computation).
     */
    IllegalArgumentException otherDatabase(ViewState state, IngredientImpl usedBy) {
        return new IllegalArgumentException(usedBy.describe() + " belongs to database '" + name()
                + "' but was used with a view of database '" + state.engine.name()
                + "'; ingredients work only with the database that registered them and its snapshots");
    }

    // ---------------------------------------------------------------------------------------------
    // Revisions, state bytes, executor

    long nextRevision() {
        return revisions.incrementAndGet();
    }

    /** Returns the state bytes in use. */
    public long stateBytes() {
        return stateBytes.used();
    }

    long weigh(Object value) {
        long weight = options.weigher.applyAsLong(value);
        if (weight < 0) {
            throw new IllegalStateException("the state weigher returned " + weight + " for a "
                    + value.getClass().getName() + "; weights must be >= 0");
        }
        return weight;
    }

    /**
     * Adds {@code delta} state bytes, or throws {@link LimitExceededException} and changes nothing if that
     * would pass the limit (r[limit.enforced]).
     */
    void reserveStateBytes(long delta, Supplier<String> what) {
        stateBytes.change(delta, List.of(), () -> what.get() + " in database '" + name() + "'");
    }

    Executor executor() {
        Executor e = executor;
        if (e == null) {
            synchronized (this) {
                e = executor;
                if (e == null) {
                    e = defaultExecutor(name());
                    executor = e;
                }
            }
        }
        return e;
    }

    private static Executor defaultExecutor(String name) {
        try {
            // Java 21+: a virtual thread per task.
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (ReflectiveOperationException e) {
            ThreadFactory factory = runnable -> {
                Thread thread = new Thread(runnable, name + "-picante-" + THREADS.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            };
            return Executors.newCachedThreadPool(factory);
        }
    }
}
