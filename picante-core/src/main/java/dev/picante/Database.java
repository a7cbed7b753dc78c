package dev.picante;

import dev.picante.internal.Engine;
import dev.picante.internal.EngineOptions;
import dev.picante.internal.ViewAccess;
import dev.picante.internal.ViewState;
import dev.picante.persist.ImportReport;
import dev.picante.persist.InputChange;
import dev.picante.persist.InputChangeGate;
import dev.picante.persist.InputChangeLog;
import dev.picante.persist.StateImage;
import dev.picante.persist.StoreMismatchException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * An incremental database and its primary view.
 *
 * <p>A database owns ingredients: {@linkplain #input inputs} the application writes,
 * {@linkplain #derived derived queries} it memoizes, and {@linkplain #interned interned tables}.
 * Ingredient names are their stable identity: registering a name twice is an
 * {@link IllegalArgumentException} (r[kind.identity]). An ingredient handle works with this database
 * and all its {@linkplain #snapshot() snapshots}; used with a view of another database it throws
 * {@link IllegalArgumentException}.
 *
 * <p>Each {@code Database} is independent of every other. All methods are thread-safe; operations on
 * the database are linearizable (r[concurrency.linearizable]).
 *
 * <pre>{@code
 * Database db = Database.create();
 * InputIngredient<String, String> files = db.input("files", String.class, String.class);
 * DerivedIngredient<String, Integer> words = db.derived("words", String.class, Integer.class,
 *         (ctx, name) -> files.require(ctx, name).split("\\s+").length);
 * files.set(db, "a.txt", "hello incremental world");
 * int n = words.get(db, "a.txt");    // computes: 3
 * files.set(db, "b.txt", "unrelated");
 * n = words.get(db, "a.txt");        // reused: b.txt was not read
 * }</pre>
 */
public final class Database implements View {

    static {
        ViewAccess.install(view -> {
            if (view instanceof Database database) {
                return database.state;
            }
            if (view instanceof Snapshot snapshot) {
                return snapshot.state();
            }
            return null;
        }, Snapshot::new);
    }

    private final Engine engine;
    private final ViewState state;

    private Database(EngineOptions options) {
        this.engine = new Engine(this, options);
        this.state = engine.primary();
    }

    /** Creates a database with default options: no state-byte limit, a default executor. */
    public static Database create() {
        return builder().build();
    }

    /** Returns a builder for a database with options. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Registers an input ingredient of durability {@link Durability#LOW}.
     *
     * @throws IllegalArgumentException if the name is taken, or {@code key} is an array type
     */
    public <K, V> InputIngredient<K, V> input(String name, Class<K> key, Class<V> value) {
        return input(name, key, value, Durability.LOW);
    }

    /**
     * Registers an input ingredient with a durability (r[durability.inputs]).
     *
     * @throws IllegalArgumentException if the name is taken, or {@code key} is an array type
     */
    public <K, V> InputIngredient<K, V> input(String name, Class<K> key, Class<V> value, Durability durability) {
        return engine.registerInput(name, key, value, durability);
    }

    /**
     * Registers a derived query computed by {@code compute}.
     *
     * @throws IllegalArgumentException if the name is taken, or {@code key} is an array type
     */
    public <K, V> DerivedIngredient<K, V> derived(String name, Class<K> key, Class<V> value, Query<K, V> compute) {
        return engine.registerDerived(name, key, value, "", compute);
    }

    /**
     * Registers a derived query computed by {@code compute}, whose code is at {@code codeVersion}.
     *
     * <p>The code version names the code that computes the values (any string: a hash of the function's
     * bytecode, a release number). A durable store saves it with the ingredient's results; results loaded
     * from a store that were computed by another code version are never served as they are: they are
     * recomputed at their first use, as if something they read had changed at the load, and a recomputed
     * value equal to the stored one keeps its dependents valid (r[revision.early-cutoff]). The empty
     * string is the version of {@link #derived(String, Class, Class, Query)}.
     *
     * @throws IllegalArgumentException if the name is taken, or {@code key} is an array type
     * @throws NullPointerException if {@code codeVersion} is null
     */
    public <K, V> DerivedIngredient<K, V> derived(String name, Class<K> key, Class<V> value, String codeVersion,
            Query<K, V> compute) {
        return engine.registerDerived(name, key, value, codeVersion, compute);
    }

    /**
     * Registers a derived query computed by {@code compute}, whose code version {@code codeVersion} supplies
     * when it is first needed: when a store saves or loads the ingredient's results ({@link #exportState()},
     * {@link #exportChangesSince}, {@link #importState}, {@link #load(StateImage, List)}, {@link #applyChanges}) or
     * {@link DerivedIngredient#codeVersion()} is read. Registering and computing do not call it, so an expensive
     * version (a fingerprint of the function's bytecode) can be computed meanwhile, e.g. on another thread.
     * Otherwise as {@link #derived(String, Class, Class, String, Query)}.
     *
     * <p>The supplier is called at most once, by whichever thread first needs the version (others wait for it).
     * If it throws or returns null, every read of the version from then on throws an
     * {@link IllegalStateException} naming the ingredient, with what it threw as the cause.
     *
     * @throws IllegalArgumentException if the name is taken, or {@code key} is an array type
     * @throws NullPointerException if {@code codeVersion} is null
     */
    public <K, V> DerivedIngredient<K, V> derived(String name, Class<K> key, Class<V> value,
            Supplier<String> codeVersion, Query<K, V> compute) {
        return engine.registerDerived(name, key, value, codeVersion, compute);
    }

    /**
     * Registers an interned table.
     *
     * @throws IllegalArgumentException if the name is taken, or {@code value} is an array type
     */
    public <T> InternedIngredient<T> interned(String name, Class<T> value) {
        return engine.registerInterned(name, value);
    }

    /**
     * Registers a listener for the primary view's {@link RuntimeEvent events}. Listeners are called
     * synchronously, in revision order, by the thread that caused the event; an exception a listener
     * throws is logged and does not affect the runtime or other listeners.
     */
    public Subscription subscribe(Consumer<? super RuntimeEvent> listener) {
        return engine.subscribe(Objects.requireNonNull(listener, "listener"));
    }

    /** Returns the inspector of this database. */
    public Inspector inspector() {
        return engine.inspector();
    }

    /**
     * Drops every memoized result of {@code ingredient} in the primary view. Unobservable but for work
     * (r[evict.derived]): later accesses recompute them, or adopt them back from the shared cache after
     * revalidation. A failure memoized at the current revision is kept (r[evict.poison]).
     *
     * @return how many results were dropped
     */
    public int evict(DerivedIngredient<?, ?> ingredient) {
        return state.evict(engine.derivedIndex(ingredient));
    }

    /**
     * Drops every memoized result of the derived ingredient named {@code ingredient} in the primary view.
     *
     * @throws IllegalArgumentException if no derived ingredient has that name
     * @see #evict(DerivedIngredient)
     */
    public int evict(String ingredient) {
        return state.evict(engine.derivedIndex(ingredient));
    }

    /**
     * Exports the primary view's whole state: every input slot, every interned value, and every memoized
     * derived value with its revisions and dependencies (failures are not exported). For a durable store's
     * full save.
     */
    public StateImage exportState() {
        return engine.persistence().exportState();
    }

    /**
     * Exports what changed in the primary view since {@code since}: input slots set or removed, derived
     * values computed or verified, and new interned values. For a durable store's change log
     * (r[store.log]).
     */
    public StateImage exportChangesSince(StateImage.Checkpoint since) {
        return engine.persistence().exportChangesSince(since);
    }

    /**
     * Loads a full image into this database, which must be new: registered ingredients but no input set,
     * nothing interned and revision 0. Afterwards the revision and every record's {@code verified_at},
     * {@code changed_at} and dependencies are as exported, so a value valid when it was exported is served
     * without recomputation (r[store.restore]). Sections of unregistered ingredients are skipped and
     * reported.
     *
     * <p>Derived results are a cache, so they never fail a load: a derived section whose key or value types
     * differ from the registered ingredient's, or whose ingredient is now an input or an interned table, a
     * derived record whose key or value is not of the registered types, or that read an ingredient that is
     * not registered, a key of the wrong type or a record left out, is left out with every result that read
     * it, and listed in {@link ImportReport#droppedSections()}; those results are computed again when asked
     * for. A derived section saved by another code version than the registered one
     * ({@link #derived(String, Class, Class, String, Query)}) is loaded, but each of its results is recomputed
     * before it is served, as if an input it read had changed at the load, with early cutoff against the
     * loaded value ({@link ImportReport#outdatedSections()}). Inputs and interned values are data: a section
     * of them that does not fit fails the load.
     *
     * @throws StoreMismatchException if an input or interned section does not match its ingredient (another
     *     kind, other types, records of other types, interned ids that contradict each other); the message
     *     names the ingredient, both types and a way out; nothing is loaded then
     * @throws IllegalStateException if the database is not new
     */
    public ImportReport importState(StateImage image) {
        return engine.persistence().importState(image);
    }

    /**
     * Loads a full image and then replays change-log images on top of it, in order, as one step: either
     * all of it is loaded, or (on any exception) the database is left exactly as it was: same revision,
     * no records, no events. Everything (the sections against the registered ingredients, the order of the
     * change images, the records) is checked before anything is changed. The database must be new, as for
     * {@link #importState(StateImage)}, whose rules for derived, input and interned sections apply to every
     * image. The result is that of importing {@code image} and applying each change in order.
     *
     * @param image the full image
     * @param changes change-log images, in revision order, each after the previous one
     * @return what was imported, over the image and all changes
     * @throws StoreMismatchException if an input or interned section does not match its ingredient; nothing is
     *     loaded then
     * @throws IllegalArgumentException if a change image's revision is not after the previous one's
     * @throws IllegalStateException if the database is not new
     */
    public ImportReport load(StateImage image, java.util.List<StateImage> changes) {
        return engine.persistence().load(image, changes);
    }

    /**
     * Replays a change-log image on top of what was imported, in revision order (r[store.log]). Derived,
     * input and interned sections are treated as by {@link #importState(StateImage)}.
     *
     * @throws StoreMismatchException if an input or interned section does not match its ingredient; nothing
     *     is applied then
     * @throws IllegalArgumentException if the image's revision is not after the database's
     */
    public ImportReport applyChanges(StateImage changes) {
        return engine.persistence().applyChanges(changes);
    }

    /**
     * Applies input changes named by ingredient to the primary view as one batch: one new revision, or
     * none if nothing changes. The write passes the database's {@link InputChangeLog} (or its deprecated
     * {@link InputChangeGate}) like any other.
     *
     * @throws IllegalArgumentException if a change names no registered input, or its key or value does not
     *     fit the input; nothing is applied then
     * @throws LimitExceededException as {@link Batch#commit()}
     */
    public Revision applyInputChanges(List<InputChange> changes) {
        return engine.applyInputChanges(Objects.requireNonNull(changes, "changes"));
    }

    /**
     * Computes input changes and applies them to the primary view as one batch, holding the database's write
     * serialization from before {@code compute} runs until the batch is published: no other primary-view
     * write runs in between, and with an {@link InputChangeLog} the log's external changes are applied first,
     * so {@code compute} sees the inputs the write will be applied to. {@code compute} may read the database
     * (it must not write it: that is refused with an {@link IllegalStateException} when the database has a
     * log). For changes that depend on the current inputs, e.g. index entries derived from them.
     *
     * @param compute returns the changes named by ingredient, in write order
     * @return the revision of the batch, or the current one if it changed nothing or the log deferred it
     * @throws IllegalArgumentException as {@link #applyInputChanges(List)}; nothing is applied then
     */
    public Revision computeInputChanges(Function<? super Database, List<InputChange>> compute) {
        Objects.requireNonNull(compute, "compute");
        return engine.computeInputChanges(() -> compute.apply(this));
    }

    /**
     * Applies the external changes of the database's {@link InputChangeLog} (changes made elsewhere, in the
     * log's order), holding the write serialization, as a step of the log with nothing to write. Does nothing
     * without a log.
     *
     * @return the revision the database is at afterwards
     * @throws RuntimeException what the log throws, or an {@link IllegalArgumentException} for an external
     *     change that does not fit the database; the changes applied before stay applied
     */
    public Revision syncInputChangeLog() {
        return engine.syncInputChangeLog();
    }

    /**
     * Returns the log the primary view's input writes pass, as set by {@link Builder#inputChangeLog}, so a
     * store can check at its startup that it is wired to this database.
     */
    public Optional<InputChangeLog> inputChangeLog() {
        return Optional.ofNullable(engine.inputChangeLog());
    }

    /** Returns the state bytes in use now, across all views (r[limit.state-bytes]). */
    public long stateBytes() {
        return engine.stateBytes();
    }

    /** Returns the database's name, as shown in messages. */
    public String name() {
        return engine.name();
    }

    @Override
    public Revision revision() {
        return state.revision();
    }

    @Override
    public Snapshot snapshot() {
        return new Snapshot(state.fork());
    }

    @Override
    public Batch batch() {
        return state.batch();
    }

    @Override
    public String toString() {
        return "Database[" + engine.name() + " at " + state.revision() + "]";
    }

    /** Options of a {@link Database}. Not thread-safe; a builder can build several databases. */
    public static final class Builder {

        private final EngineOptions options = new EngineOptions();

        private Builder() {
        }

        /** Sets the name shown in messages and by the inspector. Default {@code "picante"}. */
        public Builder name(String name) {
            options.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the maximum state bytes of inputs and interned values, across all views
         * (r[limit.enforced]). Default: no limit.
         *
         * @throws IllegalArgumentException if {@code bytes} is negative
         */
        public Builder stateByteLimit(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("stateByteLimit must be >= 0, was " + bytes);
            }
            options.stateByteLimit = bytes;
            return this;
        }

        /**
         * Sets how state bytes of a key or value are counted (r[limit.state-bytes]). The function must be
         * deterministic and return at least zero. The default estimates the retained size of strings,
         * numbers, arrays, collections, maps and records, and counts other objects as 64 bytes.
         */
        public Builder stateWeigher(ToLongFunction<Object> weigher) {
            options.weigher = Objects.requireNonNull(weigher, "weigher");
            return this;
        }

        /**
         * Sets how many finished results the database keeps for adoption by other views after
         * revalidation: results snapshots computed (for the database and later snapshots), and results
         * the database itself no longer holds (evicted, or replaced by a failure or a load), which a
         * later read may take back without computing. Results the database holds are found there, not
         * here. Default 10,000; 0 turns the shared cache off.
         */
        public Builder sharedCacheMaxEntries(int entries) {
            if (entries < 0) {
                throw new IllegalArgumentException("sharedCacheMaxEntries must be >= 0, was " + entries);
            }
            options.sharedCacheMaxEntries = entries;
            return this;
        }

        /**
         * Sets how many memoized results one view keeps per derived ingredient before it evicts some
         * (r[evict.derived]): the least frequently and, among equally used ones, least recently used, so
         * results in steady use survive a scan of results used once. Default: no bound.
         */
        public Builder maxMemosPerIngredient(long entries) {
            if (entries < 1) {
                throw new IllegalArgumentException("maxMemosPerIngredient must be >= 1, was " + entries);
            }
            options.maxMemosPerIngredient = entries;
            return this;
        }

        /**
         * Sets a budget of estimated bytes for the memoized results each view keeps, across its derived
         * ingredients: past it, the view evicts the least frequently and least recently used results
         * (r[evict.derived]) until it is back under nine tenths of the budget. A result is estimated at
         * its key and value as the {@link #stateWeigher state weigher} counts them, plus a fixed overhead
         * per result and per dependency. Eviction never changes a result, only work: an evicted result is
         * recomputed when read again. Default: no budget.
         */
        public Builder memoByteLimit(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("memoByteLimit must be >= 1, was " + bytes);
            }
            options.memoByteLimit = bytes;
            return this;
        }

        /**
         * Sets the executor that runs {@link DerivedIngredient#getAsync} evaluations and the concurrent
         * reads of {@link QueryContext#getAll}. Default: a virtual thread per task on Java 21 and later,
         * otherwise an unbounded pool of daemon threads. {@code Runnable::run} makes everything run on
         * the calling thread.
         */
        public Builder executor(Executor executor) {
            options.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Sets the gate every input write on the primary view passes before it is published, for a store
         * that must make each change durable or ordered first; see {@link InputChangeGate}. Default: none.
         *
         * @deprecated use {@link #inputChangeLog(InputChangeLog)}, whose log hands changes made elsewhere to
         *     the database instead of writing them from inside the gate
         */
        @Deprecated
        public Builder inputChangeGate(InputChangeGate gate) {
            options.inputChangeGate = Objects.requireNonNull(gate, "gate");
            return this;
        }

        /**
         * Sets the log every input write on the primary view passes: it is made durable there before it is
         * published, after the changes the log orders before it; see {@link InputChangeLog}. Default: none.
         */
        public Builder inputChangeLog(InputChangeLog log) {
            options.inputChangeLog = Objects.requireNonNull(log, "log");
            return this;
        }

        /**
         * Builds a new, empty database.
         *
         * @throws IllegalStateException if both an input change gate and an input change log are set
         */
        public Database build() {
            if (options.inputChangeLog != null && hasGate()) {
                throw new IllegalStateException("a database writes through an InputChangeLog or an"
                        + " InputChangeGate, not both: set only inputChangeLog(...)");
            }
            return new Database(options.copy());
        }

        @SuppressWarnings("deprecation")
        private boolean hasGate() {
            return options.inputChangeGate != null;
        }
    }
}
