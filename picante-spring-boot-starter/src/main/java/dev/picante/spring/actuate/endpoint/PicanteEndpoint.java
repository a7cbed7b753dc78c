package dev.picante.spring.actuate.endpoint;

import dev.picante.Database;
import dev.picante.Inspector.CellInfo;
import dev.picante.Inspector.Counters;
import dev.picante.Inspector.DependencyGraph;
import dev.picante.Inspector.Explanation;
import dev.picante.Inspector.IngredientInfo;
import dev.picante.Inspector.IngredientKind;
import dev.picante.Inspector;
import dev.picante.QueryRef;
import dev.picante.spring.jdbc.H2FileCompaction;
import dev.picante.spring.jdbc.JdbcStateStore;
import dev.picante.spring.jdbc.SharedChangeLog;
import dev.picante.spring.jdbc.SharedLogStatus;
import dev.picante.spring.jdbc.StoreStatus;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code picante} actuator endpoint: what the runtime holds and why.
 *
 * <ul>
 * <li>{@code GET /picante}: the database's name, revision, state bytes and every ingredient with its
 * entry count and counters; with {@code graph=json} or {@code graph=dot} the dependency graph instead.</li>
 * <li>{@code GET /picante/{ingredient}?page=&size=}: one page of the ingredient's cells, ordered by key
 * text.</li>
 * <li>{@code GET /picante/{ingredient}/{key}}: one cell with its dependencies and, for a derived
 * ingredient, the inspector's explanation. Keys are matched by {@code String.valueOf(key)}.</li>
 * <li>{@code DELETE /picante/{ingredient}}: evicts the derived ingredient's memos from the database.</li>
 * <li>{@code POST /picante/store/save} and {@code POST /picante/store/compact}: a full save of the database
 * into the durable store, which also empties its log. Present only when a {@link JdbcStateStore} exists;
 * the summary then describes the store too.</li>
 * <li>{@code POST /picante/store/compact-file}: on an H2 file database, has H2 compact the file to its live
 * data when the database closes ({@link JdbcStateStore#compactH2File()}); the answer gives the file's size and
 * live share.</li>
 * </ul>
 *
 * <p>Keys and values (and explanations, which name keys) are replaced by {@code ******} unless
 * {@code picante.actuator.show-values} allows them, as Boot's {@code env} endpoint does. Shown keys and
 * values are JSON, written by the application's Jackson {@code JsonMapper} (a record key reads
 * {@code {"item":"tea"}}), or text ({@code String.valueOf}) when there is no mapper or it cannot write the
 * object; a cell is also found by its key written as that JSON. Unknown
 * ingredients and cells read as {@code null}, which the web maps to 404. Thread-safe.
 */
@Endpoint(id = "picante")
public class PicanteEndpoint {

    static final String MASK = "******";

    static final int DEFAULT_PAGE_SIZE = 20;

    static final int MAX_PAGE_SIZE = 1000;

    private final Database database;
    private final Show showValues;
    private final Set<String> roles;
    private final @Nullable ObjectProvider<JdbcStateStore> store;
    private final @Nullable ObjectProvider<SharedChangeLog> sharedLog;
    private final Function<Object, Object> renderer;
    private final Supplier<Map<String, String>> codeVersions;
    private final Supplier<Map<String, String>> notPersisted;

    /**
     * Creates the endpoint.
     *
     * @param database the database inspected
     * @param showValues when keys and values are shown
     * @param roles the roles that authorize showing them with {@link Show#WHEN_AUTHORIZED}
     */
    public PicanteEndpoint(Database database, Show showValues, Set<String> roles) {
        this(database, showValues, roles, null);
    }

    /**
     * Creates the endpoint with the durable store, if any, that its store operations save.
     *
     * @param database the database inspected
     * @param showValues when keys and values are shown
     * @param roles the roles that authorize showing them with {@link Show#WHEN_AUTHORIZED}
     * @param store the store of the database, if any
     */
    public PicanteEndpoint(Database database, Show showValues, Set<String> roles,
            @Nullable ObjectProvider<JdbcStateStore> store) {
        this(database, showValues, roles, store, null);
    }

    /**
     * Creates the endpoint with the durable store, if any, and its shared change log, if any: the summary
     * then shows each instance's applied log position and lag, and store saves record the log position.
     *
     * @param database the database inspected
     * @param showValues when keys and values are shown
     * @param roles the roles that authorize showing them with {@link Show#WHEN_AUTHORIZED}
     * @param store the store of the database, if any
     * @param sharedLog the store's shared change log, if any; shown while it is started
     */
    public PicanteEndpoint(Database database, Show showValues, Set<String> roles,
            @Nullable ObjectProvider<JdbcStateStore> store, @Nullable ObjectProvider<SharedChangeLog> sharedLog) {
        this(database, showValues, roles, store, sharedLog, String::valueOf);
    }

    /**
     * Creates the endpoint with the durable store and its shared change log, if any, and the function that
     * renders the keys and values it shows (when {@code showValues} allows): the auto-configuration renders
     * them as JSON trees through the application's Jackson {@code JsonMapper}; the other constructors as
     * {@code String.valueOf}. Failures of poisoned cells are always shown as text.
     *
     * @param database the database inspected
     * @param showValues when keys and values are shown
     * @param roles the roles that authorize showing them with {@link Show#WHEN_AUTHORIZED}
     * @param store the store of the database, if any
     * @param sharedLog the store's shared change log, if any; shown while it is started
     * @param renderer turns a key or value into what the response holds (a {@code String}, or a JSON tree
     *     that the endpoint's JSON writer embeds)
     */
    public PicanteEndpoint(Database database, Show showValues, Set<String> roles,
            @Nullable ObjectProvider<JdbcStateStore> store, @Nullable ObjectProvider<SharedChangeLog> sharedLog,
            Function<Object, Object> renderer) {
        this(database, showValues, roles, store, sharedLog, renderer, Map::of, Map::of);
    }

    /**
     * Creates the endpoint as {@link #PicanteEndpoint(Database, Show, Set, ObjectProvider, ObjectProvider,
     * Function)} does, with what the summary says of each derived ingredient's code version and of the
     * ingredients a store does not persist.
     *
     * @param database the database inspected
     * @param showValues when keys and values are shown
     * @param roles the roles that authorize showing them with {@link Show#WHEN_AUTHORIZED}
     * @param store the store of the database, if any
     * @param sharedLog the store's shared change log, if any; shown while it is started
     * @param renderer turns a key or value into what the response holds
     * @param codeVersions the code version of each derived ingredient, by name (read at each request)
     * @param notPersisted the derived ingredients a store does not persist, with why, by name (read at each
     *     request)
     */
    public PicanteEndpoint(Database database, Show showValues, Set<String> roles,
            @Nullable ObjectProvider<JdbcStateStore> store, @Nullable ObjectProvider<SharedChangeLog> sharedLog,
            Function<Object, Object> renderer, Supplier<Map<String, String>> codeVersions,
            Supplier<Map<String, String>> notPersisted) {
        this.codeVersions = codeVersions;
        this.notPersisted = notPersisted;
        this.renderer = renderer;
        this.database = database;
        this.showValues = showValues;
        this.roles = Set.copyOf(roles);
        this.store = store;
        this.sharedLog = sharedLog;
    }

    private @Nullable SharedChangeLog sharedLog() {
        SharedChangeLog log = sharedLog == null ? null : sharedLog.getIfAvailable();
        return log != null && log.isStarted() ? log : null;
    }

    /** Returns the summary, or the dependency graph when {@code graph} is {@code json} or {@code dot}. */
    @ReadOperation
    public OperationResponseBody picante(@Nullable String graph, SecurityContext securityContext) {
        if (graph == null) {
            Inspector inspector = database.inspector();
            JdbcStateStore jdbcStore = store();
            Map<String, String> versions = codeVersions.get();
            return new PicanteDescriptor(database.name(), database.revision().value(), database.stateBytes(),
                    inspector.ingredients().stream().map(info -> describe(info, versions.get(info.name()))).toList(),
                    jdbcStore == null ? null : StoreDescriptor.of(jdbcStore.status(), sharedLog()),
                    new TreeMap<>(notPersisted.get()));
        }
        return graph(graph, securityContext);
    }

    OperationResponseBody graph(String format, SecurityContext securityContext) {
        boolean show = isShown(securityContext);
        String lowerCase = format.toLowerCase(Locale.ROOT);
        // DOT labels are text; JSON nodes carry rendered keys.
        Function<Object, Object> keys = lowerCase.equals("dot") ? String::valueOf : renderer;
        DependencyGraph graph = database.inspector().graph();
        DependencyGraph shown = new DependencyGraph(graph.nodes().stream().map(ref -> ref(ref, show, keys)).toList(),
                graph.edges().stream().map(edge -> new DependencyGraph.Edge(ref(edge.from(), show, keys),
                        ref(edge.to(), show, keys))).distinct().toList());
        return switch (lowerCase) {
            case "json" -> new GraphDescriptor(database.revision().value(),
                    shown.nodes().stream().distinct().map(RefDescriptor::of).toList(),
                    shown.edges().stream().map(e -> new EdgeDescriptor(RefDescriptor.of(e.from()),
                            RefDescriptor.of(e.to()))).toList());
            case "dot" -> new DotDescriptor(database.revision().value(), shown.toDot());
            default -> throw new IllegalArgumentException("graph must be json or dot, was '" + format + "'");
        };
    }

    /** Returns one page of an ingredient's cells, or {@code null} if no ingredient has that name. */
    @ReadOperation
    public @Nullable CellsDescriptor ingredient(@Selector String ingredient, @Nullable Integer page,
            @Nullable Integer size, SecurityContext securityContext) {
        Optional<IngredientInfo> info = find(ingredient);
        if (info.isEmpty()) {
            return null;
        }
        int pageNumber = page == null ? 0 : page;
        int pageSize = size == null ? DEFAULT_PAGE_SIZE : size;
        if (pageNumber < 0 || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("page must be >= 0 and size between 1 and " + MAX_PAGE_SIZE
                    + ", were " + pageNumber + " and " + pageSize);
        }
        boolean show = isShown(securityContext);
        List<CellInfo> cells = database.inspector().cells(ingredient);
        long from = Math.min((long) pageNumber * pageSize, cells.size());
        long to = Math.min(from + pageSize, cells.size());
        return new CellsDescriptor(ingredient, kind(info.get()), database.revision().value(), pageNumber, pageSize,
                cells.size(), cells.subList((int) from, (int) to).stream().map(cell -> cell(cell, show)).toList());
    }

    /** Returns one cell with its explanation, or {@code null} if there is no such ingredient or cell. */
    @ReadOperation
    public @Nullable CellDetailDescriptor cell(@Selector String ingredient, @Selector String key,
            SecurityContext securityContext) {
        Optional<IngredientInfo> info = find(ingredient);
        if (info.isEmpty()) {
            return null;
        }
        Optional<CellInfo> found = database.inspector().cells(ingredient).stream()
                .filter(cell -> String.valueOf(cell.query().key()).equals(key)).findFirst();
        if (found.isEmpty()) {
            // The key as the JSON the endpoint shows, e.g. {"item":"tea"} for a record key.
            found = database.inspector().cells(ingredient).stream()
                    .filter(cell -> String.valueOf(renderer.apply(cell.query().key())).equals(key)).findFirst();
        }
        if (found.isEmpty()) {
            return null;
        }
        boolean show = isShown(securityContext);
        CellInfo cell = found.get();
        ExplanationDescriptor explanation = null;
        if (info.get().kind() == IngredientKind.DERIVED) {
            Explanation explained = database.inspector().explain(ingredient, cell.query().key());
            explanation = new ExplanationDescriptor(explained.outcome().name().toLowerCase(Locale.ROOT),
                    explained.revision() == null ? null : explained.revision().value(),
                    explained.changedAt() == null ? null : explained.changedAt().value(),
                    explained.dependency() == null ? null
                            : RefDescriptor.of(ref(explained.dependency(), show, renderer)),
                    explained.dependencyChangedAt() == null ? null : explained.dependencyChangedAt().value(),
                    show ? explained.message() : MASK);
        }
        return new CellDetailDescriptor(ingredient, kind(info.get()), database.revision().value(), cell(cell, show),
                explanation);
    }

    /**
     * Evicts the memos of a derived ingredient from the database; later reads recompute them or adopt them
     * back after revalidation. Returns {@code null} if no ingredient has that name.
     *
     * @throws IllegalArgumentException if the ingredient is not derived
     */
    @DeleteOperation
    public @Nullable EvictionDescriptor evict(@Selector String ingredient) {
        Optional<IngredientInfo> info = find(ingredient);
        if (info.isEmpty()) {
            return null;
        }
        if (info.get().kind() != IngredientKind.DERIVED) {
            throw new IllegalArgumentException("ingredient '" + ingredient + "' is " + kind(info.get())
                    + ": only the memos of derived ingredients can be evicted");
        }
        int evicted = database.evict(ingredient);
        return new EvictionDescriptor(ingredient, evicted, database.inspector().ingredient(ingredient).entries());
    }

    /**
     * Runs an operation of the durable store: {@code save} or {@code compact}, both a full save of the
     * database that empties the store's log, or {@code compact-file}, which has H2 compact the file of an H2
     * file database when the database closes ({@link JdbcStateStore#compactH2File()}). Returns {@code null} if
     * {@code target} is not {@code store} or there is no store.
     *
     * @throws IllegalArgumentException if the operation is none of {@code save}, {@code compact} and
     *     {@code compact-file}, or is {@code compact-file} and the store's database is not an H2 file database
     * @throws dev.picante.spring.jdbc.PicanteStoreException if the save fails; the store is unchanged then
     */
    @WriteOperation
    public @Nullable StoreOperationDescriptor store(@Selector String target, @Selector String operation) {
        JdbcStateStore jdbcStore = store();
        if (!"store".equals(target) || jdbcStore == null) {
            return null;
        }
        String op = operation.toLowerCase(Locale.ROOT);
        long start = System.nanoTime();
        FileCompactionDescriptor file = null;
        switch (op) {
            case "save", "compact" -> {
                SharedChangeLog log = sharedLog();
                if (log != null || op.equals("save")) {
                    // a shared store is compacted by a full save through its log
                    jdbcStore.save(database, log);
                } else {
                    jdbcStore.compact(database);
                }
            }
            case "compact-file" -> {
                H2FileCompaction done = jdbcStore.compactH2File();
                if (done == null) {
                    throw new IllegalArgumentException("store operation compact-file applies to an H2 file database;"
                            + " store '" + jdbcStore.name() + "' is on another database (PostgreSQL compacts its"
                            + " tables with VACUUM)");
                }
                file = FileCompactionDescriptor.of(done);
            }
            default -> throw new IllegalArgumentException("store operation must be save or compact (a full save), or"
                    + " compact-file (an H2 file database's file), was '" + operation + "'");
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        StoreStatus status = jdbcStore.status();
        return new StoreOperationDescriptor(status.name(), op,
                status.savedRevision() == null ? database.revision().value() : status.savedRevision(),
                status.savedRecords(), status.logEntries(), millis, file);
    }

    private @Nullable JdbcStateStore store() {
        return store == null ? null : store.getIfAvailable();
    }

    /** Returns whether an ingredient with this name exists. */
    boolean exists(String ingredient) {
        return find(ingredient).isPresent();
    }

    private Optional<IngredientInfo> find(String ingredient) {
        return database.inspector().ingredients().stream().filter(info -> info.name().equals(ingredient))
                .findFirst();
    }

    private boolean isShown(SecurityContext securityContext) {
        return showValues.isShown(securityContext, roles);
    }

    private static IngredientDescriptor describe(IngredientInfo info, @Nullable String codeVersion) {
        Counters c = info.counters();
        return new IngredientDescriptor(info.name(), kind(info), info.keyType().getName(), info.valueType().getName(),
                info.durability() == null ? null : info.durability().name().toLowerCase(Locale.ROOT), info.entries(),
                new CountersDescriptor(c.hits(), c.computations(), c.revalidations(), c.earlyCutoffs(), c.failures()),
                codeVersion);
    }

    private static String kind(IngredientInfo info) {
        return info.kind().name().toLowerCase(Locale.ROOT);
    }

    private CellDescriptor cell(CellInfo cell, boolean show) {
        Object value = cell.value();
        Object shownValue = null;
        if (value != null) {
            // A poisoned cell holds the failure: shown as its text, never serialized.
            shownValue = !show ? MASK : cell.state() == Inspector.CellState.POISONED ? String.valueOf(value)
                    : renderer.apply(value);
        }
        return new CellDescriptor(show ? renderer.apply(cell.query().key()) : MASK,
                cell.state().name().toLowerCase(Locale.ROOT), shownValue,
                cell.verifiedAt().value(), cell.changedAt().value(),
                cell.dependencies().stream().map(ref -> RefDescriptor.of(ref(ref, show, renderer))).toList());
    }

    private static QueryRef ref(QueryRef ref, boolean show, Function<Object, Object> keys) {
        return new QueryRef(ref.ingredient(), show ? keys.apply(ref.key()) : MASK);
    }

    /**
     * The summary of the runtime.
     *
     * @param name the database's name
     * @param revision its revision
     * @param stateBytes the state bytes in use
     * @param ingredients every ingredient, in registration order
     * @param store the durable store's status, or {@code null} without a store
     * @param notPersisted the derived ingredients a store does not persist, with why, by name
     */
    public record PicanteDescriptor(String name, long revision, long stateBytes, List<IngredientDescriptor> ingredients,
            @Nullable StoreDescriptor store, Map<String, String> notPersisted) implements OperationResponseBody {

        /** A summary without ingredients left out of the store. */
        public PicanteDescriptor(String name, long revision, long stateBytes, List<IngredientDescriptor> ingredients,
                @Nullable StoreDescriptor store) {
            this(name, revision, stateBytes, ingredients, store, Map.of());
        }
    }

    /**
     * The durable store, as far as this process knows it.
     *
     * @param name the store's name
     * @param savedRevision the revision of its last full save made or loaded by this process, or {@code null}
     * @param savedAt when that save was made or loaded, or {@code null}
     * @param savedRecords how many records that save holds
     * @param logEntries how many log entries it holds on top of that save
     * @param lastAppendAt when this process last appended to the log, or {@code null}
     * @param failedOperation the operation that failed last, if none succeeded since, else {@code null}
     * @param failure that failure's message, or {@code null}
     * @param shared the shared change log ({@code picante.store.shared}), or {@code null} if the store is not
     *     shared
     * @param droppedAtLoad what the startup load dropped because it no longer fits (derived sections whose types
     *     or shape changed or that read a gone ingredient, discarded inputs); recomputed when read
     * @param corruptAtLoad what the startup load left out as damaged under the corruption policy
     */
    public record StoreDescriptor(String name, @Nullable Long savedRevision, @Nullable String savedAt,
            long savedRecords, int logEntries, @Nullable String lastAppendAt, @Nullable String failedOperation,
            @Nullable String failure, @Nullable SharedLogDescriptor shared, List<String> droppedAtLoad,
            List<String> corruptAtLoad) {

        /** A descriptor without load findings. */
        public StoreDescriptor(String name, @Nullable Long savedRevision, @Nullable String savedAt,
                long savedRecords, int logEntries, @Nullable String lastAppendAt, @Nullable String failedOperation,
                @Nullable String failure, @Nullable SharedLogDescriptor shared) {
            this(name, savedRevision, savedAt, savedRecords, logEntries, lastAppendAt, failedOperation, failure, shared,
                    List.of(), List.of());
        }

        /** A descriptor of a store that is not shared. */
        public StoreDescriptor(String name, @Nullable Long savedRevision, @Nullable String savedAt,
                long savedRecords, int logEntries, @Nullable String lastAppendAt, @Nullable String failedOperation,
                @Nullable String failure) {
            this(name, savedRevision, savedAt, savedRecords, logEntries, lastAppendAt, failedOperation, failure, null);
        }

        static StoreDescriptor of(StoreStatus status, @Nullable SharedChangeLog sharedLog) {
            return new StoreDescriptor(status.name(), status.savedRevision(), text(status.savedAt()),
                    status.savedRecords(), status.logEntries(), text(status.lastAppendAt()), status.failedOperation(),
                    status.failure(), sharedLog == null ? null : SharedLogDescriptor.of(sharedLog.status()),
                    status.droppedAtLoad(), status.corruptAtLoad());
        }

        private static @Nullable String text(@Nullable Instant instant) {
            return instant == null ? null : instant.toString();
        }
    }

    /**
     * The shared change log of a store: this instance and every registered one, with the log position each
     * has applied and its lag (the entries it has not applied yet).
     *
     * @param instanceId this instance's id
     * @param appliedPosition the last log entry this instance applied
     * @param headPosition the last entry in the log
     * @param lag how many entries this instance has not applied
     * @param savePosition the last entry the full save includes, or -1 if unknown
     * @param compactedTo the entries up to this one were compacted away, or -1 if unknown
     * @param instances the registered instances (other instances as of their last heartbeat)
     * @param failure the log's last failure, or {@code null}
     */
    public record SharedLogDescriptor(String instanceId, long appliedPosition, long headPosition, long lag,
            long savePosition, long compactedTo, List<InstanceDescriptor> instances, @Nullable String failure) {

        static SharedLogDescriptor of(SharedLogStatus status) {
            return new SharedLogDescriptor(status.instanceId(), status.appliedPosition(), status.headPosition(),
                    status.lag(), status.savePosition(), status.compactedTo(), status.instances().stream()
                            .map(i -> new InstanceDescriptor(i.id(), i.self(), i.appliedPosition(), i.lag(),
                                    i.heartbeatAt() == null ? null : i.heartbeatAt().toString()))
                            .toList(), status.failure());
        }
    }

    /**
     * An instance sharing the store.
     *
     * @param id its id
     * @param self whether it is this instance
     * @param appliedPosition the last log entry it applied
     * @param lag how many entries it has not applied
     * @param heartbeatAt when it last reported, or {@code null}
     */
    public record InstanceDescriptor(String id, boolean self, long appliedPosition, long lag,
            @Nullable String heartbeatAt) {
    }

    /**
     * What a store operation did.
     *
     * @param store the store's name
     * @param operation {@code save} or {@code compact}
     * @param revision the revision saved
     * @param records how many records the save holds
     * @param logEntries how many log entries the store holds now (0 after a full save)
     * @param durationMillis how long the operation took, in milliseconds
     * @param file the H2 file and its compaction, for {@code compact-file}, else {@code null}
     */
    public record StoreOperationDescriptor(String store, String operation, long revision, long records, int logEntries,
            long durationMillis, @Nullable FileCompactionDescriptor file) implements OperationResponseBody {

        /** A descriptor of a save. */
        public StoreOperationDescriptor(String store, String operation, long revision, long records, int logEntries,
                long durationMillis) {
            this(store, operation, revision, records, logEntries, durationMillis, null);
        }
    }

    /**
     * The compaction of an H2 file, as asked.
     *
     * @param bytes the file's size, in bytes
     * @param liveRate the share of the file that holds live data, in percent
     * @param fillRate the share of the file that H2's chunks occupy, in percent
     * @param scheduled whether H2 compacts the file when the database closes
     * @param skipped why it does not, or {@code null}
     */
    public record FileCompactionDescriptor(long bytes, int liveRate, int fillRate, boolean scheduled,
            @Nullable String skipped) {

        static FileCompactionDescriptor of(H2FileCompaction done) {
            return new FileCompactionDescriptor(done.file().bytes(), done.file().liveRate(), done.file().fillRate(),
                    done.scheduled(), done.skipped());
        }
    }

    /**
     * One ingredient.
     *
     * @param name its name
     * @param kind {@code input}, {@code derived} or {@code interned}
     * @param keyType its key type
     * @param valueType its value type
     * @param durability the durability of an input or interned table, else {@code null}
     * @param entries how many cells the database holds
     * @param counters its counters
     * @param codeVersion the code version of a derived ingredient declared by a {@code @QueryFunction}
     *     (stored with its records; a change drops them at load), else {@code null}
     */
    public record IngredientDescriptor(String name, String kind, String keyType, String valueType,
            @Nullable String durability, long entries, CountersDescriptor counters, @Nullable String codeVersion) {

        /** An ingredient without a code version. */
        public IngredientDescriptor(String name, String kind, String keyType, String valueType,
                @Nullable String durability, long entries, CountersDescriptor counters) {
            this(name, kind, keyType, valueType, durability, entries, counters, null);
        }
    }

    /**
     * The counters of one ingredient, across all views.
     *
     * @param hits accesses served from a result known valid
     * @param computations runs of the compute function
     * @param revalidations accesses served after checking dependencies
     * @param earlyCutoffs recomputations that produced an equal value
     * @param failures computations that threw
     */
    public record CountersDescriptor(long hits, long computations, long revalidations, long earlyCutoffs,
            long failures) {
    }

    /**
     * One page of an ingredient's cells.
     *
     * @param ingredient the ingredient
     * @param kind its kind
     * @param revision the database's revision
     * @param page the page number, from 0
     * @param size the page size
     * @param total how many cells there are
     * @param cells the cells of the page
     */
    public record CellsDescriptor(String ingredient, String kind, long revision, int page, int size, long total,
            List<CellDescriptor> cells) implements OperationResponseBody {
    }

    /**
     * One cell.
     *
     * @param key its key, as JSON (or text without Jackson), or masked
     * @param state {@code ready}, {@code removed} or {@code poisoned}
     * @param value its value as JSON (or text without Jackson), for a poisoned cell the failure as text, or
     *     masked
     * @param verifiedAt the revision it was last confirmed at
     * @param changedAt the revision its value last changed at
     * @param dependencies what its last evaluation read
     */
    public record CellDescriptor(Object key, String state, @Nullable Object value, long verifiedAt, long changedAt,
            List<RefDescriptor> dependencies) {
    }

    /**
     * One cell with the explanation of its last evaluation.
     *
     * @param ingredient the ingredient
     * @param kind its kind
     * @param revision the database's revision
     * @param cell the cell
     * @param explanation why it holds its value (derived ingredients only)
     */
    public record CellDetailDescriptor(String ingredient, String kind, long revision, CellDescriptor cell,
            @Nullable ExplanationDescriptor explanation) implements OperationResponseBody {
    }

    /**
     * Why a derived cell holds its value.
     *
     * @param outcome what its last evaluation did, e.g. {@code computed}, {@code revalidated}
     * @param revision the revision of that evaluation
     * @param changedAt the revision its value last changed at
     * @param dependency the dependency found changed, if any
     * @param dependencyChangedAt when that dependency changed
     * @param message the same in one sentence, or masked
     */
    public record ExplanationDescriptor(String outcome, @Nullable Long revision, @Nullable Long changedAt,
            @Nullable RefDescriptor dependency, @Nullable Long dependencyChangedAt, String message) {
    }

    /**
     * A reference to a record.
     *
     * @param ingredient its ingredient
     * @param key its key, as JSON (or text without Jackson), or masked
     */
    public record RefDescriptor(String ingredient, Object key) {

        static RefDescriptor of(QueryRef ref) {
            return new RefDescriptor(ref.ingredient(), ref.key());
        }
    }

    /**
     * The dependency graph of the database's memoized results.
     *
     * @param revision the database's revision
     * @param nodes every derived cell and every record one of them read
     * @param edges the reads, from the reader to what it read
     */
    public record GraphDescriptor(long revision, List<RefDescriptor> nodes, List<EdgeDescriptor> edges)
            implements OperationResponseBody {
    }

    /**
     * One read.
     *
     * @param from the reader
     * @param to what it read
     */
    public record EdgeDescriptor(RefDescriptor from, RefDescriptor to) {
    }

    /**
     * The dependency graph in Graphviz DOT.
     *
     * @param revision the database's revision
     * @param dot the graph
     */
    public record DotDescriptor(long revision, String dot) implements OperationResponseBody {
    }

    /**
     * What an eviction did.
     *
     * @param ingredient the derived ingredient
     * @param evicted how many memos were dropped
     * @param entries how many the database holds now
     */
    public record EvictionDescriptor(String ingredient, int evicted, long entries) implements OperationResponseBody {
    }

}
