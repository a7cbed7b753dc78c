package dev.picante.spring.jdbc;

import dev.picante.Database;
import dev.picante.Inspector.IngredientInfo;
import dev.picante.Inspector.IngredientKind;
import dev.picante.Revision;
import dev.picante.persist.Codec;
import dev.picante.persist.InputChange;
import dev.picante.persist.InputChangeLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongConsumer;
import javax.sql.DataSource;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The change log a {@link JdbcStateStore} shares between several instances of an application
 * ({@code picante.store.shared}): every input write made on any instance's primary view, in one global order,
 * committed before the write returns; and every instance applying the others' writes in that order.
 *
 * <p><b>Writing.</b> As the database's {@link InputChangeLog} ({@code Database.Builder.inputChangeLog}), for
 * each primary-view write (a {@code set}, a {@code remove} or a batch) this log, in a step the database runs
 * under its write serialization: opens a transaction and locks the store's row of {@code PICANTE_SHARED_HEAD},
 * which serializes appends of all instances, so the position order is the commit order, without gaps; hands
 * the database every entry it has not applied yet (so this instance applies entries in log order, and the
 * write's effect is computed on that state); inserts the write's effective changes as the next entry,
 * notifies the other instances ({@code pg_notify} on PostgreSQL) and commits. Only then is the write published
 * locally: if the log cannot be written, the write fails and nothing changes (a commit whose outcome is
 * unknown is applied later if it did commit).
 *
 * <p><b>Transactions.</b> A write made inside a Spring-managed transaction on this log's {@code DataSource}
 * is logged in that transaction, as one entry with the transaction's other writes, and applied once it
 * commits; never before, and not after a rollback ({@link LogTransaction}). A write inside a transaction on
 * another {@code DataSource} is logged and applied at once, as outside any transaction.
 *
 * <p><b>Reading.</b> A {@link SharedLogListener} applies other instances' entries as they arrive: woken by
 * PostgreSQL {@code LISTEN/NOTIFY}, and by polling (the only way on other databases), with
 * {@link Database#syncInputChangeLog()}: the database asks this log for the entries it has not applied and
 * applies each as one revision, without logging it again. Derived results stay local: each instance computes,
 * or revalidates, its own.
 *
 * <p><b>Instances and compaction.</b> Each instance registers in {@code PICANTE_INSTANCES} with the position
 * it has applied and a heartbeat. A full save records the position it includes; entries are deleted only up
 * to what the full save includes and every instance heard of within the retention has applied. An instance
 * starts from the full save and catches up from the log; one that fell behind compaction (silent longer than
 * the retention) stops applying and must be restarted, which reloads the full save.
 */
public final class SharedChangeLog implements InputChangeLog {

    private static final Log logger = LogFactory.getLog(SharedChangeLog.class);

    /** The PostgreSQL notification channel of shared logs; the payload is the store's name. */
    public static final String CHANNEL = "picante_shared_log";

    private static final int ENTRY_FORMAT = 1;

    private final DataSource dataSource;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Codec codec;
    private final String name;
    private final String instanceId;
    private final @Nullable Boolean sharedProperty;
    private final Duration retention;

    private volatile @Nullable Boolean shared;
    private volatile @Nullable Boolean postgres;
    private volatile @Nullable Database database;
    private volatile boolean started;
    private volatile boolean stopped;
    /** Position of the last entry applied to the database; written under its write serialization. */
    private volatile long appliedPosition;
    private volatile long knownHead;
    /** The last refused write's failure, until a write commits. */
    private volatile @Nullable String failure;
    /** The last failure to read or apply the log, until a catch-up succeeds. */
    private volatile @Nullable String readFailure;
    private final Map<String, IngredientInfo> inputs = new ConcurrentHashMap<>();
    private final Set<String> skippedIngredients = ConcurrentHashMap.newKeySet();
    /** The unshared store's synchronous append, used while this log is not started. */
    private volatile @Nullable InputChangeLog localAppend;
    private volatile @Nullable Published lastPublished;

    /**
     * Creates the log of the store named {@code name}.
     *
     * @param shared whether the store is shared; {@code null} for "when the database is PostgreSQL"
     * @param instanceId this instance's id, or {@code null} for a generated one
     * @param retention how long an instance may stay silent before compaction stops waiting for it
     */
    public SharedChangeLog(DataSource dataSource, Codec codec, String name, @Nullable Boolean shared,
            @Nullable String instanceId, Duration retention) {
        this.dataSource = dataSource;
        this.jdbc = new JdbcTemplate(dataSource);
        this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        this.codec = codec;
        this.name = name;
        this.sharedProperty = shared;
        this.instanceId = instanceId == null || instanceId.isBlank() ? generatedId() : instanceId;
        this.retention = retention;
    }

    private static String generatedId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "host";
        }
        String runtime = ManagementFactory.getRuntimeMXBean().getName();
        String pid = runtime.contains("@") ? runtime.substring(0, runtime.indexOf('@')) : runtime;
        return host + "-" + pid + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Returns this instance's id. */
    public String instanceId() {
        return instanceId;
    }

    /** Returns the store's name. */
    public String name() {
        return name;
    }

    /**
     * Returns whether the store is shared: as configured, or when not configured, whether the database is
     * PostgreSQL. Connects once to find out.
     */
    public boolean isShared() {
        Boolean s = shared;
        if (s == null) {
            s = sharedProperty != null ? sharedProperty : isPostgres();
            shared = s;
        }
        return s;
    }

    /** Returns whether the database is PostgreSQL (where LISTEN/NOTIFY is used). */
    boolean isPostgres() {
        Boolean p = postgres;
        if (p == null) {
            try {
                String product = JdbcUtils.extractDatabaseMetaData(dataSource,
                        DatabaseMetaData::getDatabaseProductName);
                p = product.toLowerCase(Locale.ROOT).contains("postgres");
            } catch (MetaDataAccessException e) {
                throw new PicanteStoreException("store '" + name + "': cannot connect to the database to find out"
                        + " whether it is PostgreSQL: " + e.getMessage() + "; set picante.store.shared", e);
            }
            postgres = p;
        }
        return p;
    }

    /** Returns the DataSource the log is kept in. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** Returns the position of the last entry this instance applied. */
    public long appliedPosition() {
        return appliedPosition;
    }

    /** Whether {@link #start} ran and {@link #stop} did not. */
    public boolean isStarted() {
        return started;
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Checks that {@code database} writes through this log (it was built with
     * {@code Database.builder().inputChangeLog(sharedChangeLog)}). If not: throws when {@code picante.store.shared}
     * was set to true, else (shared only by default, for PostgreSQL) logs a warning and returns false: the store
     * then works as an unshared one.
     */
    boolean checkWired(Database database) {
        if (isWired(database)) {
            return true;
        }
        String problem = "store '" + name + "' is shared but the database's writes do not pass its change log: build"
                + " the Database with Database.builder().inputChangeLog(sharedChangeLog), or use the auto-configured"
                + " one";
        if (Boolean.TRUE.equals(sharedProperty)) {
            throw new PicanteStoreException(problem + "; or set picante.store.shared=false");
        }
        logger.warn("picante " + problem + "; the store is not shared (set picante.store.shared=false to silence"
                + " this)");
        return false;
    }

    /** Returns whether {@code database} writes through this log ({@link Database#inputChangeLog()}). */
    boolean isWired(Database database) {
        return database.inputChangeLog().orElse(null) == this;
    }

    /**
     * While the store is not shared (this log not started), hands every primary-view input write to
     * {@code local}: the unshared store's synchronous append ({@link JdbcStateStore#inputChangeLog}); null to
     * stop.
     */
    void appendLocally(@Nullable InputChangeLog local) {
        this.localAppend = local;
    }

    /**
     * Registers this instance and returns the position to start from: the one the full save is known to
     * include (0 without a save, or when {@code fromSave} is false). Entries after it are kept from then on.
     * Call before loading the full save, then {@link #start}.
     */
    long register(boolean fromSave) {
        ensureHead();
        Long position = tx.execute(status -> {
            Head head = lockHead();
            long from = fromSave ? head.savePosition() : 0;
            if (from < head.compactedTo()) {
                throw new PicanteStoreException("store '" + name + "': the shared log was compacted up to position "
                        + head.compactedTo() + " but this instance would start from " + from
                        + "; load the full save at startup (picante.store.load-on-startup=true)");
            }
            Timestamp now = Timestamp.from(Instant.now());
            jdbc.update("DELETE FROM PICANTE_INSTANCES WHERE STORE_NAME = ? AND INSTANCE_ID = ?", name, instanceId);
            jdbc.update("INSERT INTO PICANTE_INSTANCES (STORE_NAME, INSTANCE_ID, APPLIED_POSITION, STARTED_AT,"
                    + " HEARTBEAT_AT) VALUES (?, ?, ?, ?, ?)", name, instanceId, from, now, now);
            return from;
        });
        return position == null ? 0 : position;
    }

    /**
     * Starts logging {@code database}'s writes from {@code position} (what it holds now), and applies every
     * later entry before returning.
     *
     * @throws PicanteStoreException if {@code database} does not write through this log
     */
    void start(Database database, long position) {
        if (!isWired(database)) {
            throw new PicanteStoreException("store '" + name + "': the database's writes do not pass its shared"
                    + " change log; build it with Database.builder().inputChangeLog(sharedChangeLog)");
        }
        this.database = database;
        this.appliedPosition = position;
        this.stopped = false;
        this.started = true;
        database.syncInputChangeLog(); // applies what is new
        heartbeat();
        logger.info("picante store '" + name + "': shared change log started as instance '" + instanceId
                + "' at position " + appliedPosition);
    }

    /** Stops applying the log and unregisters this instance; later writes are refused. */
    void stop() {
        started = false;
        stopped = true;
        try {
            jdbc.update("DELETE FROM PICANTE_INSTANCES WHERE STORE_NAME = ? AND INSTANCE_ID = ?", name, instanceId);
        } catch (RuntimeException e) {
            logger.warn("picante store '" + name + "': could not unregister instance '" + instanceId + "'", e);
        }
    }

    private void ensureHead() {
        Integer rows = jdbc.queryForObject("SELECT COUNT(*) FROM PICANTE_SHARED_HEAD WHERE STORE_NAME = ?",
                Integer.class, name);
        if (rows != null && rows > 0) {
            return;
        }
        try {
            jdbc.update("INSERT INTO PICANTE_SHARED_HEAD (STORE_NAME, LAST_POSITION, SAVE_POSITION, COMPACTED_TO)"
                    + " VALUES (?, 0, 0, 0)", name);
        } catch (DuplicateKeyException e) {
            // another instance created it meanwhile
        }
    }

    record Head(long lastPosition, long savePosition, long compactedTo) {
    }

    private Head lockHead() {
        return jdbc.queryForObject("SELECT LAST_POSITION, SAVE_POSITION, COMPACTED_TO FROM PICANTE_SHARED_HEAD"
                + " WHERE STORE_NAME = ? FOR UPDATE", (rs, n) -> new Head(rs.getLong(1), rs.getLong(2),
                        rs.getLong(3)), name);
    }

    /** Returns the store's head row, unlocked. */
    Head head() {
        return jdbc.queryForObject("SELECT LAST_POSITION, SAVE_POSITION, COMPACTED_TO FROM PICANTE_SHARED_HEAD"
                + " WHERE STORE_NAME = ?", (rs, n) -> new Head(rs.getLong(1), rs.getLong(2), rs.getLong(3)), name);
    }

    // ---------------------------------------------------------------- the database's steps

    /**
     * Opens a step of the database (see {@link InputChangeLog}), which holds its write serialization. While
     * started: a sync reads the entries this instance has not applied and hands them over in order; a write
     * inside a Spring-managed transaction on this log's {@code DataSource} is taken to be appended when that
     * transaction commits ({@link LogTransaction}); any other write locks the store's head row in a transaction
     * of its own, hands over the entries this instance has not applied, and appends the write's changes as the
     * next entry, committed before the write is published. Before {@link #start}: the unshared store's
     * synchronous append if one is set, else nothing; after {@link #stop}, writes are refused.
     */
    @Override
    public Step open(Purpose purpose) {
        Database db = database;
        if (!started || db == null) {
            InputChangeLog local = localAppend;
            if (local != null) {
                return local.open(purpose);
            }
            if (stopped && purpose == Purpose.WRITE) {
                throw new IllegalStateException("picante store '" + name + "' is shared and was stopped: input"
                        + " writes are refused, since no other instance would see them");
            }
            return Step.NONE;
        }
        if (purpose == Purpose.SYNC) {
            return new CatchUp(db, null);
        }
        LogTransaction transaction = LogTransaction.current(this);
        if (transaction != null) {
            return transaction.step(db);
        }
        Connection connection = null;
        try {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
            return new LogWrite(db, connection, lockHead(connection), true);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(connection, true);
            throw refusal(e);
        }
    }

    /**
     * Appends the input changes {@code changes} computes as the next log entry, computed under the database's
     * write serialization once this instance applied every entry before it (so against the inputs the entry
     * is applied to). For writers whose changes depend on the current inputs, e.g. repository-backed inputs.
     *
     * <p>When a Spring-managed transaction is active on this log's {@code DataSource}, the entry (with the input
     * writes this transaction made before) is written now on that connection, with the store's head row locked
     * until the transaction ends, and commits or rolls back with it; it is applied when it commits. Otherwise it
     * is written and committed in a transaction of its own, and applied before this returns.
     *
     * @return the entry's position, or 0 if {@code changes} returned none
     * @throws IllegalStateException if the log is not started
     * @throws PicanteStoreException if the entry cannot be written; nothing is appended then
     */
    public long append(Function<Database, List<InputChange>> changes) {
        Database db = database;
        if (db == null || !started) {
            throw new IllegalStateException("picante store '" + name + "': the shared change log is not started");
        }
        LogTransaction transaction = LogTransaction.current(this);
        if (transaction != null) {
            return transaction.appendNow(db, changes);
        }
        Revision revision = db.computeInputChanges(changes);
        Published last = lastPublished;
        return last != null && last.revision() == revision.value() ? last.position() : 0;
    }

    /** The last entry of this instance published, with its revision. */
    private record Published(long revision, long position) {
    }

    /**
     * Returns whether a Spring-managed transaction is active on this log's {@code DataSource} on this thread,
     * and not completing (its synchronizations are active): an input write, or {@link #append}, then joins it.
     */
    public boolean joinsTransaction() {
        return LogTransaction.connection(dataSource) != null;
    }

    /** Returns the head row's position, locking it on {@code connection} until that transaction ends. */
    long lockHead(Connection connection) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT LAST_POSITION FROM PICANTE_SHARED_HEAD"
                + " WHERE STORE_NAME = ? FOR UPDATE")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new PicanteStoreException("store '" + name + "' has no shared log head row");
                }
                return rs.getLong(1);
            }
        }
    }

    PicanteStoreException refusal(Exception e) {
        PicanteStoreException refused = e instanceof PicanteStoreException p ? p
                : new PicanteStoreException("store '" + name + "': the shared change log refused the write: "
                        + e.getMessage(), e);
        failure = refused.getMessage();
        return refused;
    }

    /**
     * Hands over the entries after {@link #appliedPosition} in log order, each as one list of changes, and
     * records each position as applied once the database applied it: a {@code SYNC} step, and the first part
     * of every other step. Reads on {@code connection} (under the head row's lock), or unlocked if null.
     */
    class CatchUp implements Step {

        final Database db;
        final @Nullable Connection connection;
        private @Nullable List<long[]> positions;
        private @Nullable List<byte[]> entries;
        private int next;
        private long handed;

        CatchUp(Database db, @Nullable Connection connection) {
            this.db = db;
            this.connection = connection;
        }

        /** The log's head if known (locked), else {@code Long.MAX_VALUE}: nothing is read past it. */
        long head() {
            return Long.MAX_VALUE;
        }

        @Override
        public @Nullable List<InputChange> nextExternal() {
            if (entries == null) {
                if (appliedPosition >= head()) {
                    return null;
                }
                read();
            }
            List<byte[]> all = Objects.requireNonNull(entries);
            if (next >= all.size()) {
                return null;
            }
            long position = Objects.requireNonNull(positions).get(next)[0];
            if (position != appliedPosition + 1) {
                String message = "store '" + name + "': instance '" + instanceId + "' applied the shared log up to"
                        + " position " + appliedPosition + " but the next entry is " + position + ": the entries"
                        + " between were compacted away; restart this instance to reload the full save";
                readFailure = message;
                throw new PicanteStoreException(message);
            }
            List<InputChange> changes = decode(db, all.get(next), position);
            all.set(next, new byte[0]);
            next++;
            handed = position;
            return changes;
        }

        @Override
        public void externalApplied(Revision revision) {
            appliedPosition = handed;
            knownHead = Math.max(knownHead, handed);
        }

        private void read() {
            List<long[]> p = new ArrayList<>();
            List<byte[]> e = new ArrayList<>();
            String sql = "SELECT LOG_POSITION, CHANGES FROM PICANTE_SHARED_LOG WHERE STORE_NAME = ?"
                    + " AND LOG_POSITION > ? ORDER BY LOG_POSITION";
            if (connection == null) {
                jdbc.query(sql, rs -> {
                    p.add(new long[] {rs.getLong(1)});
                    e.add(rs.getBytes(2));
                }, name, appliedPosition);
            } else {
                try (PreparedStatement ps = connection.prepareStatement(sql)) {
                    ps.setString(1, name);
                    ps.setLong(2, appliedPosition);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            p.add(new long[] {rs.getLong(1)});
                            e.add(rs.getBytes(2));
                        }
                    }
                } catch (SQLException ex) {
                    throw new PicanteStoreException("store '" + name + "': cannot read the shared log: "
                            + ex.getMessage(), ex);
                }
            }
            positions = p;
            entries = e;
        }

        @Override
        public void commit(List<InputChange> changes) {
            throw new IllegalStateException("a sync step commits nothing");
        }

        @Override
        public void close() {
        }
    }

    /**
     * A write appended as the entry after {@code head}, on {@code connection} with the head row locked: in a
     * transaction of its own ({@code own}: committed before the write is published, closed at the end), or in
     * the caller's transaction ({@link LogTransaction}: the entry is taken and applied when that commits).
     */
    final class LogWrite extends CatchUp {

        private final long head;
        private final boolean own;
        private final @Nullable LongConsumer appended;
        private long position;
        private boolean done;

        LogWrite(Database db, Connection connection, long head, boolean own) {
            this(db, connection, head, own, null);
        }

        /**
         * @param appended in the caller's transaction: takes the writes (appends them without publishing) and
         *     receives the position they were appended at
         */
        LogWrite(Database db, Connection connection, long head, boolean own, @Nullable LongConsumer appended) {
            super(db, connection);
            this.head = head;
            this.own = own;
            this.appended = appended;
        }

        @Override
        long head() {
            return head;
        }

        @Override
        public @Nullable List<InputChange> nextExternal() {
            try {
                return super.nextExternal();
            } catch (RuntimeException e) {
                throw refusal(e);
            }
        }

        private void checkCaughtUp() {
            if (appliedPosition != head) {
                throw new PicanteStoreException("store '" + name + "': instance '" + instanceId + "' applied up to"
                        + " position " + appliedPosition + " but the shared log is at " + head);
            }
        }

        @Override
        public boolean defer(List<InputChange> writes) {
            LongConsumer taken = appended;
            if (taken == null) {
                return false;
            }
            try {
                checkCaughtUp();
                if (!writes.isEmpty()) {
                    taken.accept(insert(writes));
                }
                failure = null;
            } catch (SQLException | RuntimeException e) {
                throw refusal(e);
            }
            return true;
        }

        @Override
        public void commit(List<InputChange> changes) {
            try {
                checkCaughtUp();
                insert(changes);
                Objects.requireNonNull(connection).commit();
                done = true;
                failure = null;
            } catch (SQLException | RuntimeException e) {
                throw refusal(e);
            }
        }

        /** Inserts {@code changes} as the entry after the head and moves the head; does not commit. */
        long insert(List<InputChange> changes) throws SQLException {
            Connection c = Objects.requireNonNull(connection);
            position = head + 1;
            byte[] bytes = encode(db, changes);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO PICANTE_SHARED_LOG (STORE_NAME,"
                    + " LOG_POSITION, INSTANCE_ID, FORMAT_VERSION, CHANGES, APPENDED_AT) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, name);
                ps.setLong(2, position);
                ps.setString(3, instanceId);
                ps.setInt(4, ENTRY_FORMAT);
                ps.setBytes(5, bytes);
                ps.setTimestamp(6, Timestamp.from(Instant.now()));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE PICANTE_SHARED_HEAD SET LAST_POSITION = ? WHERE STORE_NAME = ?")) {
                ps.setLong(1, position);
                ps.setString(2, name);
                ps.executeUpdate();
            }
            if (Boolean.TRUE.equals(postgres)) {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                    ps.setString(1, CHANNEL);
                    ps.setString(2, name);
                    ps.execute();
                }
            }
            knownHead = Math.max(knownHead, position);
            return position;
        }

        @Override
        public void published(Revision revision) {
            appliedPosition = position;
            lastPublished = new Published(revision.value(), position);
        }

        @Override
        public void close() {
            if (own) {
                closeQuietly(connection, !done);
            } else {
                DataSourceUtils.releaseConnection(connection, dataSource);
            }
        }
    }

    private static void closeQuietly(@Nullable Connection connection, boolean rollback) {
        if (connection == null) {
            return;
        }
        try {
            if (rollback) {
                connection.rollback();
            }
        } catch (SQLException e) {
            // the connection is closed next; an open transaction ends with it
        }
        try {
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            // closing it anyway
        }
        try {
            connection.close();
        } catch (SQLException e) {
            // nothing to do
        }
    }

    // ---------------------------------------------------------------- applying

    /**
     * Applies every entry this instance has not applied yet, in log order ({@link Database#syncInputChangeLog()}).
     * Does nothing before {@link #start}. Safe to call from any thread.
     *
     * @return whether the log was read (false if it was known to hold nothing new)
     * @throws PicanteStoreException if the log cannot be read, or an entry cannot be applied
     */
    public boolean catchUp() {
        Database db = database;
        if (db == null || !started) {
            return false;
        }
        try {
            Long head = jdbc.queryForObject("SELECT LAST_POSITION FROM PICANTE_SHARED_HEAD WHERE STORE_NAME = ?",
                    Long.class, name);
            if (head == null) {
                return false;
            }
            knownHead = Math.max(knownHead, head);
            if (head <= appliedPosition) {
                readFailure = null;
                return false;
            }
            db.syncInputChangeLog();
            readFailure = null;
            return true;
        } catch (RuntimeException e) {
            readFailure = "cannot apply the shared log: " + e.getMessage();
            throw e;
        }
    }

    // ---------------------------------------------------------------- encoding

    private @Nullable IngredientInfo input(Database db, String ingredient) {
        IngredientInfo info = inputs.get(ingredient);
        if (info == null) {
            for (IngredientInfo candidate : db.inspector().ingredients()) {
                if (candidate.kind() == IngredientKind.INPUT) {
                    inputs.putIfAbsent(candidate.name(), candidate);
                }
            }
            info = inputs.get(ingredient);
        }
        return info;
    }

    private byte[] encode(Database db, List<InputChange> changes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(changes.size());
            for (InputChange change : changes) {
                IngredientInfo info = input(db, change.ingredient());
                if (info == null) {
                    throw new PicanteStoreException("store '" + name + "': no input named '" + change.ingredient()
                            + "'");
                }
                out.writeUTF(change.ingredient());
                writeBytes(out, encodeValue(change.key(), info.keyType(), change.ingredient()));
                Object value = change.value();
                out.writeBoolean(value != null);
                if (value != null) {
                    writeBytes(out, encodeValue(value, info.valueType(), change.ingredient()));
                }
            }
        } catch (IOException e) {
            throw new PicanteStoreException("store '" + name + "': cannot encode a shared log entry", e);
        }
        return bytes.toByteArray();
    }

    private byte[] encodeValue(Object value, Class<?> type, String ingredient) {
        try {
            return codec.encode(value, type);
        } catch (IllegalArgumentException e) {
            throw new PicanteStoreException("store '" + name + "': cannot encode a " + type.getName() + " of input '"
                    + ingredient + "' for the shared log: " + e.getMessage(), e);
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return bytes;
    }

    private List<InputChange> decode(Database db, byte[] entry, long position) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(entry))) {
            int count = in.readInt();
            List<InputChange> changes = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String ingredient = in.readUTF();
                byte[] key = readBytes(in);
                byte[] value = in.readBoolean() ? readBytes(in) : null;
                IngredientInfo info = input(db, ingredient);
                if (info == null) {
                    if (skippedIngredients.add(ingredient)) {
                        logger.warn("picante store '" + name + "': the shared log has changes of input '" + ingredient
                                + "', which this instance does not register; skipping them");
                    }
                    continue;
                }
                Object k = codec.decode(key, info.keyType());
                changes.add(new InputChange(ingredient, k, value == null ? null : codec.decode(value,
                        info.valueType())));
            }
            return changes;
        } catch (IOException | IllegalArgumentException e) {
            String message = "store '" + name + "': cannot decode shared log entry " + position + ": " + e.getMessage();
            readFailure = message;
            throw new PicanteStoreException(message, e);
        }
    }

    // ---------------------------------------------------------------- heartbeat, save and compaction

    /** Records this instance's applied position and that it is alive. */
    void heartbeat() {
        if (!started) {
            return;
        }
        int updated = jdbc.update("UPDATE PICANTE_INSTANCES SET APPLIED_POSITION = ?, HEARTBEAT_AT = ?"
                + " WHERE STORE_NAME = ? AND INSTANCE_ID = ?", appliedPosition, Timestamp.from(Instant.now()), name,
                instanceId);
        if (updated == 0) {
            // removed by compaction after a long silence: register again
            Timestamp now = Timestamp.from(Instant.now());
            jdbc.update("INSERT INTO PICANTE_INSTANCES (STORE_NAME, INSTANCE_ID, APPLIED_POSITION, STARTED_AT,"
                    + " HEARTBEAT_AT) VALUES (?, ?, ?, ?, ?)", name, instanceId, appliedPosition, now, now);
        }
    }

    /**
     * Makes a full save with {@code store} that records the shared position it includes, in one transaction.
     * The position is read before the export, so the save includes at least the entries up to it; replaying
     * later ones on top, even some it already includes, gives the same inputs (each entry sets or removes
     * slots to given values).
     *
     * @throws PicanteStoreException if the save fails; the store is unchanged then
     */
    public void save(JdbcStateStore store, Database db) {
        long position = appliedPosition;
        tx.executeWithoutResult(status -> {
            store.save(db);
            Head head = lockHead();
            if (position < head.compactedTo()) {
                throw new PicanteStoreException("store '" + name + "': this instance applied the shared log up to "
                        + position + ", before what was compacted (" + head.compactedTo() + "); not saving");
            }
            jdbc.update("UPDATE PICANTE_SHARED_HEAD SET SAVE_POSITION = ? WHERE STORE_NAME = ?", position, name);
        });
    }

    /**
     * Heartbeat, and when the log holds {@code threshold} entries past the full save, a full save; then
     * deletes the entries every live instance applied and the save includes, and forgets instances silent
     * for longer than the retention.
     *
     * @return how many entries were deleted
     */
    int maintain(JdbcStateStore store, Database db, int threshold) {
        heartbeat();
        Head head = head();
        if (head.lastPosition() - head.savePosition() >= threshold && appliedPosition > head.savePosition()) {
            save(store, db);
        }
        Integer deleted = tx.execute(status -> {
            Head locked = lockHead();
            Timestamp cutoff = Timestamp.from(Instant.now().minus(retention));
            jdbc.update("DELETE FROM PICANTE_INSTANCES WHERE STORE_NAME = ? AND HEARTBEAT_AT < ?", name, cutoff);
            Long minApplied = jdbc.queryForObject("SELECT MIN(APPLIED_POSITION) FROM PICANTE_INSTANCES"
                    + " WHERE STORE_NAME = ?", Long.class, name);
            long upTo = Math.min(locked.savePosition(), minApplied == null ? Long.MAX_VALUE : minApplied);
            if (upTo <= locked.compactedTo()) {
                return 0;
            }
            int n = jdbc.update("DELETE FROM PICANTE_SHARED_LOG WHERE STORE_NAME = ? AND LOG_POSITION <= ?", name,
                    upTo);
            jdbc.update("UPDATE PICANTE_SHARED_HEAD SET COMPACTED_TO = ? WHERE STORE_NAME = ?", upTo, name);
            return n;
        });
        return deleted == null ? 0 : deleted;
    }

    // ---------------------------------------------------------------- status

    /** Returns the shared log's status; reads the instances table. */
    public SharedLogStatus status() {
        long applied = appliedPosition;
        List<SharedLogStatus.Instance> instances = new ArrayList<>();
        long headPosition = knownHead;
        long savePosition = -1;
        long compactedTo = -1;
        String error = failure != null ? failure : readFailure;
        try {
            Head head = head();
            headPosition = head.lastPosition();
            savePosition = head.savePosition();
            compactedTo = head.compactedTo();
            long last = headPosition;
            Set<String> seen = new HashSet<>();
            jdbc.query("SELECT INSTANCE_ID, APPLIED_POSITION, HEARTBEAT_AT FROM PICANTE_INSTANCES WHERE STORE_NAME = ?"
                    + " ORDER BY INSTANCE_ID", rs -> {
                        String id = rs.getString(1);
                        boolean self = id.equals(instanceId);
                        long position = self ? applied : rs.getLong(2);
                        seen.add(id);
                        instances.add(new SharedLogStatus.Instance(id, self, position, Math.max(0, last - position),
                                rs.getTimestamp(3).toInstant()));
                    }, name);
            if (started && !seen.contains(instanceId)) {
                instances.add(new SharedLogStatus.Instance(instanceId, true, applied, Math.max(0, last - applied),
                        null));
            }
        } catch (RuntimeException e) {
            error = "cannot read the shared log: " + e.getMessage();
        }
        return new SharedLogStatus(instanceId, started, applied, headPosition, Math.max(0, headPosition - applied),
                savePosition, compactedTo, List.copyOf(instances), error);
    }

    @Override
    public String toString() {
        return "SharedChangeLog[" + name + " as " + instanceId + " at " + appliedPosition + "]";
    }
}
