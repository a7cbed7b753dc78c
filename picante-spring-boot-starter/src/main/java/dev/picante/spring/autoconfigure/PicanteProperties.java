package dev.picante.spring.autoconfigure;

import dev.picante.spring.jdbc.AppendMode;
import dev.picante.spring.jdbc.CorruptionPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties of picante, bound from {@code picante.*}.
 *
 * <p>A mutable JavaBean, as Spring Boot binds it; not thread-safe, and read once when the
 * {@link dev.picante.Database} bean is created.
 */
@ConfigurationProperties("picante")
public class PicanteProperties {

    /**
     * Whether to enable the picante auto-configuration.
     */
    private boolean enabled = true;

    /**
     * Name of the database, as shown in error messages and by the inspector.
     */
    private String name = "picante";

    /**
     * Maximum size of the database's inputs and interned values, across all views. A write that
     * would go past it fails with a LimitExceededException and changes nothing. Unlimited when not
     * set.
     */
    private @Nullable DataSize stateByteLimit;

    /**
     * Maximum number of finished results kept for adoption by other views (snapshots, and the
     * database adopting from snapshots). 0 turns the shared cache off.
     */
    private int sharedCacheMaxEntries = 10_000;

    /**
     * Budget of estimated bytes for the memoized results each view keeps, across its query functions: past
     * it, the least frequently and least recently used results are evicted (and recomputed if read again).
     * Eviction never changes a result, only work. Unbounded when not set.
     */
    private @Nullable DataSize memoByteLimit;

    /**
     * Maximum number of memoized results each view keeps per query function before it evicts the least
     * frequently and least recently used ones (recomputed if read again). Unbounded when not set.
     */
    private @Nullable Long maxMemosPerIngredient;

    /**
     * The durable JDBC store ({@code picante.store.*}).
     */
    private final Store store = new Store();

    private final Web web = new Web();

    /** Returns whether the auto-configuration is enabled. */
    public boolean isEnabled() {
        return enabled;
    }

    /** Sets whether the auto-configuration is enabled. */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** Returns the database's name. */
    public String getName() {
        return name;
    }

    /** Sets the database's name. */
    public void setName(String name) {
        this.name = name;
    }

    /** Returns the state byte limit, or {@code null} for no limit. */
    public @Nullable DataSize getStateByteLimit() {
        return stateByteLimit;
    }

    /** Sets the state byte limit; {@code null} means no limit. */
    public void setStateByteLimit(@Nullable DataSize stateByteLimit) {
        this.stateByteLimit = stateByteLimit;
    }

    /** Returns the maximum number of entries of the shared cache. */
    public int getSharedCacheMaxEntries() {
        return sharedCacheMaxEntries;
    }

    /** Sets the maximum number of entries of the shared cache. */
    public void setSharedCacheMaxEntries(int sharedCacheMaxEntries) {
        this.sharedCacheMaxEntries = sharedCacheMaxEntries;
    }

    /** Returns the budget of the memoized results' estimated bytes, or {@code null} for no budget. */
    public @Nullable DataSize getMemoByteLimit() {
        return memoByteLimit;
    }

    /** Sets the budget of the memoized results' estimated bytes; {@code null} means no budget. */
    public void setMemoByteLimit(@Nullable DataSize memoByteLimit) {
        this.memoByteLimit = memoByteLimit;
    }

    /** Returns the maximum number of memoized results per query function, or {@code null} for no bound. */
    public @Nullable Long getMaxMemosPerIngredient() {
        return maxMemosPerIngredient;
    }

    /** Sets the maximum number of memoized results per query function; {@code null} means no bound. */
    public void setMaxMemosPerIngredient(@Nullable Long maxMemosPerIngredient) {
        this.maxMemosPerIngredient = maxMemosPerIngredient;
    }

    /** Returns the durable store's properties. */
    public Store getStore() {
        return store;
    }

    /**
     * Properties of the durable JDBC store, bound from {@code picante.store.*}.
     */
    public static class Store {

        /**
         * Whether to enable the durable store when a DataSource is present.
         */
        private boolean enabled = true;

        /**
         * Name under which the store and its shared change log keep their rows. Defaults to "picante.name".
         */
        private @Nullable String name;

        /**
         * Whether to create and migrate the store's tables (PICANTE_*) with the store's own Flyway history
         * table (picante_schema_history). Turn off to manage the schema yourself.
         */
        private boolean initializeSchema = true;

        /**
         * Whether to load the saved state into the database at startup.
         */
        private boolean loadOnStartup = true;

        /**
         * Whether to save what is new since the last save or append when the application context closes.
         */
        private boolean saveOnShutdown = true;

        /**
         * How often to append the changes since the last save or append to the log. Not set: no periodic
         * appends.
         */
        private @Nullable Duration appendInterval = Duration.ofSeconds(10);

        /**
         * Number of log entries at which the log is folded into a new full save.
         */
        private int compactionThreshold = 100;

        /**
         * Largest encoded record (key, value and dependencies).
         */
        private DataSize maxRecordSize = DataSize.ofMegabytes(16);

        /**
         * Largest full save or log entry. Unlimited when not set.
         */
        private @Nullable DataSize maxTotalSize;

        /**
         * What a load does with a stored record that cannot be read, or a damaged chunk of records: fail,
         * ignore or delete.
         */
        private CorruptionPolicy corruptionPolicy = CorruptionPolicy.FAIL;

        /**
         * Whether several application instances share the store's input changes through the database: every
         * input write is committed to a shared change log before it returns, and every instance applies the
         * others' writes in log order. Defaults to on when the DataSource is PostgreSQL, off otherwise.
         */
        private @Nullable Boolean shared;

        /**
         * How often a shared store polls the change log for other instances' writes. On PostgreSQL,
         * LISTEN/NOTIFY wakes it up sooner; polling is the fallback.
         */
        private Duration pollInterval = Duration.ofMillis(500);

        /**
         * How long a shared store's log compaction waits for a registered instance that stopped reporting;
         * past it, the instance must restart (and reload the full save) to catch up.
         */
        private Duration instanceRetention = Duration.ofHours(1);

        /**
         * Id of this instance in a shared store's table of instances. Defaults to the host name, process id
         * and a random suffix.
         */
        private @Nullable String instanceId;

        /**
         * When an unshared store appends input writes to its log: 'sync' appends every input write (or batch)
         * before it returns, so an acknowledged write survives a crash; 'interval' appends the changes every
         * append-interval only (a crash loses up to that much). Derived results are appended with the next
         * write or at the append interval either way.
         */
        private AppendMode appendMode = AppendMode.SYNC;

        /**
         * Whether to take an unshared store over from the instance that holds its lease at startup, even if
         * that instance is alive; its later writes are refused.
         */
        private boolean takeOver;

        /**
         * How long the lease of an unshared store outlives its holder's last renewal (each save and append,
         * and a third of this apart); past it, another instance may take the store.
         */
        private Duration leaseTimeout = Duration.ofSeconds(30);

        /**
         * Whether the store sets WRITE_DELAY 0 on an H2 file database, so that each commit is written to the
         * file before it returns (H2's default of 500 ms loses the last commits on a crash).
         */
        private boolean durableCommit = true;

        /**
         * On an H2 file database, the share of the file (percent) that must hold live data at startup (H2's file
         * fill rate times its chunks' fill rate): below it, the store has H2 compact the file to its live data
         * when the database closes at the end of the run (SHUTDOWN COMPACT; H2's own close-time compaction
         * leaves a file as large as it is when its chunks are mostly live or over 16 MB, e.g. after a kill -9
         * during a large save). 0 turns it off.
         */
        private int h2CompactBelowFillRate = 50;

        /**
         * Inputs whose stored records a load discards, e.g. after an input's type or shape changed
         * incompatibly: the load then starts without them and recomputes what read them. Remove the entry
         * after one start.
         */
        private List<String> discardInputs = new ArrayList<>();

        /**
         * Added to the code version of every @QueryFunction (computed from bytecode, or set with
         * @QueryFunction(version)): change it to have every stored derived result recomputed at first use
         * after a redeploy, e.g. when configuration that functions read into fields changed.
         */
        private @Nullable String codeVersion;

        /** Returns whether the store is enabled. */
        public boolean isEnabled() {
            return enabled;
        }

        /** Sets whether the store is enabled. */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /** Returns the store's name, or {@code null} for {@code picante.name}. */
        public @Nullable String getName() {
            return name;
        }

        /** Sets the store's name. */
        public void setName(@Nullable String name) {
            this.name = name;
        }

        /** Returns whether the store manages its schema. */
        public boolean isInitializeSchema() {
            return initializeSchema;
        }

        /** Sets whether the store manages its schema. */
        public void setInitializeSchema(boolean initializeSchema) {
            this.initializeSchema = initializeSchema;
        }

        /** Returns whether to load at startup. */
        public boolean isLoadOnStartup() {
            return loadOnStartup;
        }

        /** Sets whether to load at startup. */
        public void setLoadOnStartup(boolean loadOnStartup) {
            this.loadOnStartup = loadOnStartup;
        }

        /** Returns whether to save on shutdown. */
        public boolean isSaveOnShutdown() {
            return saveOnShutdown;
        }

        /** Sets whether to save on shutdown. */
        public void setSaveOnShutdown(boolean saveOnShutdown) {
            this.saveOnShutdown = saveOnShutdown;
        }

        /** Returns the append interval, or {@code null} for none. */
        public @Nullable Duration getAppendInterval() {
            return appendInterval;
        }

        /** Sets the append interval; {@code null} turns periodic appends off. */
        public void setAppendInterval(@Nullable Duration appendInterval) {
            this.appendInterval = appendInterval;
        }

        /** Returns the compaction threshold. */
        public int getCompactionThreshold() {
            return compactionThreshold;
        }

        /** Sets the compaction threshold. */
        public void setCompactionThreshold(int compactionThreshold) {
            this.compactionThreshold = compactionThreshold;
        }

        /** Returns the record size limit. */
        public DataSize getMaxRecordSize() {
            return maxRecordSize;
        }

        /** Sets the record size limit. */
        public void setMaxRecordSize(DataSize maxRecordSize) {
            this.maxRecordSize = maxRecordSize;
        }

        /** Returns the total size limit, or {@code null} for none. */
        public @Nullable DataSize getMaxTotalSize() {
            return maxTotalSize;
        }

        /** Sets the total size limit. */
        public void setMaxTotalSize(@Nullable DataSize maxTotalSize) {
            this.maxTotalSize = maxTotalSize;
        }

        /** Returns the corruption policy. */
        public CorruptionPolicy getCorruptionPolicy() {
            return corruptionPolicy;
        }

        /** Sets the corruption policy. */
        public void setCorruptionPolicy(CorruptionPolicy corruptionPolicy) {
            this.corruptionPolicy = corruptionPolicy;
        }

        /** Returns whether the store is shared, or {@code null} for "when the DataSource is PostgreSQL". */
        public @Nullable Boolean getShared() {
            return shared;
        }

        /** Sets whether the store is shared. */
        public void setShared(@Nullable Boolean shared) {
            this.shared = shared;
        }

        /** Returns the poll interval of a shared store. */
        public Duration getPollInterval() {
            return pollInterval;
        }

        /** Sets the poll interval of a shared store. */
        public void setPollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
        }

        /** Returns how long compaction waits for a silent instance. */
        public Duration getInstanceRetention() {
            return instanceRetention;
        }

        /** Sets how long compaction waits for a silent instance. */
        public void setInstanceRetention(Duration instanceRetention) {
            this.instanceRetention = instanceRetention;
        }

        /** Returns this instance's id, or {@code null} for a generated one. */
        public @Nullable String getInstanceId() {
            return instanceId;
        }

        /** Sets this instance's id. */
        public void setInstanceId(@Nullable String instanceId) {
            this.instanceId = instanceId;
        }

        /** Returns when input writes are appended to the log. */
        public AppendMode getAppendMode() {
            return appendMode;
        }

        /** Sets when input writes are appended to the log. */
        public void setAppendMode(AppendMode appendMode) {
            this.appendMode = appendMode;
        }

        /** Returns whether to take the store over from another live instance at startup. */
        public boolean isTakeOver() {
            return takeOver;
        }

        /** Sets whether to take the store over from another live instance at startup. */
        public void setTakeOver(boolean takeOver) {
            this.takeOver = takeOver;
        }

        /** Returns the lease timeout. */
        public Duration getLeaseTimeout() {
            return leaseTimeout;
        }

        /** Sets the lease timeout. */
        public void setLeaseTimeout(Duration leaseTimeout) {
            this.leaseTimeout = leaseTimeout;
        }

        /** Returns whether the store makes H2 commits durable. */
        public boolean isDurableCommit() {
            return durableCommit;
        }

        /** Sets whether the store makes H2 commits durable. */
        public void setDurableCommit(boolean durableCommit) {
            this.durableCommit = durableCommit;
        }

        /** Returns the H2 file's live share (percent) at startup below which H2 compacts it when it closes. */
        public int getH2CompactBelowFillRate() {
            return h2CompactBelowFillRate;
        }

        /** Sets the H2 file's live share (percent) at startup below which H2 compacts it when it closes; 0: never. */
        public void setH2CompactBelowFillRate(int h2CompactBelowFillRate) {
            this.h2CompactBelowFillRate = h2CompactBelowFillRate;
        }

        /** Returns the inputs whose stored records a load discards. */
        public List<String> getDiscardInputs() {
            return discardInputs;
        }

        /** Sets the inputs whose stored records a load discards. */
        public void setDiscardInputs(List<String> discardInputs) {
            this.discardInputs = discardInputs;
        }

        /** Returns the salt added to every query function's code version, or {@code null} for none. */
        public @Nullable String getCodeVersion() {
            return codeVersion;
        }

        /** Sets the salt added to every query function's code version. */
        public void setCodeVersion(@Nullable String codeVersion) {
            this.codeVersion = codeVersion;
        }
    }

    /** Returns the web settings. */
    public Web getWeb() {
        return web;
    }

    /** Web settings ({@code picante.web.*}). */
    public static class Web {

        /**
         * Whether to read every query function called while handling a web request (Spring MVC or
         * WebFlux) from a snapshot of the database taken when the request starts.
         */
        private boolean requestSnapshots = true;

        /** Returns whether requests read from snapshots. */
        public boolean isRequestSnapshots() {
            return requestSnapshots;
        }

        /** Sets whether requests read from snapshots. */
        public void setRequestSnapshots(boolean requestSnapshots) {
            this.requestSnapshots = requestSnapshots;
        }
    }
}
