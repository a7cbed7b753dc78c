package dev.picante.spring.jdbc;

import dev.picante.Database;
import dev.picante.Inspector.IngredientInfo;
import dev.picante.Inspector.IngredientKind;
import dev.picante.Revision;
import dev.picante.persist.Codec;
import dev.picante.persist.ImportReport;
import dev.picante.persist.InputChange;
import dev.picante.persist.InputChangeGate;
import dev.picante.persist.InputChangeLog;
import dev.picante.persist.Section;
import dev.picante.persist.SectionKind;
import dev.picante.persist.StateImage;
import dev.picante.persist.StateImage.Checkpoint;
import dev.picante.persist.StoreMismatchException;
import dev.picante.persist.StoredRecord;
import dev.picante.spring.DeclaredTypes;
import dev.picante.spring.jdbc.StoreLoader.Prepared;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;

/**
 * A durable store of one {@link Database}'s state in a relational database (H2 or PostgreSQL).
 *
 * <p>It keeps a <em>full save</em> (tables {@code PICANTE_METADATA}, {@code PICANTE_SECTIONS} and
 * {@code PICANTE_RECORD_CHUNKS}, which packs up to 1,000 records or about 64 KB into a row, each chunk
 * checked by a CRC-32) with a <em>manifest</em> (per section: kind, types, code version, shape, record count
 * and each chunk's CRC; the save's id, revision and lease generation), and an <em>append log</em> of the
 * changes made since ({@code PICANTE_LOG}), each entry checked by a CRC-32C, at positions 1, 2, ... up to the
 * head recorded with the save. Stores saved by earlier versions (formats 1 and 2) are read as well; their
 * next save rewrites them in format 3.
 * {@link #save} replaces the previous full save and empties the log in one transaction
 * (r[store.atomic-save]); {@link #append} adds the changes since the last save or append as one log entry
 * and folds the log into a new full save once it holds {@code compactionThreshold} entries;
 * {@link #inputChangeLog} appends every input write before it returns; {@link #load} reads, verifies and decodes
 * the full save and the log, then imports them in one call to {@link Database#load(StateImage, List)}
 * (r[store.log]), so queries valid when they were saved are served without recomputation
 * (r[store.restore]). A load that fails leaves the database as it was.
 *
 * <p>Damage (a changed byte, a missing or extra chunk, section or log entry) is detected and handled by the
 * {@link CorruptionPolicy}. A derived section whose types or shape changed, or that read an ingredient no
 * longer registered, is dropped and reported, never served; an input whose types or shape changed fails the
 * load, unless it is listed in {@link Builder#discardInputs} or declared {@linkplain #rebuiltAfterLoad rebuilt after
 * the load}.
 *
 * <p>The schema is created and migrated by a Flyway instance private to the store (history table
 * {@code picante_schema_history}, scripts under {@code dev/picante/jdbc/migration/{vendor}}), unless
 * schema management is turned off. Several databases can share the tables under different store names. On
 * an H2 file database the store sets {@code WRITE_DELAY 0}, so that a commit is in the file when it returns.
 *
 * <p>Thread-safe: operations are serialized on the store. One writer per store name: an instance that
 * {@linkplain #acquireLease takes the lease} refuses to start beside a live holder, and its writes are
 * refused once another instance took the store over; a store without a lease refuses to write while another
 * holds one. Several instances share a store only through {@link SharedChangeLog}.
 */
public final class JdbcStateStore {

    private static final Log logger = LogFactory.getLog(JdbcStateStore.class);

    /** Where the migrations live, per vendor. */
    public static final String MIGRATION_LOCATION = "classpath:dev/picante/jdbc/migration/";

    /** The store's own Flyway history table. */
    public static final String HISTORY_TABLE = "picante_schema_history";

    private static final Pattern WRITE_DELAY = Pattern.compile("(?i)WRITE_DELAY=(\\d+)");

    private final StoreContext ctx;
    private final boolean initializeSchema;
    private final boolean durableCommit;
    private final int compactionThreshold;
    private final int h2CompactBelowFillRate;
    private final Duration leaseTimeout;
    private final StoreLease lease;
    private final StoreWriter writer;
    private final StoreLoader loader;
    private final StoreRepair repair;

    private final Object lock = new Object();
    private @Nullable Checkpoint checkpoint;
    private long saveId;
    /** The log position the next append follows, for {@link #saveId}. */
    private long head;
    private int logEntries;
    private boolean migrated;
    private boolean prepared;
    /** Whether the database is an H2 file database (not in memory), known once {@link #prepared}. */
    private boolean h2File;
    private @Nullable Long savedRevision;
    private @Nullable Instant savedAt;
    private long savedRecords;
    private @Nullable Instant lastAppendAt;
    private @Nullable String failedOperation;
    private @Nullable String failure;
    private @Nullable Instant failedAt;
    private List<String> droppedAtLoad = List.of();
    private List<String> corruptAtLoad = List.of();
    /**
     * Where the records of the current full save lie, so that the next save writes only the chunks that hold
     * changed records; null when the next save must be a full one (nothing saved or loaded yet, a store saved
     * in an older format, a load that left something out, an outcome unknown).
     */
    private @Nullable SaveIndex index;
    private StoreWriter.@Nullable Saved lastSave;

    private JdbcStateStore(Builder builder) {
        this.ctx = new StoreContext(builder.name, builder.dataSource, builder.codec, builder.corruptionPolicy,
                builder.maxRecordSize, builder.maxTotalSize, builder.discardInputs, builder.types);
        this.initializeSchema = builder.initializeSchema;
        this.durableCommit = builder.durableCommit;
        this.compactionThreshold = builder.compactionThreshold;
        this.h2CompactBelowFillRate = builder.h2CompactBelowFillRate;
        this.leaseTimeout = builder.leaseTimeout;
        this.lease = new StoreLease(ctx);
        this.writer = new StoreWriter(ctx, lease, leaseTimeout);
        this.loader = new StoreLoader(ctx);
        this.repair = new StoreRepair(ctx);
    }

    /** Returns a builder of a store writing to {@code dataSource}. */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /** Returns the store's name: its rows are keyed by it. */
    public String name() {
        return ctx.name;
    }

    /**
     * Creates or migrates the store's tables with the store's own Flyway instance, unless schema management
     * is off, and on an H2 file database makes commits durable ({@code WRITE_DELAY 0}) unless turned off.
     * Called by the first operation; idempotent.
     *
     * @throws PicanteStoreException if the database is unsupported or the migration fails
     */
    public void migrate() {
        synchronized (lock) {
            migrateLocked();
        }
    }

    private void migrateLocked() {
        if (!prepared) {
            prepareDatabase();
            prepared = true;
        }
        if (migrated || !initializeSchema) {
            migrated = true;
            return;
        }
        String vendor = vendor();
        try {
            Flyway.configure(JdbcStateStore.class.getClassLoader())
                    .dataSource(ctx.dataSource)
                    .locations(MIGRATION_LOCATION + vendor)
                    .table(HISTORY_TABLE)
                    // In a schema that already has the application's tables, record a baseline *below* our
                    // V1 so that V1 still runs.
                    .baselineOnMigrate(true)
                    .baselineVersion("0")
                    .baselineDescription("<< picante baseline >>")
                    .cleanDisabled(true)
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            throw new PicanteStoreException("store '" + ctx.name + "': migrating the schema (" + MIGRATION_LOCATION
                    + vendor + ", history table " + HISTORY_TABLE + ") failed: " + StoreContext.rootCause(e), e);
        }
        migrated = true;
    }

    /**
     * On an H2 file database: sets {@code WRITE_DELAY 0}, so that a committed transaction is written to the
     * file before the commit returns (H2's default delay of 500 ms loses the last commits on a crash), unless
     * the URL sets a delay itself or this is turned off, which is logged as a warning. Also warns when the URL
     * lets H2 close the database at JVM exit (no {@code DB_CLOSE_ON_EXIT=FALSE}), and logs at INFO when it leaves
     * H2's close-time compaction at its 200 ms default (no {@code MAX_COMPACT_TIME} nor {@code DEFRAG_ALWAYS=TRUE}):
     * with the background compaction off ({@code WRITE_DELAY 0} stops H2's background thread), that bound is what
     * makes the file's size move between restarts.
     */
    private void prepareDatabase() {
        String url;
        String product;
        try (Connection c = ctx.dataSource.getConnection()) {
            DatabaseMetaData meta = c.getMetaData();
            url = String.valueOf(meta.getURL());
            product = String.valueOf(meta.getDatabaseProductName());
        } catch (SQLException | RuntimeException e) {
            return; // the operation that follows reports the database as unreachable, with the root cause
        }
        if (!product.toLowerCase(Locale.ROOT).contains("h2") || url.contains(":mem:")) {
            return;
        }
        h2File = true;
        // H2's metadata URL leaves the settings out: they are read from the DataSource's own URL when it has one.
        String configured = configuredUrl(ctx.dataSource);
        if (configured != null && !configured.toUpperCase(Locale.ROOT).contains("DB_CLOSE_ON_EXIT=FALSE")) {
            logger.warn("picante store '" + ctx.name + "': the H2 URL lets H2 close the database when the JVM"
                    + " exits, which can come before the application context closes: a save on shutdown of an"
                    + " application that exits by itself then fails (acknowledged input writes are in the log"
                    + " either way); add ;DB_CLOSE_ON_EXIT=FALSE to the URL");
        }
        Matcher m = WRITE_DELAY.matcher(configured != null ? configured : url);
        if (m.find() && !m.group(1).equals("0")) {
            logger.warn("picante store '" + ctx.name + "': the H2 URL sets WRITE_DELAY=" + m.group(1) + ": commits"
                    + " of the last " + m.group(1) + " ms are lost on a crash, including acknowledged input writes;"
                    + " remove it (the store then sets WRITE_DELAY 0)");
            return;
        }
        if (!durableCommit) {
            logger.warn("picante store '" + ctx.name + "': picante.store.durable-commit=false on H2: commits of the"
                    + " last 500 ms (H2's WRITE_DELAY) are lost on a crash, including acknowledged input writes");
            return;
        }
        try (Connection c = ctx.dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("SET WRITE_DELAY 0");
            adviseCompaction(s);
        } catch (SQLException e) {
            logger.warn("picante store '" + ctx.name + "': could not set WRITE_DELAY 0 on H2 ("
                    + StoreContext.rootCause(e) + "): commits of the last 500 ms are lost on a crash; add"
                    + " ;WRITE_DELAY=0 to the URL or connect as an administrator");
        }
    }

    /**
     * The JDBC URL {@code dataSource} was configured with ({@code getJdbcUrl()} of Hikari, {@code getUrl()} or
     * {@code getURL()} of the others, through Spring's delegating proxies), or null if it has none of these.
     */
    static @Nullable String configuredUrl(DataSource dataSource) {
        DataSource target = dataSource;
        while (target instanceof DelegatingDataSource d) {
            DataSource inner = d.getTargetDataSource();
            if (inner == null) {
                break;
            }
            target = inner;
        }
        for (String name : new String[] { "getJdbcUrl", "getUrl", "getURL" }) {
            try {
                Method getter = target.getClass().getMethod(name);
                if (getter.getReturnType() == String.class) {
                    Object value = getter.invoke(target);
                    if (value instanceof String u && u.startsWith("jdbc:")) {
                        return u;
                    }
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // not this getter
            }
        }
        return null;
    }

    /**
     * Logs at INFO when the H2 file database leaves its close-time compaction at the default: {@code WRITE_DELAY 0}
     * stops H2's background thread, which is what compacts the file while the database is open, so the file is
     * compacted only at close, for at most {@code MAX_COMPACT_TIME} (200 ms by default); a compaction cut short
     * leaves the file anywhere between its live data and half again as much, whatever was written. Read from the
     * database's settings ({@code INFORMATION_SCHEMA.SETTINGS}), not the URL.
     */
    private void adviseCompaction(Statement statement) throws SQLException {
        int maxCompactTime = 200;
        boolean defragAlways = false;
        try (ResultSet rs = statement.executeQuery("SELECT SETTING_NAME, SETTING_VALUE FROM"
                + " INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME IN ('MAX_COMPACT_TIME', 'DEFRAG_ALWAYS')")) {
            while (rs.next()) {
                String value = String.valueOf(rs.getString(2));
                if (rs.getString(1).equals("MAX_COMPACT_TIME")) {
                    try {
                        maxCompactTime = Integer.parseInt(value.trim());
                    } catch (NumberFormatException e) {
                        return; // not a setting we understand: no advice
                    }
                } else {
                    defragAlways = Boolean.parseBoolean(value.trim());
                }
            }
        }
        if (maxCompactTime <= 200 && !defragAlways) {
            logger.info("picante store '" + ctx.name + "': H2 compacts the file at close for at most " + maxCompactTime
                    + " ms (MAX_COMPACT_TIME; with WRITE_DELAY 0 it does not compact in the background), so the"
                    + " file's size can move by half between restarts that write nothing; add"
                    + " ;MAX_COMPACT_TIME=10000 to the URL to let that compaction finish (docs/reference/store.md,"
                    + " \"The H2 file's size\")");
        }
    }

    private String vendor() {
        String product;
        try {
            product = JdbcUtils.extractDatabaseMetaData(ctx.dataSource, DatabaseMetaData::getDatabaseProductName);
        } catch (MetaDataAccessException e) {
            throw new PicanteStoreException("store '" + ctx.name + "': cannot connect to the database to migrate "
                    + "the schema: " + StoreContext.rootCause(e) + "; check the DataSource", e);
        }
        String p = product.toLowerCase(Locale.ROOT);
        if (p.contains("h2")) {
            return "h2";
        }
        if (p.contains("postgres")) {
            return "postgresql";
        }
        throw new PicanteStoreException("store '" + ctx.name + "': no schema scripts for " + product
                + "; create the tables yourself after " + MIGRATION_LOCATION
                + "postgresql and set picante.store.initialize-schema=false");
    }

    // ---------------------------------------------------------------- H2 file

    /**
     * Returns the file of an H2 file database as H2 reports it (size, file and chunks fill rates), or
     * {@code null} on another database (PostgreSQL, H2 in memory).
     *
     * @throws PicanteStoreException if the database cannot be queried
     */
    public @Nullable H2FileStatus h2File() {
        migrate();
        if (!h2File) {
            return null;
        }
        try (Connection c = ctx.dataSource.getConnection()) {
            return H2Files.status(c);
        } catch (SQLException e) {
            throw new PicanteStoreException("store '" + ctx.name + "': reading the H2 file's fill rate failed: "
                    + StoreContext.rootCause(e), e);
        }
    }

    /**
     * Has H2 compact the file of an H2 file database when the database closes, whatever its live share: H2's
     * {@code SHUTDOWN COMPACT}, which writes the live pages into a new, compressed file and renames it over the
     * old one once every connection is closed (at the end of the application, when its pool closes), so never
     * under the application's transactions; a crash during it leaves the old file, closed cleanly before the copy
     * began. Costs about the live data, at that close (about 2 s for 18 MB of live data in a 164 MB file). Not
     * scheduled, and said so, when the database runs in another process. An explicit {@code SHUTDOWN} without
     * {@code COMPACT} cancels it. Returns {@code null} on another database than an H2 file database.
     *
     * @throws PicanteStoreException if the database cannot be queried
     */
    public @Nullable H2FileCompaction compactH2File() {
        synchronized (lock) {
            migrateLocked();
            return h2File ? compactH2FileLocked(101) : null;
        }
    }

    /**
     * Has H2 compact the file of an H2 file database when the database closes, as {@link #compactH2File()}, if
     * less than {@link Builder#h2CompactBelowFillRate} percent of it (50 by default) holds live data
     * ({@link H2FileStatus#liveRate()}), and logs it at INFO: what the lifecycle does at startup, before anything
     * is written (the file is then as the last close left it, with the chunks without live data dropped). Returns
     * {@code null} when it is turned off, the database is not an H2 file database, or enough of the file is live;
     * else whether it was scheduled.
     *
     * @throws PicanteStoreException as {@link #compactH2File()}
     */
    public @Nullable H2FileCompaction compactH2FileIfSparse() {
        synchronized (lock) {
            migrateLocked();
            if (!h2File || h2CompactBelowFillRate <= 0) {
                return null;
            }
            H2FileCompaction done = compactH2FileLocked(h2CompactBelowFillRate);
            if (done != null) {
                logger.info("picante store '" + ctx.name + "': less than " + h2CompactBelowFillRate + "% of the H2"
                        + " file is live data (picante.store.h2-compact-below-fill-rate): " + done.describe());
            }
            return done;
        }
    }

    /** Schedules the compaction if less than {@code belowLiveRate} percent of the file is live; else null. */
    private @Nullable H2FileCompaction compactH2FileLocked(int belowLiveRate) {
        try (Connection c = ctx.dataSource.getConnection()) {
            H2FileStatus file = H2Files.status(c);
            if (file == null) {
                return null;
            }
            if (file.liveRate() >= belowLiveRate) {
                if (logger.isDebugEnabled()) {
                    logger.debug("picante store '" + ctx.name + "': the H2 file is " + file.liveRate() + "% live data;"
                            + " not compacted");
                }
                return null;
            }
            return new H2FileCompaction(file, H2Files.compactAtClose(c));
        } catch (SQLException | RuntimeException e) {
            throw new PicanteStoreException("store '" + ctx.name + "': reading the H2 file's fill rate failed: "
                    + StoreContext.rootCause(e), e);
        }
    }

    // ---------------------------------------------------------------- lease

    /**
     * Takes the store's lease for {@code ownerId}: from then on this store is the only one writing the store
     * name, and its writes are refused if another instance takes the store over.
     *
     * @param takeOver whether to take the lease from a live holder (whose later writes are then refused)
     * @throws PicanteStoreException if another live instance holds it, naming that instance and how to share
     *     the store ({@code picante.store.shared=true}) or take it over ({@code picante.store.take-over=true})
     */
    public void acquireLease(String ownerId, boolean takeOver) {
        synchronized (lock) {
            tracked("take the lease", () -> {
                migrateLocked();
                lease.acquire(ownerId, takeOver, leaseTimeout);
                return null;
            });
        }
    }

    /** Renews the lease, if held; fails (recorded in {@link #status()}) if it was taken over. */
    public void renewLease() {
        synchronized (lock) {
            try {
                lease.renew(leaseTimeout);
            } catch (RuntimeException e) {
                // Recorded, but a renewal that succeeds does not clear another operation's failure.
                failedOperation = "renew the lease";
                failure = message(e);
                failedAt = Instant.now();
                throw e;
            }
        }
    }

    /** Releases the lease, if held: another instance may take the store at once. */
    public void releaseLease() {
        synchronized (lock) {
            lease.release();
        }
    }

    /** Returns the lease generation this store holds, or 0 without a lease. */
    public long leaseGeneration() {
        return lease.held() ? lease.generation() : 0;
    }

    /**
     * Returns the share of an H2 file database's file (percent) that must hold live data at startup, below which
     * H2 compacts the file when the database closes; 0 for never.
     */
    public int h2CompactBelowFillRate() {
        return h2CompactBelowFillRate;
    }

    /** Returns the lease timeout: how long a holder that renews nothing keeps the lease. */
    public Duration leaseTimeout() {
        return leaseTimeout;
    }

    // ---------------------------------------------------------------- save

    /**
     * Makes a full save of the database: through {@code sharedLog} when it is given and started (the save then
     * records the shared position it includes, {@link SharedChangeLog#save}), else {@linkplain #save(Database)
     * plainly}. This is the one place where that choice is made, for the shutdown save and the actuator's.
     *
     * @param sharedLog the shared change log, or {@code null} for an unshared store
     * @throws PicanteStoreException if the save fails; the store is unchanged then
     */
    public void save(Database database, @Nullable SharedChangeLog sharedLog) {
        if (sharedLog != null && sharedLog.isStarted()) {
            sharedLog.save(this, database);
        } else {
            save(database);
        }
    }

    /**
     * Saves the database's whole primary state, replacing the previous full save and emptying the log, in
     * one transaction (r[store.atomic-save]): a crash at any moment leaves the previous save or this one.
     * The save costs what changed since the last one: when this store made or loaded the current save, only the
     * chunks that hold records changed since (in the log or since the last append) are rewritten, new records
     * go to the section's last chunk or new ones, and every other chunk is kept; the log is folded in and
     * deleted. Otherwise (the first save, a store saved in an older format, a load that left something out) the
     * state is written whole, encoded chunk by chunk so that at most a batch of chunks (about 8 MB) is in
     * memory. Writes nothing when nothing changed since the last save and the log is empty.
     *
     * @throws PicanteStoreException if a value cannot be encoded (naming the ingredient and type), a record
     *     or the whole is over its size limit, the lease was taken over, or the database cannot be written
     *     (naming the root cause); the store is unchanged then, unless the message says the commit's outcome
     *     is unknown
     */
    public void save(Database database) {
        synchronized (lock) {
            tracked("save", () -> saveLocked(database, registry(database), false));
        }
    }

    /**
     * Saves what is new since this store's last save or append, if anything: the shutdown save. Writes
     * nothing at all (no manifest, no new save) when nothing changed since; otherwise as {@link #save}. Through
     * {@code sharedLog} when it is given and started, as {@link #save(Database, SharedChangeLog)}.
     *
     * @param sharedLog the shared change log, or {@code null} for an unshared store
     * @return whether anything was written
     * @throws PicanteStoreException as {@link #save}
     */
    public boolean saveIfChanged(Database database, @Nullable SharedChangeLog sharedLog) {
        if (sharedLog != null && sharedLog.isStarted()) {
            sharedLog.save(this, database);
            return true;
        }
        synchronized (lock) {
            return tracked("save", () -> saveLocked(database, registry(database), true));
        }
    }

    /**
     * Saves: incrementally when this store knows where the current save's records lie (it made or loaded it),
     * writing only the chunks that hold what changed since (the log folded in, the changes since the last
     * append); else a full save. Writes nothing when nothing changed since the last save, nor, if
     * {@code onlyIfChanged}, since the last append. Returns whether anything was written.
     */
    private boolean saveLocked(Database database, Map<String, IngredientInfo> registry, boolean onlyIfChanged) {
        migrateLocked();
        Checkpoint since = checkpoint;
        if (since != null) {
            long started = System.nanoTime();
            StateImage changes = database.exportChangesSince(since);
            long exported = System.nanoTime();
            boolean nothingNew = changes.isEmpty() && changes.revision() == since.revision()
                    && changes.checkpoint().equals(since);
            if (nothingNew && (head == 0 || onlyIfChanged)) {
                if (logger.isDebugEnabled()) {
                    logger.debug("store '" + ctx.name + "': nothing new since the last save or append; nothing saved");
                }
                return false;
            }
            SaveIndex base = index;
            // Derived records whose value last changed at or before the checkpoint were only verified again since
            // (a crawl after a restart that followed edits re-verifies every page's memos): the incremental save
            // leaves them out, so they do not count here; before, such a crawl made a full save of unchanged data.
            // (Those recomputed to an equal value after an edit name new dependencies and are written, but they are
            // what the edits reached, not the whole state.)
            long changed = 0;
            for (Section section : changes.sections()) {
                if (section.kind() == SectionKind.DERIVED) {
                    for (StoredRecord r : section.records()) {
                        if (r.changedAt() > since.revision()) {
                            changed++;
                        }
                    }
                } else {
                    changed += section.records().size();
                }
            }
            // A change about the size of the state (a crawl after an empty save) is written by the streaming full
            // save: the incremental one holds the changed records, encoded, until they are written.
            if (base != null && changed <= base.records() / 2 + StoreFormat.CHUNK_MAX_RECORDS) {
                try {
                    StoreWriter.Saved saved = writer.saveChanges(base, saveId, head, changes, registry, onlyIfChanged);
                    if (saved == null) {
                        // Only derived results verified again since, their values as saved: the next export starts
                        // here, and the saved records stay (a load verifies them again when first read).
                        checkpoint = changes.checkpoint();
                        return false;
                    }
                    adopt(saved, changes.checkpoint());
                    if (logger.isDebugEnabled()) {
                        logger.debug("store '" + ctx.name + "': the export of " + changes.sections().stream()
                                .mapToInt(s -> s.records().size()).sum() + " changed records took "
                                + (exported - started) / 1_000_000 + " ms, the save "
                                + (System.nanoTime() - exported) / 1_000_000 + " ms");
                    }
                    return true;
                } catch (StoreWriter.NotIncremental e) {
                    logger.info("store '" + ctx.name + "': a full save instead of an incremental one: "
                            + e.getMessage());
                }
            }
        }
        saveImage(database.exportState(), registry);
        return true;
    }

    /** Takes a committed save as this store's current one. */
    private void adopt(StoreWriter.Saved saved, Checkpoint next) {
        saveId = saved.saveId();
        head = 0;
        checkpoint = next;
        logEntries = 0;
        savedRevision = saved.revision();
        savedAt = Instant.now();
        savedRecords = saved.records();
        index = saved.index();
        lastSave = saved;
        if (logger.isDebugEnabled()) {
            logger.debug("store '" + ctx.name + "': saved revision " + saved.revision() + (saved.incremental()
                    ? " incrementally: " + saved.chunksWritten() + " chunks written (" + saved.bytesWritten()
                            + " bytes), " + saved.chunksKept() + " kept, " + saved.logFolded() + " log entries folded"
                    : " in full (" + saved.bytes() + " bytes, " + saved.chunksWritten() + " chunks)"));
        }
    }

    /** Returns what the last save of this store wrote, or null; for tests and benchmarks. */
    StoreWriter.@Nullable Saved lastSave() {
        synchronized (lock) {
            return lastSave;
        }
    }

    /**
     * Returns what this store has done in this process: its last save, the log since, its last failure, what
     * its last load dropped. Does not touch the database.
     */
    public StoreStatus status() {
        synchronized (lock) {
            return new StoreStatus(ctx.name, savedRevision, savedAt, savedRecords, logEntries, lastAppendAt,
                    failedOperation, failure, failedAt, droppedAtLoad, corruptAtLoad);
        }
    }

    /** Runs an operation, recording its failure, or clearing the last failure when it succeeds. */
    private <T> T tracked(String operation, Supplier<T> action) {
        try {
            T result = action.get();
            failedOperation = null;
            failure = null;
            failedAt = null;
            return result;
        } catch (RuntimeException e) {
            failedOperation = operation;
            failure = message(e);
            failedAt = Instant.now();
            if (e instanceof StoreContext.CommitOutcomeUnknownException) {
                checkpoint = null; // what is stored is unknown: the next write is a full save
                index = null;
            }
            throw e;
        }
    }

    private String message(RuntimeException e) {
        String m = String.valueOf(e.getMessage());
        String root = StoreContext.rootCause(e);
        return m.contains(root) ? m : m + " (" + root + ")";
    }

    /** Saves an exported image; {@code registry} gives the key types of dependencies. */
    void saveImage(StateImage image, Map<String, IngredientInfo> registry) {
        synchronized (lock) {
            migrateLocked();
            adopt(writer.save(image, registry), image.checkpoint());
        }
    }

    /** Folds the log into a new full save: the same as {@link #save}. */
    public void compact(Database database) {
        save(database);
    }

    // ---------------------------------------------------------------- append

    /**
     * Appends the changes since the last save, append or load as one log entry (r[store.log]), and compacts
     * the log into a full save when it holds {@code compactionThreshold} entries. Without a previous save or
     * load in this process, or after a failure whose outcome is unknown, makes a full save instead.
     *
     * @return whether anything was written
     * @throws PicanteStoreException as {@link #save}, and if another writer saved or appended since this
     *     store's last write (nothing is written then: two writers' changes are never merged)
     */
    public boolean append(Database database) {
        synchronized (lock) {
            return tracked("append", () -> appendLocked(database));
        }
    }

    private boolean appendLocked(Database database) {
        migrateLocked();
        Checkpoint since = checkpoint;
        if (since == null) {
            saveImage(database.exportState(), registry(database));
            return true;
        }
        StateImage changes = database.exportChangesSince(since);
        if (changes.isEmpty() && changes.revision() == since.revision() && changes.checkpoint().equals(since)) {
            return false;
        }
        appendImages(List.of(changes), changes.checkpoint(), registry(database));
        if (logEntries >= compactionThreshold) {
            saveLocked(database, registry(database), false);
        }
        return true;
    }

    /** Appends images as log entries after this store's head; refuses if another writer wrote since. */
    private void appendImages(List<StateImage> images, Checkpoint next, Map<String, IngredientInfo> registry) {
        StoreWriter.Appended appended = writer.append(saveId, head, images, registry);
        if (appended.refusal() != null) {
            checkpoint = null;
            throw new PicanteStoreException("store '" + ctx.name + "': append refused, nothing was written: "
                    + (appended.refusal() == StoreWriter.Refusal.OTHER_SAVE
                            ? "the store's full save is not the one this instance made or loaded"
                            : "another writer appended to the log since this instance's last write")
                    + "; two unshared instances must not write one store (share it with picante.store.shared=true);"
                    + " the next write of this instance is a full save of its own state");
        }
        head = appended.position();
        checkpoint = next;
        logEntries += images.size();
        lastAppendAt = Instant.now();
    }

    /** Appends exported changes as one log entry, as {@link #append} does; for tests. */
    boolean appendImage(StateImage changes, Map<String, IngredientInfo> registry) {
        synchronized (lock) {
            migrateLocked();
            appendImages(List.of(changes), changes.checkpoint(), registry);
            return true;
        }
    }

    /**
     * Returns an input change log that appends every input write of {@code database}'s primary view to this
     * store's log before the write returns (synchronous append mode): the changes since the last append
     * (derived results, interned values) at the current revision and the write's input changes at its revision,
     * in one transaction of the store's own (also inside a Spring-managed transaction of the application). If
     * the append fails, the write fails and nothing changes. It has no external changes. Set it with
     * {@code Database.Builder.inputChangeLog}; call {@link #load} or {@link #save} before the first write.
     */
    public InputChangeLog inputChangeLog(Database database) {
        return purpose -> purpose == InputChangeLog.Purpose.WRITE ? new SyncAppend(database) : InputChangeLog.Step.NONE;
    }

    /**
     * Returns a gate that appends every input write of {@code database}'s primary view to the log before the
     * write returns; as {@link #inputChangeLog(Database)}.
     *
     * @deprecated use {@link #inputChangeLog(Database)} with {@code Database.Builder.inputChangeLog}
     */
    @Deprecated
    public InputChangeGate inputGate(Database database) {
        return () -> {
            SyncAppend append = new SyncAppend(database);
            return new InputChangeGate.Pending() {
                @Override
                public void commit(List<InputChange> changes) {
                    append.commit(changes);
                }

                @Override
                public void abort() {
                }

                @Override
                public void published(Revision revision) {
                    append.published(revision);
                }
            };
        };
    }

    /** One write in synchronous append mode. */
    private final class SyncAppend implements InputChangeLog.Step {

        private final Database database;
        private long expected;

        SyncAppend(Database database) {
            this.database = database;
        }

        @Override
        public void commit(List<InputChange> changes) {
            if (org.springframework.transaction.support.TransactionSynchronizationManager.hasResource(
                    ctx.dataSource)) {
                // a transaction of the application on the store's DataSource: the append does not join it (it
                // commits before the write is published, whatever that transaction does later)
                ctx.ownTx.executeWithoutResult(status -> commitLocked(changes));
            } else {
                commitLocked(changes);
            }
        }

        private void commitLocked(List<InputChange> changes) {
            synchronized (lock) {
                tracked("append", () -> {
                    appendInputs(database, changes);
                    return null;
                });
            }
        }

        private void appendInputs(Database db, List<InputChange> changes) {
            migrateLocked();
            Map<String, IngredientInfo> registry = registry(db);
            // The periodic append compacts at the threshold, off the writing thread; a write compacts only when
            // the log grew far past it (no periodic append).
            if (checkpoint == null || logEntries >= 4L * compactionThreshold) {
                saveLocked(db, registry, false); // the state before this write
            }
            Checkpoint since = Objects.requireNonNull(checkpoint);
            StateImage before = db.exportChangesSince(since);
            long revision = db.revision().value() + 1;
            expected = revision;
            Map<String, List<StoredRecord>> records = new LinkedHashMap<>();
            for (InputChange change : changes) {
                records.computeIfAbsent(change.ingredient(), k -> new ArrayList<>())
                        .add(new StoredRecord(change.key(), change.value(), revision, revision, List.of()));
            }
            List<Section> sections = new ArrayList<>();
            for (Map.Entry<String, List<StoredRecord>> e : records.entrySet()) {
                IngredientInfo info = registry.get(e.getKey());
                if (info == null) {
                    throw new PicanteStoreException("store '" + ctx.name + "': no input named '" + e.getKey() + "'");
                }
                sections.add(new Section(e.getKey(), SectionKind.INPUT, info.keyType(), info.valueType(),
                        e.getValue()));
            }
            StateImage inputs = new StateImage(revision, sections, before.checkpoint());
            List<StateImage> images = before.isEmpty() && before.checkpoint().equals(since) ? List.of(inputs)
                    : List.of(before, inputs);
            appendImages(images, before.checkpoint(), registry);
        }

        @Override
        public void close() {
        }

        @Override
        public void published(Revision revision) {
            if (revision.value() != expected && logger.isDebugEnabled()) {
                // Another view's write took a revision meanwhile. The store's checkpoint precedes this write,
                // so the next append records these inputs again at their real revision.
                logger.debug("store '" + ctx.name + "': input write published at revision " + revision.value()
                        + ", logged at " + expected + "; the next append records it again");
            }
        }
    }

    /** Returns how many entries the log holds now. */
    public int logSize() {
        synchronized (lock) {
            migrateLocked();
            Integer n = ctx.query("count the log", () -> ctx.jdbc.queryForObject(
                    "SELECT COUNT(*) FROM PICANTE_LOG WHERE STORE_NAME = ?", Integer.class, ctx.name));
            return n == null ? 0 : n;
        }
    }

    private static Map<String, IngredientInfo> registry(Database database) {
        Map<String, IngredientInfo> map = new LinkedHashMap<>();
        for (IngredientInfo info : database.inspector().ingredients()) {
            map.put(info.name(), info);
        }
        return map;
    }

    static String describe(@Nullable Object value) {
        return StoreWriter.describe(value);
    }

    // ---------------------------------------------------------------- load

    /**
     * Checks every registered ingredient's declared key and value types without values: an input or interned
     * table whose types cannot be written and read back fails, naming the ingredient and the type; a derived
     * ingredient is marked not persisted (see {@link DeclaredTypes#notPersisted()}) with a warning.
     *
     * @throws PicanteStoreException naming the first input whose types cannot be stored
     */
    public void checkTypes(Database database) {
        for (IngredientInfo info : database.inspector().ingredients()) {
            boolean derived = info.kind() == IngredientKind.DERIVED;
            if (derived && !ctx.types.isPersisted(info.name())) {
                continue;
            }
            for (String role : List.of("key", "value")) {
                Type type = role.equals("key") ? ctx.types.keyType(info.name(), info.keyType())
                        : ctx.types.valueType(info.name(), info.valueType());
                try {
                    ctx.codec.checkDeclared(type);
                } catch (RuntimeException e) {
                    String what = info.kind().name().toLowerCase(Locale.ROOT) + " '" + info.name() + "'";
                    if (!derived) {
                        throw new PicanteStoreException("store '" + ctx.name + "': " + what + " cannot be stored: its "
                                + role + " type " + type.getTypeName() + " cannot be written and read back with "
                                + ctx.codec.getClass().getSimpleName() + ": " + e.getMessage(), e);
                    }
                    ctx.types.markNotPersisted(info.name(), role + " type " + type.getTypeName() + ": "
                            + e.getMessage());
                    logger.warn("picante store '" + ctx.name + "': " + what + " is not persisted (its results are "
                            + "computed anew after a restart): its " + role + " type " + type.getTypeName()
                            + " cannot be written and read back: " + e.getMessage());
                    break;
                }
            }
        }
    }

    /**
     * Loads the last full save and replays the log on top of it, into {@code database}, which must be new
     * (r[store.restore], r[store.log]). Everything is read, verified and decoded first, then imported in one
     * call to {@link Database#load(StateImage, List)}: a load that fails leaves the database untouched.
     * Sections of unregistered ingredients are skipped, logged and reported (r[store.mismatch]); derived
     * sections that no longer fit are dropped and reported; damage is handled by the corruption policy.
     *
     * @throws StoreMismatchException if an input or interned section's kind, types or shape differ from its
     *     registered ingredient
     * @throws PicanteStoreException if the store cannot be read, is of a newer format, or is damaged under
     *     {@link CorruptionPolicy#FAIL} (naming the store, the section, chunk or log entry, and what is wrong)
     */
    public StoreLoadReport load(Database database) {
        synchronized (lock) {
            return tracked("load", () -> loadLocked(database));
        }
    }

    private StoreLoadReport loadLocked(Database database) {
        checkTypes(database);
        Prepared p = prepareLoad(registry(database));
        if (p == null) {
            return new StoreLoadReport(false, database.revision().value(), 0, 0, List.of(), List.of(), List.of());
        }
        ImportReport report;
        try {
            report = database.load(p.base(), p.replay());
        } catch (RuntimeException e) {
            throw new PicanteStoreException("store '" + ctx.name + "': importing the full save (save " + p.saveId()
                    + ", revision " + p.base().revision() + ")" + replayed(p, e) + " failed: " + e.getMessage()
                    + "; the database was left as it was", e);
        }
        List<String> skipped = new ArrayList<>(p.skipped());
        for (String s : report.skippedSections()) {
            if (!skipped.contains(s)) {
                skipped.add(s);
            }
        }
        loaded(p);
        if (!report.droppedSections().isEmpty() || !report.outdatedSections().isEmpty()) {
            index = null; // the save holds what the engine left out: the next save rewrites it whole
        }
        savedRecords = p.base().sections().stream().mapToLong(s -> s.records().size()).sum();
        if (!report.outdatedSections().isEmpty()) {
            logger.info("store '" + ctx.name + "': the code of " + report.outdatedSections() + " changed since their"
                    + " results were saved (another code version): those results are recomputed at first use, never"
                    + " served, and what read them stays valid where the new values are equal");
        }
        if (!skipped.isEmpty()) {
            logger.warn("store '" + ctx.name + "': skipped sections of unregistered ingredients " + skipped
                    + " (r[store.mismatch]); they stay in the store until the next full save");
        }
        return new StoreLoadReport(true, database.revision().value(), savedRecords, p.logEntries(), skipped,
                p.corrupt(), p.dropped());
    }

    /** Names the log entries of a failed import, the one whose revision the failure names first. */
    private static String replayed(Prepared p, RuntimeException e) {
        if (p.replay().isEmpty()) {
            return "";
        }
        String message = String.valueOf(e.getMessage());
        for (int i = 0; i < p.replay().size(); i++) {
            if (message.contains("revision " + p.replay().get(i).revision())) {
                return " and the log: log entry " + p.replayPositions().get(i) + " (revision "
                        + p.replay().get(i).revision() + ")";
            }
        }
        return " and log entries " + p.replayPositions() + " (revisions " + p.replay().get(0).revision() + " to "
                + p.replay().get(p.replay().size() - 1).revision() + ")";
    }

    /** Reads and decodes everything a load imports; null when the store holds no save. */
    @Nullable Prepared prepareLoad(Map<String, IngredientInfo> registry) {
        synchronized (lock) {
            migrateLocked();
            return loader.prepare(registry);
        }
    }

    /** Marks a prepared load as imported: later appends continue from it; damaged data is deleted. */
    void loaded(Prepared p) {
        synchronized (lock) {
            checkpoint = p.head() < 0 ? null : p.checkpoint();
            saveId = p.saveId();
            head = Math.max(0, p.head());
            logEntries = p.logEntries();
            savedRevision = p.base().revision();
            savedAt = p.savedAt();
            index = p.index();
            droppedAtLoad = List.copyOf(p.dropped());
            corruptAtLoad = List.copyOf(p.corrupt());
            if (!p.corrupt().isEmpty()) {
                logger.warn("store '" + ctx.name + "': left out damaged data under corruption policy "
                        + ctx.corruptionPolicy + ": " + p.corrupt());
            }
            if (ctx.corruptionPolicy == CorruptionPolicy.DELETE && !p.repairs().isEmpty()) {
                if (!repair.repair(p.saveId(), p.format(), p.repairs())) {
                    logger.info("store '" + ctx.name + "' was saved anew since it was loaded; the damaged data is"
                            + " gone with the previous save");
                }
            }
        }
    }

    /** Returns the names of inputs whose stored records a load discards. */
    Set<String> discardInputs() {
        return ctx.discardInputs;
    }

    /**
     * Declares inputs that the application rebuilds from their own source after every load, such as repository
     * inputs, which the startup reconciliation makes equal to their tables: when the stored records of one of
     * them no longer fit it (its key or value type, or the shape of its aggregate, changed since they were saved:
     * a column added to the table and a component to the record), a load discards them, reports it in
     * {@link StoreLoadReport#dropped()} and recomputes what read them, instead of failing with a
     * {@link dev.picante.persist.StoreMismatchException}. Stored records that fit are loaded as always. Call it
     * before the load that should see it; the starter does for every repository input when
     * {@code picante.data.reconcile-on-startup} is on.
     *
     * @param inputs the names of the input ingredients
     */
    public void rebuiltAfterLoad(Collection<String> inputs) {
        ctx.rebuiltInputs.addAll(inputs);
    }

    @Override
    public String toString() {
        return "JdbcStateStore[" + ctx.name + "]";
    }

    /** Builds a {@link JdbcStateStore}. Not thread-safe. */
    public static final class Builder {

        private final DataSource dataSource;
        private Codec codec = new JacksonCodec();
        private DeclaredTypes types = new DeclaredTypes();
        private String name = "picante";
        private boolean initializeSchema = true;
        private boolean durableCommit = true;
        private int compactionThreshold = 100;
        private int h2CompactBelowFillRate = 50;
        private long maxRecordSize = 16L * 1024 * 1024;
        private long maxTotalSize = Long.MAX_VALUE;
        private CorruptionPolicy corruptionPolicy = CorruptionPolicy.FAIL;
        private Duration leaseTimeout = Duration.ofSeconds(30);
        private Set<String> discardInputs = Set.of();

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /**
         * Sets the declared generic key and value types the codec writes and reads ingredients as; by default
         * their classes.
         */
        public Builder declaredTypes(DeclaredTypes types) {
            this.types = Objects.requireNonNull(types, "types");
            return this;
        }

        /** Sets the codec of keys and values; a {@link JacksonCodec} by default. */
        public Builder codec(Codec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** Sets the store's name, which keys its rows; {@code "picante"} by default. */
        public Builder name(String name) {
            if (name.isBlank() || name.length() > 200) {
                throw new IllegalArgumentException("store name must have 1 to 200 characters: '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /** Sets whether the store creates and migrates its tables with its own Flyway; true by default. */
        public Builder initializeSchema(boolean initializeSchema) {
            this.initializeSchema = initializeSchema;
            return this;
        }

        /**
         * Sets whether the store sets {@code WRITE_DELAY 0} on an H2 file database, so that a commit is in the
         * file when it returns; true by default.
         */
        public Builder durableCommit(boolean durableCommit) {
            this.durableCommit = durableCommit;
            return this;
        }

        /** Sets how many log entries trigger a compaction into a full save; 100 by default. */
        public Builder compactionThreshold(int entries) {
            if (entries < 1) {
                throw new IllegalArgumentException("compaction threshold must be at least 1: " + entries);
            }
            this.compactionThreshold = entries;
            return this;
        }

        /**
         * Sets the share of an H2 file database's file that holds live data ({@link H2FileStatus#liveRate()}), in
         * percent, below which {@link JdbcStateStore#compactH2FileIfSparse()} (run by the lifecycle at startup)
         * has H2 compact the file when the database closes; 50 by default, 0 for never.
         */
        public Builder h2CompactBelowFillRate(int percent) {
            if (percent < 0 || percent > 100) {
                throw new IllegalArgumentException("H2 compaction fill rate must be 0 to 100 (percent): " + percent);
            }
            this.h2CompactBelowFillRate = percent;
            return this;
        }

        /** Sets the largest encoded record (key, value and dependencies); 16 MiB by default. */
        public Builder maxRecordSize(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("max record size must be positive: " + bytes);
            }
            this.maxRecordSize = bytes;
            return this;
        }

        /** Sets the largest full save or log entry, in encoded bytes; unlimited by default. */
        public Builder maxTotalSize(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("max total size must be positive: " + bytes);
            }
            this.maxTotalSize = bytes;
            return this;
        }

        /** Sets what a load does with damaged data; {@link CorruptionPolicy#FAIL} by default. */
        public Builder corruptionPolicy(CorruptionPolicy policy) {
            this.corruptionPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets how long a lease holder that renews nothing keeps the lease; 30 seconds by default. A holder
         * renews with each save and append, and the lifecycle renews it at a third of this.
         */
        public Builder leaseTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("lease timeout must be positive: " + timeout);
            }
            this.leaseTimeout = timeout;
            return this;
        }

        /**
         * Sets the inputs whose stored records a load discards (the way out when an input's type or shape
         * changed incompatibly); none by default. What read them is recomputed.
         */
        public Builder discardInputs(Set<String> inputs) {
            this.discardInputs = Set.copyOf(inputs);
            return this;
        }

        /** Builds the store; the schema is migrated on first use. */
        public JdbcStateStore build() {
            return new JdbcStateStore(this);
        }
    }
}
