package dev.picante.spring.jdbc;

import dev.picante.Database;
import dev.picante.Inspector.IngredientInfo;
import dev.picante.Inspector.IngredientKind;
import dev.picante.persist.Codec;
import dev.picante.persist.ImportReport;
import dev.picante.persist.Section;
import dev.picante.persist.SectionKind;
import dev.picante.persist.StateImage;
import dev.picante.persist.StateImage.Checkpoint;
import dev.picante.persist.StoreMismatchException;
import dev.picante.persist.StoredDependency;
import dev.picante.persist.StoredRecord;
import dev.picante.spring.DeclaredTypes;
import dev.picante.spring.jdbc.StoreFormat.EncodedDependency;
import dev.picante.spring.jdbc.StoreFormat.EncodedRecord;
import dev.picante.spring.jdbc.StoreFormat.EncodedSection;
import dev.picante.spring.jdbc.StoreFormat.LogEntry;
import dev.picante.spring.jdbc.StoreFormat.NumberedRecord;
import java.lang.reflect.Type;
import java.sql.DatabaseMetaData;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A durable store of one {@link Database}'s state in a relational database (H2 or PostgreSQL).
 *
 * <p>It keeps a <em>full save</em> (tables {@code PICANTE_METADATA}, {@code PICANTE_SECTIONS} and
 * {@code PICANTE_RECORD_CHUNKS}, which packs up to 1,000 records or about 256 KB into a row, each chunk
 * checked by a CRC-32) and an <em>append log</em> of the changes made since ({@code PICANTE_LOG}). A store
 * saved by an earlier version, one record to a row in {@code PICANTE_RECORDS} (format 1), is read as well;
 * its next save rewrites it as chunks.
 * {@link #save} replaces the previous full save and empties the log in one transaction
 * (r[store.atomic-save]); {@link #append} adds the changes since the last save or append as one log entry
 * and folds the log into a new full save once it holds {@code compactionThreshold} entries; {@link #load}
 * imports the full save and replays the log in revision order (r[store.log]), so queries valid when they
 * were saved are served without recomputation (r[store.restore]). Everything a load needs is read and
 * decoded before the database is touched: a failed load leaves the database as it was.
 *
 * <p>The schema is created and migrated by a Flyway instance private to the store (history table
 * {@code picante_schema_history}, scripts under {@code dev/picante/jdbc/migration/{vendor}}), unless
 * schema management is turned off. Several databases can share the tables under different store names.
 *
 * <p>Thread-safe: operations are serialized on the store. Two processes writing the same store name is
 * detected (an append after another process's save falls back to a full save) but not supported.
 */
public final class JdbcStateStore {

    private static final Log logger = LogFactory.getLog(JdbcStateStore.class);

    /** Where the migrations live, per vendor. */
    public static final String MIGRATION_LOCATION = "classpath:dev/picante/jdbc/migration/";

    /** The store's own Flyway history table. */
    public static final String HISTORY_TABLE = "picante_schema_history";

    private static final int BATCH_SIZE = 500;
    /** Chunks per JDBC batch of a full save: at most about 8 MB of parameters. */
    private static final int CHUNKS_PER_BATCH = 32;

    private final DataSource dataSource;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate writeTx;
    private final TransactionTemplate readTx;
    private final Codec codec;
    private final DeclaredTypes types;
    private final String name;
    private final boolean initializeSchema;
    private final int compactionThreshold;
    private final long maxRecordSize;
    private final long maxTotalSize;
    private final CorruptionPolicy corruptionPolicy;

    private final Object lock = new Object();
    private final Set<String> checkedSections = new HashSet<>();
    private @Nullable Checkpoint checkpoint;
    private long saveId;
    /** The position of the last log entry this store wrote since its last save or load; 0 when none. */
    private long lastLogPosition;
    private int logEntries;
    private boolean migrated;
    private @Nullable Long savedRevision;
    private @Nullable Instant savedAt;
    private long savedRecords;
    private @Nullable Instant lastAppendAt;
    private @Nullable String failedOperation;
    private @Nullable String failure;
    private @Nullable Instant failedAt;

    private JdbcStateStore(Builder builder) {
        this.dataSource = builder.dataSource;
        this.jdbc = new JdbcTemplate(builder.dataSource);
        DataSourceTransactionManager tm = new DataSourceTransactionManager(builder.dataSource);
        this.writeTx = new TransactionTemplate(tm);
        this.readTx = new TransactionTemplate(tm);
        this.readTx.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        this.readTx.setReadOnly(true);
        this.codec = builder.codec;
        this.types = builder.types;
        this.name = builder.name;
        this.initializeSchema = builder.initializeSchema;
        this.compactionThreshold = builder.compactionThreshold;
        this.maxRecordSize = builder.maxRecordSize;
        this.maxTotalSize = builder.maxTotalSize;
        this.corruptionPolicy = builder.corruptionPolicy;
    }

    /** Returns a builder of a store writing to {@code dataSource}. */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /** Returns the store's name: its rows are keyed by it. */
    public String name() {
        return name;
    }

    /**
     * Creates or migrates the store's tables with the store's own Flyway instance, unless schema management
     * is off. Called by the first operation; idempotent.
     *
     * @throws PicanteStoreException if the database is unsupported or the migration fails
     */
    public void migrate() {
        synchronized (lock) {
            migrateLocked();
        }
    }

    private void migrateLocked() {
        if (migrated || !initializeSchema) {
            migrated = true;
            return;
        }
        String vendor = vendor();
        try {
            Flyway.configure(JdbcStateStore.class.getClassLoader())
                    .dataSource(dataSource)
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
            throw new PicanteStoreException("store '" + name + "': migrating the schema (" + MIGRATION_LOCATION
                    + vendor + ", history table " + HISTORY_TABLE + ") failed: " + e.getMessage(), e);
        }
        migrated = true;
    }

    private String vendor() {
        String product;
        try {
            product = JdbcUtils.extractDatabaseMetaData(dataSource, DatabaseMetaData::getDatabaseProductName);
        } catch (MetaDataAccessException e) {
            throw new PicanteStoreException("store '" + name + "': cannot connect to the database to migrate "
                    + "the schema: " + e.getMessage() + "; check the DataSource", e);
        }
        String p = product.toLowerCase(Locale.ROOT);
        if (p.contains("h2")) {
            return "h2";
        }
        if (p.contains("postgres")) {
            return "postgresql";
        }
        throw new PicanteStoreException("store '" + name + "': no schema scripts for " + product
                + "; create the tables yourself after " + MIGRATION_LOCATION
                + "postgresql and set picante.store.initialize-schema=false");
    }

    // ---------------------------------------------------------------- save

    /**
     * Saves the database's whole primary state, replacing the previous full save and emptying the log, in
     * one transaction (r[store.atomic-save]): a crash at any moment leaves the previous save or this one.
     * Everything is encoded before the transaction starts.
     *
     * @throws PicanteStoreException if a value cannot be encoded (naming the ingredient and type), a record
     *     or the whole is over its size limit, or the database cannot be written; the store is unchanged
     */
    public void save(Database database) {
        synchronized (lock) {
            tracked("save", () -> {
                saveImage(database.exportState(), registry(database));
                return null;
            });
        }
    }

    /**
     * Returns what this store has done in this process: its last save, the log since, its last failure.
     * Does not touch the database.
     */
    public StoreStatus status() {
        synchronized (lock) {
            return new StoreStatus(name, savedRevision, savedAt, savedRecords, logEntries, lastAppendAt,
                    failedOperation, failure, failedAt);
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
            failure = String.valueOf(e.getMessage());
            failedAt = Instant.now();
            throw e;
        }
    }

    /** Saves an exported image; {@code registry} gives the key types of dependencies. */
    void saveImage(StateImage image, Map<String, IngredientInfo> registry) {
        synchronized (lock) {
            migrateLocked();
            List<EncodedSection> sections = encode(image, registry);
            long total = 0;
            for (EncodedSection s : sections) {
                for (EncodedRecord r : s.records()) {
                    total += r.size();
                }
            }
            checkTotal(total, "full save at revision " + image.revision());
            List<Chunk> chunks = new ArrayList<>();
            for (EncodedSection s : sections) {
                chunks.addAll(chunks(s.name(), s.records()));
            }
            long newSaveId = write("save", () -> writeTx.execute(status -> writeSave(image, sections, chunks)));
            saveId = newSaveId;
            lastLogPosition = 0;
            checkpoint = image.checkpoint();
            logEntries = 0;
            savedRevision = image.revision();
            savedAt = Instant.now();
            savedRecords = sections.stream().mapToLong(s -> s.records().size()).sum();
            if (logger.isDebugEnabled()) {
                logger.debug("store '" + name + "': saved revision " + image.revision() + " (" + total
                        + " bytes)");
            }
        }
    }

    /** Folds the log into a new full save: the same as {@link #save}. */
    public void compact(Database database) {
        save(database);
    }

    private long writeSave(StateImage image, List<EncodedSection> sections, List<Chunk> chunks) {
        Long current = lockMetadata();
        long newSaveId = current == null ? 1 : current + 1;
        byte[] checkpointBytes = StoreFormat.writeCheckpoint(image.checkpoint());
        Timestamp now = Timestamp.from(Instant.now());
        if (current == null) {
            jdbc.update("INSERT INTO PICANTE_METADATA (STORE_NAME, FORMAT_VERSION, SAVE_ID, REVISION, CHECKPOINT,"
                    + " SAVED_AT) VALUES (?, ?, ?, ?, ?, ?)", name, StoreFormat.FORMAT_VERSION, newSaveId,
                    image.revision(), checkpointBytes, now);
        } else {
            jdbc.update("UPDATE PICANTE_METADATA SET FORMAT_VERSION = ?, SAVE_ID = ?, REVISION = ?, CHECKPOINT = ?,"
                    + " SAVED_AT = ? WHERE STORE_NAME = ?", StoreFormat.FORMAT_VERSION, newSaveId,
                    image.revision(), checkpointBytes, now, name);
        }
        jdbc.update("DELETE FROM PICANTE_LOG WHERE STORE_NAME = ?", name);
        jdbc.update("DELETE FROM PICANTE_RECORD_CHUNKS WHERE STORE_NAME = ?", name);
        // Rows of a store last saved in format 1.
        jdbc.update("DELETE FROM PICANTE_RECORDS WHERE STORE_NAME = ?", name);
        jdbc.update("DELETE FROM PICANTE_SECTIONS WHERE STORE_NAME = ?", name);
        jdbc.batchUpdate("INSERT INTO PICANTE_SECTIONS (STORE_NAME, SECTION_NAME, KIND, KEY_TYPE, VALUE_TYPE)"
                + " VALUES (?, ?, ?, ?, ?)", sections, BATCH_SIZE, (ps, s) -> {
                    ps.setString(1, name);
                    ps.setString(2, s.name());
                    ps.setString(3, s.kind());
                    ps.setString(4, s.keyType());
                    ps.setString(5, s.valueType());
                });
        insertChunks(chunks);
        return newSaveId;
    }

    /** A chunk of a full save's records, framed. */
    private record Chunk(String section, int chunkNo, int firstRecordNo, int recordCount, byte[] bytes) {
    }

    /**
     * Inserts the records of a full save packed into chunks ({@link StoreFormat#writeChunk}), in JDBC batches:
     * a few hundred rows for 100,000 small records, where one row per record made the database's own work on
     * rows, keys and undo log the bulk of a save.
     */
    private void insertChunks(List<Chunk> chunks) {
        jdbc.batchUpdate("INSERT INTO PICANTE_RECORD_CHUNKS (STORE_NAME, SECTION_NAME, CHUNK_NO, FIRST_RECORD_NO,"
                + " RECORD_COUNT, CHUNK) VALUES (?, ?, ?, ?, ?, ?)", chunks, CHUNKS_PER_BATCH, (ps, c) -> {
                    ps.setString(1, name);
                    ps.setString(2, c.section());
                    ps.setInt(3, c.chunkNo());
                    ps.setInt(4, c.firstRecordNo());
                    ps.setInt(5, c.recordCount());
                    ps.setBytes(6, c.bytes());
                });
        if (logger.isTraceEnabled()) {
            logger.trace("store '" + name + "': inserted " + chunks.size() + " chunks");
        }
    }

    /** Packs a section's records, numbered from 0, into chunks. */
    private static List<Chunk> chunks(String section, List<EncodedRecord> records) {
        int[] bounds = StoreFormat.chunkBounds(records);
        List<Chunk> chunks = new ArrayList<>(bounds.length - 1);
        for (int c = 0; c + 1 < bounds.length; c++) {
            List<NumberedRecord> numbered = new ArrayList<>(bounds[c + 1] - bounds[c]);
            for (int i = bounds[c]; i < bounds[c + 1]; i++) {
                numbered.add(new NumberedRecord(i, records.get(i)));
            }
            chunks.add(new Chunk(section, c, bounds[c], numbered.size(), StoreFormat.writeChunk(numbered)));
        }
        return chunks;
    }

    /** Locks this store's metadata row; returns its save id, or null when the store is empty. */
    private @Nullable Long lockMetadata() {
        List<long[]> rows = jdbc.query("SELECT SAVE_ID, FORMAT_VERSION FROM PICANTE_METADATA WHERE STORE_NAME = ?"
                + " FOR UPDATE", (rs, n) -> new long[] {rs.getLong(1), rs.getInt(2)}, name);
        if (rows.isEmpty()) {
            return null;
        }
        checkFormat(rows.get(0)[1]);
        return rows.get(0)[0];
    }

    private void checkFormat(long format) {
        if (format > StoreFormat.FORMAT_VERSION) {
            throw new PicanteStoreException("store '" + name + "' was written in format " + format
                    + " by a newer picante; this version reads formats up to " + StoreFormat.FORMAT_VERSION
                    + ": upgrade picante, or use another store name");
        }
    }

    // ---------------------------------------------------------------- append

    /**
     * Appends the changes since the last save, append or load as one log entry (r[store.log]), and compacts
     * the log into a full save when it holds {@code compactionThreshold} entries. Without a previous save or
     * load in this process (or after another process saved), makes a full save instead.
     *
     * @return whether anything was written
     * @throws PicanteStoreException as {@link #save}; the store and the checkpoint are unchanged then
     */
    public boolean append(Database database) {
        synchronized (lock) {
            return tracked("append", () -> appendLocked(database));
        }
    }

    private boolean appendLocked(Database database) {
        synchronized (lock) {
            migrateLocked();
            Checkpoint since = checkpoint;
            if (since == null) {
                save(database);
                return true;
            }
            StateImage changes = database.exportChangesSince(since);
            if (changes.isEmpty() && changes.revision() == since.revision()
                    && changes.checkpoint().equals(since)) {
                return false;
            }
            if (!appendImage(changes, registry(database))) {
                logger.info("store '" + name + "' was saved by someone else since this process's last save;"
                        + " making a full save");
                save(database);
                return true;
            }
            if (logEntries >= compactionThreshold) {
                save(database);
            }
            return true;
        }
    }

    /**
     * Appends exported changes as one log entry; returns false, writing nothing, when the store's last full
     * save is not the one this store made or loaded.
     */
    boolean appendImage(StateImage changes, Map<String, IngredientInfo> registry) {
        synchronized (lock) {
            migrateLocked();
            List<EncodedSection> sections = encode(changes, registry);
            byte[] entry = StoreFormat.writeLogEntry(new LogEntry(changes.revision(), changes.checkpoint(),
                    sections));
            checkTotal(entry.length, "log entry at revision " + changes.revision());
            Long position = write("append", () -> writeTx.execute(status -> writeLog(changes, entry)));
            boolean appended = position != null && position > 0;
            if (appended) {
                lastLogPosition = position;
                checkpoint = changes.checkpoint();
                logEntries++;
                lastAppendAt = Instant.now();
            }
            return appended;
        }
    }

    /** Writes a log entry; returns its position, or 0, writing nothing, when the full save is not ours. */
    private long writeLog(StateImage changes, byte[] entry) {
        Long current = lockMetadata();
        if (current == null || current != saveId) {
            return 0;
        }
        // The newest position, looked up from the last one this store wrote (a range of the primary key
        // index: what was appended since, normally nothing), not over the whole log, which grows until the
        // next full save. From the start when that finds nothing (the log was emptied by another process).
        Long last = jdbc.queryForObject("SELECT MAX(LOG_POSITION) FROM PICANTE_LOG WHERE STORE_NAME = ?"
                + " AND LOG_POSITION >= ?", Long.class, name, lastLogPosition);
        if (last == null && lastLogPosition > 0) {
            last = jdbc.queryForObject("SELECT MAX(LOG_POSITION) FROM PICANTE_LOG WHERE STORE_NAME = ?",
                    Long.class, name);
        }
        long position = last == null ? 1 : last + 1;
        jdbc.update("INSERT INTO PICANTE_LOG (STORE_NAME, LOG_POSITION, SAVE_ID, REVISION, FORMAT_VERSION, IMAGE,"
                + " APPENDED_AT) VALUES (?, ?, ?, ?, ?, ?, ?)", name, position, saveId, changes.revision(),
                StoreFormat.FORMAT_VERSION, entry, Timestamp.from(Instant.now()));
        return position;
    }

    /** Returns how many entries the log holds now. */
    public int logSize() {
        synchronized (lock) {
            migrateLocked();
            Integer n = read("count the log", () -> jdbc.queryForObject(
                    "SELECT COUNT(*) FROM PICANTE_LOG WHERE STORE_NAME = ?", Integer.class, name));
            return n == null ? 0 : n;
        }
    }

    // ---------------------------------------------------------------- encoding

    private static Map<String, IngredientInfo> registry(Database database) {
        Map<String, IngredientInfo> map = new LinkedHashMap<>();
        for (IngredientInfo info : database.inspector().ingredients()) {
            map.put(info.name(), info);
        }
        return map;
    }

    private List<EncodedSection> encode(StateImage image, Map<String, IngredientInfo> registry) {
        List<EncodedSection> out = new ArrayList<>(image.sections().size());
        for (Section section : image.sections()) {
            String what = section.kind().name().toLowerCase(Locale.ROOT) + " '" + section.ingredient() + "'";
            boolean derived = section.kind() == SectionKind.DERIVED;
            if (derived && !types.isPersisted(section.ingredient())) {
                continue;
            }
            try {
                out.add(encodeSection(section, what, registry));
            } catch (PicanteStoreException e) {
                if (!derived) {
                    throw e;
                }
                // a derived result is a cache: leave the section out rather than fail the whole save
                logger.warn("picante store '" + name + "': " + what + " left out of this save: " + e.getMessage());
            }
        }
        return out;
    }

    private EncodedSection encodeSection(Section section, String what, Map<String, IngredientInfo> registry) {
        Type keyType = types.keyType(section.ingredient(), section.keyType());
        Type valueType = types.valueType(section.ingredient(), section.valueType());
        if (checkedSections.add(section.ingredient())) {
            checkType(section, what, keyType, "key");
            checkType(section, what, valueType, "value");
        }
        List<EncodedRecord> records = new ArrayList<>(section.records().size());
        for (StoredRecord record : section.records()) {
            byte[] key = encodeValue(what, "key", record.key(), keyType);
            Object value = record.value();
            byte[] valueBytes = value == null ? null : encodeValue(what, "value", value, valueType);
            byte[] deps = null;
            if (!record.dependencies().isEmpty()) {
                List<EncodedDependency> list = new ArrayList<>(record.dependencies().size());
                for (StoredDependency d : record.dependencies()) {
                    IngredientInfo dep = registry.get(d.ingredient());
                    if (dep == null) {
                        throw new PicanteStoreException("store '" + name + "': " + what + " key "
                                + describe(record.key()) + " depends on unregistered ingredient '"
                                + d.ingredient() + "'");
                    }
                    list.add(new EncodedDependency(d.ingredient(), encodeValue(what, "dependency key", d.key(),
                            types.keyType(dep.name(), dep.keyType())), d.changedAt()));
                }
                deps = StoreFormat.writeDependencies(list);
            }
            EncodedRecord encoded = new EncodedRecord(key, valueBytes, record.verifiedAt(), record.changedAt(), deps);
            if (encoded.size() > maxRecordSize) {
                throw new PicanteStoreException("store '" + name + "': the record of " + what + " key "
                        + describe(record.key()) + " takes " + encoded.size()
                        + " bytes, over the record size limit of " + maxRecordSize
                        + " bytes (picante.store.max-record-size); nothing was saved");
            }
            records.add(encoded);
        }
        return new EncodedSection(section.ingredient(), section.kind().name(), section.keyType().getName(),
                section.valueType().getName(), records);
    }

    /**
     * Checks, once per ingredient and without values, that its declared types can be written and read back
     * (r[store.types]): an input or interned table that cannot fails, a derived one is marked not persisted.
     */
    private void checkType(Section section, String what, Type type, String role) {
        try {
            codec.checkDeclared(type);
        } catch (RuntimeException e) {
            checkedSections.remove(section.ingredient());
            if (section.kind() == SectionKind.DERIVED) {
                types.markNotPersisted(section.ingredient(), role + " type " + type.getTypeName() + ": "
                        + e.getMessage());
            }
            throw new PicanteStoreException("store '" + name + "': cannot save " + what + ": its " + role
                    + " type " + type.getTypeName() + " cannot be stored with " + codec.getClass().getSimpleName()
                    + ": " + e.getMessage() + "; make the type encodable (e.g. a record of plain values)", e);
        }
    }

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
            if (derived && !types.isPersisted(info.name())) {
                continue;
            }
            for (String role : List.of("key", "value")) {
                Type type = role.equals("key") ? types.keyType(info.name(), info.keyType())
                        : types.valueType(info.name(), info.valueType());
                try {
                    codec.checkDeclared(type);
                } catch (RuntimeException e) {
                    String what = info.kind().name().toLowerCase(Locale.ROOT) + " '" + info.name() + "'";
                    if (!derived) {
                        throw new PicanteStoreException("store '" + name + "': " + what + " cannot be stored: its "
                                + role + " type " + type.getTypeName() + " cannot be written and read back with "
                                + codec.getClass().getSimpleName() + ": " + e.getMessage(), e);
                    }
                    types.markNotPersisted(info.name(), role + " type " + type.getTypeName() + ": " + e.getMessage());
                    logger.warn("picante store '" + name + "': " + what + " is not persisted (its results are "
                            + "computed anew after a restart): its " + role + " type " + type.getTypeName()
                            + " cannot be written and read back: " + e.getMessage());
                    break;
                }
            }
        }
    }

    private byte[] encodeValue(String what, String role, Object value, Type type) {
        try {
            return codec.encode(value, type);
        } catch (RuntimeException e) {
            throw new PicanteStoreException("store '" + name + "': cannot save " + what + ": a " + role
                    + " of type " + type.getTypeName() + " (" + describe(value) + ") cannot be encoded: "
                    + e.getMessage(), e);
        }
    }

    private void checkTotal(long total, String what) {
        if (total > maxTotalSize) {
            throw new PicanteStoreException("store '" + name + "': the " + what + " takes " + total
                    + " bytes, over the total size limit of " + maxTotalSize
                    + " bytes (picante.store.max-total-size); nothing was saved");
        }
    }

    static String describe(@Nullable Object value) {
        String s = String.valueOf(value);
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    // ---------------------------------------------------------------- load

    /**
     * Loads the last full save and replays the log on top of it, into {@code database}, which must be new
     * (r[store.restore], r[store.log]). Everything is read and decoded first: if reading fails, a section
     * does not match its ingredient, or a record cannot be read under {@link CorruptionPolicy#FAIL}, the
     * database is left untouched. Sections of unregistered ingredients are skipped, logged and reported
     * (r[store.mismatch]).
     *
     * @throws StoreMismatchException if a section's kind or types differ from its registered ingredient
     * @throws PicanteStoreException if the store cannot be read, is of a newer format, or holds an
     *     unreadable record under the policy in force
     */
    public StoreLoadReport load(Database database) {
        synchronized (lock) {
            return tracked("load", () -> loadLocked(database));
        }
    }

    private StoreLoadReport loadLocked(Database database) {
        synchronized (lock) {
            checkTypes(database);
            Prepared prepared = prepareLoad(registry(database));
            if (prepared == null) {
                return new StoreLoadReport(false, database.revision().value(), 0, 0, List.of(), List.of());
            }
            // Everything is decoded: now import.
            ImportReport report = database.importState(prepared.base());
            List<String> skipped = new ArrayList<>(prepared.skipped());
            for (String s : report.skippedSections()) {
                if (!skipped.contains(s)) {
                    skipped.add(s);
                }
            }
            for (StateImage changes : prepared.replay()) {
                database.applyChanges(changes);
            }
            loaded(prepared);
            savedRecords = report.records();
            if (!skipped.isEmpty()) {
                logger.warn("store '" + name + "': skipped sections of unregistered ingredients " + skipped
                        + " (r[store.mismatch]); they stay in the store until the next full save");
            }
            return new StoreLoadReport(true, database.revision().value(), report.records(),
                    prepared.logEntries(), skipped, prepared.corrupt());
        }
    }

    /** What a load will import: the full save and the log entries to replay, decoded. */
    record Prepared(StateImage base, List<StateImage> replay, int logEntries, Checkpoint checkpoint, long saveId,
            List<String> skipped, List<String> corrupt, List<RecordRow> deleteRows, List<ChunkRepair> chunkRepairs,
            @Nullable Long deleteLogFrom) {
    }

    /** A record row of a full save in format 1, to delete. */
    record RecordRow(String section, int recordNo) {
    }

    /**
     * A chunk to repair under {@link CorruptionPolicy#DELETE}: rewritten with the readable records only, or
     * deleted when {@code records} is null (its frame is damaged, or none of its records is readable).
     */
    record ChunkRepair(String section, int chunkNo, @Nullable List<NumberedRecord> records) {
    }

    /** Marks a prepared load as imported: later appends continue from it; unreadable data is deleted. */
    void loaded(Prepared prepared) {
        synchronized (lock) {
            checkpoint = prepared.checkpoint();
            saveId = prepared.saveId();
            lastLogPosition = 0;
            logEntries = prepared.logEntries();
            savedRevision = prepared.base().revision();
            savedAt = Instant.now();
            if (prepared.deleteLogFrom() != null) {
                // The replay stopped at an unreadable entry: entries appended after it would never be replayed,
                // so the next append makes a full save instead.
                checkpoint = null;
            }
            if (!prepared.corrupt().isEmpty()) {
                logger.warn("store '" + name + "': left out unreadable data under corruption policy "
                        + corruptionPolicy + ": " + prepared.corrupt());
                if (corruptionPolicy == CorruptionPolicy.DELETE) {
                    deleteCorrupt(prepared);
                }
            }
        }
    }

    /**
     * Reads and decodes everything a load imports, checking sections against {@code registry}; null when the
     * store holds no save.
     */
    @Nullable Prepared prepareLoad(Map<String, IngredientInfo> registry) {
        synchronized (lock) {
            migrateLocked();
            Stored stored = read("load", () -> readTx.execute(status -> readStored()));
            if (stored == null || stored.metadata == null) {
                return null;
            }
            Metadata meta = stored.metadata;
            checkFormat(meta.format);
            List<String> skipped = new ArrayList<>();
            List<String> corrupt = new ArrayList<>();
            List<RecordRow> deleteRows = new ArrayList<>();
            List<ChunkRepair> chunkRepairs = new ArrayList<>();
            @Nullable Long deleteLogFrom = null;

            // The full save.
            List<Section> sections = new ArrayList<>();
            // What was left out: derived records that read it are left out too, so they are recomputed.
            Set<List<Object>> droppedRefs = new HashSet<>();
            Set<String> droppedAll = new HashSet<>();
            for (StoredSection s : stored.sections) {
                IngredientInfo info = match(s.section, registry, "the full save");
                if (info == null) {
                    skipped.add(s.section.name());
                    continue;
                }
                String what = info.kind().name().toLowerCase(Locale.ROOT) + " '" + info.name() + "'";
                boolean interned = info.kind().name().equals("INTERNED");
                List<StoredRecord> records = new ArrayList<>();
                // A store saved in format 1: one row per record.
                for (NumberedRecord r : s.rows) {
                    StoredRecord decoded = decodeSaved(r, info, registry, what, corrupt, droppedRefs, droppedAll);
                    if (decoded == null) {
                        deleteRows.add(new RecordRow(info.name(), r.number()));
                    } else {
                        records.add(decoded);
                    }
                }
                for (StoredChunk c : s.chunks) {
                    List<NumberedRecord> chunk;
                    try {
                        chunk = StoreFormat.readChunk(c.bytes());
                        if (chunk.size() != c.recordCount()
                                || (!chunk.isEmpty() && chunk.get(0).number() != c.firstRecordNo())) {
                            throw new IllegalArgumentException("its row says " + c.recordCount() + " records from "
                                    + c.firstRecordNo() + ", its frame holds " + chunk.size());
                        }
                    } catch (IllegalArgumentException e) {
                        // r[store.corrupt]: a damaged frame makes all its records unreadable.
                        String where = "chunk " + c.chunkNo() + " (records " + c.firstRecordNo() + " to "
                                + (c.firstRecordNo() + c.recordCount() - 1) + ") of " + what + " in the full save";
                        if (corruptionPolicy == CorruptionPolicy.FAIL || interned) {
                            throw corrupt(where, e, interned);
                        }
                        corrupt.add(where + ": " + e.getMessage());
                        // Which keys it held is unknown: every derived record that read the ingredient goes.
                        droppedAll.add(info.name());
                        chunkRepairs.add(new ChunkRepair(info.name(), c.chunkNo(), null));
                        continue;
                    }
                    List<NumberedRecord> kept = null;
                    for (int i = 0; i < chunk.size(); i++) {
                        NumberedRecord r = chunk.get(i);
                        StoredRecord decoded = decodeSaved(r, info, registry, what, corrupt, droppedRefs, droppedAll);
                        if (decoded == null) {
                            if (kept == null) {
                                kept = new ArrayList<>(chunk.subList(0, i));
                            }
                        } else {
                            records.add(decoded);
                            if (kept != null) {
                                kept.add(r);
                            }
                        }
                    }
                    if (kept != null) {
                        chunkRepairs.add(new ChunkRepair(info.name(), c.chunkNo(), kept.isEmpty() ? null : kept));
                    }
                }
                sections.add(new Section(info.name(), SectionKind.valueOf(info.kind().name()), info.keyType(),
                        info.valueType(), records));
            }
            StateImage base = new StateImage(meta.revision, dropDependents(sections, droppedRefs, droppedAll),
                    meta.checkpoint);

            // The log, in revision order.
            List<StateImage> replay = new ArrayList<>();
            Checkpoint last = meta.checkpoint;
            long lastRevision = meta.revision;
            logLoop:
            for (StoredLog log : stored.log) {
                String where = "log entry " + log.position + " (revision " + log.revision + ")";
                try {
                    checkFormat(log.format);
                    LogEntry entry = StoreFormat.readLogEntry(log.image);
                    if (entry.revision() < lastRevision) {
                        throw new IllegalArgumentException("revision " + entry.revision()
                                + " goes back from revision " + lastRevision);
                    }
                    List<Section> changes = new ArrayList<>();
                    for (EncodedSection es : entry.sections()) {
                        IngredientInfo info = match(es, registry, where);
                        if (info == null) {
                            if (!skipped.contains(es.name())) {
                                skipped.add(es.name());
                            }
                            continue;
                        }
                        List<StoredRecord> records = new ArrayList<>(es.records().size());
                        for (int i = 0; i < es.records().size(); i++) {
                            try {
                                records.add(decode(es.records().get(i), info, registry));
                            } catch (IllegalArgumentException e) {
                                if (!info.kind().name().equals("DERIVED")) {
                                    throw new IllegalArgumentException("record " + i + " of " + info.kind().name()
                                            .toLowerCase(Locale.ROOT) + " '" + info.name() + "': " + e.getMessage(),
                                            e);
                                }
                                if (corruptionPolicy == CorruptionPolicy.FAIL) {
                                    throw corrupt("record " + i + " of derived '" + info.name() + "' in " + where, e,
                                            false);
                                }
                                // A derived record left out is recomputed when next read: safe.
                                corrupt.add("record " + i + " of derived '" + info.name() + "' in " + where + ": "
                                        + e.getMessage());
                                dropped(es.records().get(i), info, droppedRefs, droppedAll);
                            }
                        }
                        changes.add(new Section(info.name(), SectionKind.valueOf(info.kind().name()),
                                info.keyType(), info.valueType(), records));
                    }
                    for (Section section : changes) {
                        for (StoredRecord record : section.records()) {
                            droppedRefs.remove(List.of(section.ingredient(), record.key()));
                        }
                    }
                    replay.add(new StateImage(entry.revision(), dropDependents(changes, droppedRefs, droppedAll),
                            entry.checkpoint()));
                    last = entry.checkpoint();
                    lastRevision = entry.revision();
                } catch (IllegalArgumentException e) {
                    if (corruptionPolicy == CorruptionPolicy.FAIL) {
                        throw corrupt(where, e, false);
                    }
                    // Replaying past an entry we cannot read could mix states: stop at the last good one.
                    corrupt.add(where + " and every later entry: " + e.getMessage());
                    deleteLogFrom = log.position;
                    break logLoop;
                }
            }

            // Changes made without a new revision (new interned values) share their predecessor's revision:
            // the engine takes one image per revision, so fold them into it.
            StateImage first = base;
            List<StateImage> rest = new ArrayList<>();
            for (StateImage changes : replay) {
                StateImage previous = rest.isEmpty() ? first : rest.get(rest.size() - 1);
                if (changes.revision() == previous.revision()) {
                    StateImage merged = merge(previous, changes);
                    if (rest.isEmpty()) {
                        first = merged;
                    } else {
                        rest.set(rest.size() - 1, merged);
                    }
                } else {
                    rest.add(changes);
                }
            }
            return new Prepared(first, rest, replay.size(), last, meta.saveId, skipped, corrupt, deleteRows,
                    chunkRepairs, deleteLogFrom);
        }
    }

    private void dropped(EncodedRecord record, IngredientInfo info, Set<List<Object>> refs, Set<String> all) {
        try {
            refs.add(List.of(info.name(), codec.decode(record.key(), types.keyType(info.name(), info.keyType()))));
        } catch (IllegalArgumentException e) {
            all.add(info.name());
        }
    }

    /**
     * Leaves out every derived record that read something left out, transitively: the engine must not trust
     * a memo whose dependency was not restored as it was read.
     */
    private List<Section> dropDependents(List<Section> sections, Set<List<Object>> refs, Set<String> all) {
        if (refs.isEmpty() && all.isEmpty()) {
            return sections;
        }
        List<Section> out = new ArrayList<>(sections);
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int s = 0; s < out.size(); s++) {
                Section section = out.get(s);
                if (section.kind() != SectionKind.DERIVED) {
                    continue;
                }
                List<StoredRecord> kept = new ArrayList<>(section.records().size());
                for (StoredRecord record : section.records()) {
                    boolean stale = record.dependencies().stream().anyMatch(d -> all.contains(d.ingredient())
                            || refs.contains(List.of(d.ingredient(), d.key())));
                    if (stale) {
                        refs.add(List.of(section.ingredient(), record.key()));
                        logger.info("store '" + name + "': leaving out derived '" + section.ingredient() + "' key "
                                + describe(record.key()) + ": it read a record left out; it is recomputed when read");
                        changed = true;
                    } else {
                        kept.add(record);
                    }
                }
                if (kept.size() != section.records().size()) {
                    out.set(s, new Section(section.ingredient(), section.kind(), section.keyType(),
                            section.valueType(), kept));
                }
            }
        }
        return out;
    }

    /** Lays {@code later} over {@code earlier}, of the same revision: a record of {@code later} wins. */
    private static StateImage merge(StateImage earlier, StateImage later) {
        Map<String, Section> sections = new LinkedHashMap<>();
        for (Section s : earlier.sections()) {
            sections.put(s.ingredient(), s);
        }
        for (Section s : later.sections()) {
            Section old = sections.get(s.ingredient());
            if (old == null) {
                sections.put(s.ingredient(), s);
                continue;
            }
            Map<Object, StoredRecord> records = new LinkedHashMap<>();
            for (StoredRecord r : old.records()) {
                records.put(r.key(), r);
            }
            for (StoredRecord r : s.records()) {
                records.put(r.key(), r);
            }
            sections.put(s.ingredient(), new Section(s.ingredient(), s.kind(), s.keyType(), s.valueType(),
                    new ArrayList<>(records.values())));
        }
        return new StateImage(later.revision(), new ArrayList<>(sections.values()), later.checkpoint());
    }

    /**
     * Decodes a record of the full save; under a policy that leaves unreadable records out, returns null for
     * one, reporting it and noting what derived records must be left out with it (r[store.corrupt]).
     */
    private @Nullable StoredRecord decodeSaved(NumberedRecord r, IngredientInfo info,
            Map<String, IngredientInfo> registry, String what, List<String> corrupt, Set<List<Object>> droppedRefs,
            Set<String> droppedAll) {
        try {
            return decode(r.record(), info, registry);
        } catch (IllegalArgumentException e) {
            String where = "record " + r.number() + " of " + what + " in the full save";
            boolean interned = info.kind().name().equals("INTERNED");
            if (corruptionPolicy == CorruptionPolicy.FAIL || interned) {
                throw corrupt(where, e, interned);
            }
            corrupt.add(where + ": " + e.getMessage());
            dropped(r.record(), info, droppedRefs, droppedAll);
            return null;
        }
    }

    /**
     * Deletes what a load left out under {@link CorruptionPolicy#DELETE}, in one transaction: unreadable
     * records (their chunk rewritten without them, or deleted), damaged chunks, and the log from its first
     * unreadable entry. Nothing is deleted when the store was saved anew since the load.
     */
    private void deleteCorrupt(Prepared prepared) {
        boolean deleted = write("delete unreadable records", () -> Boolean.TRUE.equals(writeTx.execute(status -> {
            Long current = lockMetadata();
            if (current == null || current != prepared.saveId()) {
                return false;
            }
            for (RecordRow row : prepared.deleteRows()) {
                jdbc.update("DELETE FROM PICANTE_RECORDS WHERE STORE_NAME = ? AND SECTION_NAME = ? AND RECORD_NO = ?",
                        name, row.section(), row.recordNo());
            }
            for (ChunkRepair repair : prepared.chunkRepairs()) {
                List<NumberedRecord> kept = repair.records();
                if (kept == null) {
                    jdbc.update("DELETE FROM PICANTE_RECORD_CHUNKS WHERE STORE_NAME = ? AND SECTION_NAME = ?"
                            + " AND CHUNK_NO = ?", name, repair.section(), repair.chunkNo());
                } else {
                    jdbc.update("UPDATE PICANTE_RECORD_CHUNKS SET FIRST_RECORD_NO = ?, RECORD_COUNT = ?, CHUNK = ?"
                            + " WHERE STORE_NAME = ? AND SECTION_NAME = ? AND CHUNK_NO = ?", kept.get(0).number(),
                            kept.size(), StoreFormat.writeChunk(kept), name, repair.section(), repair.chunkNo());
                }
            }
            Long logFrom = prepared.deleteLogFrom();
            if (logFrom != null) {
                jdbc.update("DELETE FROM PICANTE_LOG WHERE STORE_NAME = ? AND LOG_POSITION >= ?", name, logFrom);
            }
            return true;
        })));
        if (!deleted) {
            logger.info("store '" + name + "' was saved anew since it was loaded; the unreadable data is gone"
                    + " with the previous save");
        }
    }

    private PicanteStoreException corrupt(String where, Exception e, boolean always) {
        return new PicanteStoreException("store '" + name + "': " + where + " cannot be read: " + e.getMessage()
                + (always ? "; interned values cannot be left out (their ids are referenced elsewhere): "
                        + "restore the store from a backup or delete it"
                        : "; set picante.store.corruption-policy=ignore (or delete) to load without it"), e);
    }

    /** Returns the registered ingredient of a section, null when unregistered; fails on a mismatch. */
    private @Nullable IngredientInfo match(EncodedSection s, Map<String, IngredientInfo> registry, String where) {
        IngredientInfo info = registry.get(s.name());
        if (info == null) {
            return null;
        }
        if (!info.kind().name().equals(s.kind()) || !info.keyType().getName().equals(s.keyType())
                || !info.valueType().getName().equals(s.valueType())) {
            throw new StoreMismatchException("store '" + name + "': section '" + s.name() + "' in " + where
                    + " holds " + s.kind().toLowerCase(Locale.ROOT) + " records " + s.keyType() + " -> "
                    + s.valueType() + ", but the registered ingredient is " + info.kind().name()
                    .toLowerCase(Locale.ROOT) + " " + info.keyType().getName() + " -> "
                    + info.valueType().getName() + "; nothing was loaded. Rename the ingredient, or save anew "
                    + "(a full save replaces the stored sections)");
        }
        return info;
    }

    private StoredRecord decode(EncodedRecord r, IngredientInfo info, Map<String, IngredientInfo> registry) {
        Object key = codec.decode(r.key(), types.keyType(info.name(), info.keyType()));
        byte[] valueBytes = r.value();
        Object value = valueBytes == null ? null : codec.decode(valueBytes,
                types.valueType(info.name(), info.valueType()));
        if (value == null && !info.kind().name().equals("INPUT")) {
            throw new IllegalArgumentException("no value");
        }
        List<StoredDependency> deps = new ArrayList<>();
        byte[] depBytes = r.dependencies();
        if (depBytes != null) {
            for (EncodedDependency d : StoreFormat.readDependencies(depBytes)) {
                IngredientInfo dep = registry.get(d.ingredient());
                if (dep == null) {
                    throw new IllegalArgumentException("it depends on unregistered ingredient '" + d.ingredient()
                            + "'");
                }
                deps.add(new StoredDependency(d.ingredient(), codec.decode(d.key(), types.keyType(dep.name(),
                        dep.keyType())), d.changedAt()));
            }
        }
        return new StoredRecord(key, value, r.verifiedAt(), r.changedAt(), deps);
    }

    private record Metadata(int format, long saveId, long revision, Checkpoint checkpoint) {
    }

    /** A section of the full save: its chunks (format 2) or its record rows (format 1), in order. */
    private record StoredSection(EncodedSection section, List<StoredChunk> chunks, List<NumberedRecord> rows) {
    }

    private record StoredChunk(int chunkNo, int firstRecordNo, int recordCount, byte[] bytes) {
    }

    private record StoredLog(long position, long revision, int format, byte[] image) {
    }

    private static final class Stored {
        @Nullable Metadata metadata;
        final List<StoredSection> sections = new ArrayList<>();
        final List<StoredLog> log = new ArrayList<>();
    }

    private Stored readStored() {
        Stored stored = new Stored();
        List<Metadata> meta = jdbc.query("SELECT FORMAT_VERSION, SAVE_ID, REVISION, CHECKPOINT FROM PICANTE_METADATA"
                + " WHERE STORE_NAME = ?", (rs, n) -> {
                    int format = rs.getInt(1);
                    checkFormat(format);
                    Checkpoint cp;
                    try {
                        cp = StoreFormat.readCheckpoint(rs.getBytes(4));
                    } catch (IllegalArgumentException e) {
                        throw new PicanteStoreException("store '" + name + "': the checkpoint of the full save "
                                + "cannot be read: " + e.getMessage() + "; the store is damaged: delete it", e);
                    }
                    return new Metadata(format, rs.getLong(2), rs.getLong(3), cp);
                }, name);
        if (meta.isEmpty()) {
            return stored;
        }
        stored.metadata = meta.get(0);
        Map<String, StoredSection> sections = new LinkedHashMap<>();
        jdbc.query("SELECT SECTION_NAME, KIND, KEY_TYPE, VALUE_TYPE FROM PICANTE_SECTIONS WHERE STORE_NAME = ?"
                + " ORDER BY SECTION_NAME", rs -> {
                    String section = rs.getString(1);
                    sections.put(section, new StoredSection(new EncodedSection(section, rs.getString(2),
                            rs.getString(3), rs.getString(4), List.of()), new ArrayList<>(), new ArrayList<>()));
                }, name);
        // Read in the database's own order and sorted here: H2 sorts a large ORDER BY result in a temporary
        // table on disk instead of reading the primary key index in order.
        jdbc.query("SELECT SECTION_NAME, CHUNK_NO, FIRST_RECORD_NO, RECORD_COUNT, CHUNK FROM PICANTE_RECORD_CHUNKS"
                + " WHERE STORE_NAME = ?", rs -> {
                    section(sections, rs.getString(1)).chunks().add(new StoredChunk(rs.getInt(2), rs.getInt(3),
                            rs.getInt(4), rs.getBytes(5)));
                }, name);
        if (stored.metadata.format() <= StoreFormat.FORMAT_RECORD_ROWS) {
            jdbc.query("SELECT SECTION_NAME, RECORD_NO, KEY_BYTES, VALUE_BYTES, VERIFIED_AT, CHANGED_AT,"
                    + " DEPENDENCIES FROM PICANTE_RECORDS WHERE STORE_NAME = ?", rs -> {
                        section(sections, rs.getString(1)).rows().add(new NumberedRecord(rs.getInt(2),
                                new EncodedRecord(rs.getBytes(3), rs.getBytes(4), rs.getLong(5), rs.getLong(6),
                                        rs.getBytes(7))));
                    }, name);
        }
        for (StoredSection s : sections.values()) {
            s.chunks().sort(Comparator.comparingInt(StoredChunk::chunkNo));
            s.rows().sort(Comparator.comparingInt(NumberedRecord::number));
            stored.sections.add(s);
        }
        jdbc.query("SELECT LOG_POSITION, REVISION, FORMAT_VERSION, IMAGE FROM PICANTE_LOG WHERE STORE_NAME = ?"
                + " AND SAVE_ID = ? ORDER BY REVISION, LOG_POSITION", rs -> {
                    stored.log.add(new StoredLog(rs.getLong(1), rs.getLong(2), rs.getInt(3), rs.getBytes(4)));
                }, name, stored.metadata.saveId());
        return stored;
    }

    private StoredSection section(Map<String, StoredSection> sections, String section) {
        StoredSection s = sections.get(section);
        if (s == null) {
            throw new PicanteStoreException("store '" + name + "': records of section '" + section
                    + "' have no section row; the store is damaged: delete it");
        }
        return s;
    }

    // ---------------------------------------------------------------- errors

    private <T> T write(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (DataAccessException | TransactionException e) {
            throw new PicanteStoreException("store '" + name + "': " + what + " failed, nothing was written: "
                    + e.getMessage() + "; check that the database is reachable and writable", e);
        }
    }

    private <T> T read(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (DataAccessException | TransactionException e) {
            throw new PicanteStoreException("store '" + name + "': " + what + " failed, nothing was loaded: "
                    + e.getMessage() + "; check that the database is reachable", e);
        }
    }

    @Override
    public String toString() {
        return "JdbcStateStore[" + name + "]";
    }

    /** Builds a {@link JdbcStateStore}. Not thread-safe. */
    public static final class Builder {

        private final DataSource dataSource;
        private Codec codec = new JacksonCodec();
        private DeclaredTypes types = new DeclaredTypes();
        private String name = "picante";
        private boolean initializeSchema = true;
        private int compactionThreshold = 100;
        private long maxRecordSize = 16L * 1024 * 1024;
        private long maxTotalSize = Long.MAX_VALUE;
        private CorruptionPolicy corruptionPolicy = CorruptionPolicy.FAIL;

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

        /** Sets how many log entries trigger a compaction into a full save; 100 by default. */
        public Builder compactionThreshold(int entries) {
            if (entries < 1) {
                throw new IllegalArgumentException("compaction threshold must be at least 1: " + entries);
            }
            this.compactionThreshold = entries;
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

        /** Sets what a load does with unreadable records; {@link CorruptionPolicy#FAIL} by default. */
        public Builder corruptionPolicy(CorruptionPolicy policy) {
            this.corruptionPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Builds the store; the schema is migrated on first use. */
        public JdbcStateStore build() {
            return new JdbcStateStore(this);
        }
    }
}
