package dev.picante.spring.data;

import dev.picante.Database;
import dev.picante.persist.InputChange;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.jdbc.SharedChangeLog;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.core.convert.support.DefaultConversionService;
import org.springframework.data.jdbc.core.JdbcAggregateOperations;
import org.springframework.data.repository.Repository;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcOperations;
import org.springframework.jdbc.support.JdbcAccessor;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.data.relational.core.sql.IdentifierProcessing;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The {@link RepositoryInput repository inputs} of the application, one per {@link PicanteInput @PicanteInput}
 * repository, and what keeps them equal to their tables.
 *
 * <p><b>Writes.</b> Every save and delete of a mirrored aggregate through Spring Data JDBC (each
 * {@code CrudRepository}/{@code ListCrudRepository} method, and {@code JdbcAggregateTemplate}) is recorded
 * and applied to the inputs when it is known to be committed:
 * <ul>
 * <li>inside a Spring-managed transaction that holds the repository's connection (the usual case, including
 * the transaction Spring Data's own repository methods open), the changes of the whole transaction are
 * applied after it commits, as one revision; nothing is applied if it rolls back; no reader sees them
 * before the commit. The touched rows are read back from the table when applied, so the inputs hold what
 * committed (savepoints rolled back, database defaults) and concurrent commits of one row end with the last
 * one;</li>
 * <li>when the rows are already committed when the write returns (no transaction, e.g. a
 * {@code JdbcAggregateTemplate} call outside one, or a transaction on another {@code DataSource}, so the
 * repository's connection auto-commits), each write is applied at once;</li>
 * <li>a repository method called inside a transaction of another {@code DataSource} runs its own transaction
 * on the repository's {@code DataSource} (Spring suspends the other one's synchronization meanwhile): applied
 * when that one commits, as the method returns, whatever the other transaction does later.</li>
 * </ul>
 * With a shared store ({@code picante.store.shared}), the changes become a shared log entry: written in the
 * same database transaction as the rows when that transaction is on the store's {@code DataSource} (it
 * commits if and only if they do; a failed append rolls the transaction back), else appended right after the
 * commit. Every instance then applies it in log order, this one included.
 *
 * <p><b>Reconciliation.</b> {@link #resync()} streams every row of the mirrored tables and applies the
 * differences as one revision: unchanged rows are no-ops, missing rows are removed. It runs at startup (after
 * the durable store's load), so changes made while the application was down, or by other programs, are
 * picked up with only the affected results recomputed. {@link #poll()} is the cheaper check for aggregates
 * with a {@code @Version} property: it reads only ids and versions, and loads the rows whose version changed.
 *
 * <p>Thread-safe. Changes are computed and applied under one lock (or, with a shared store, under the log's
 * head lock), so concurrent commits and resyncs never lose each other's index updates.
 */
public final class RepositoryInputs {

    private static final Log logger = LogFactory.getLog(RepositoryInputs.class);

    private final Database database;
    private final PicanteViews views;
    private final JdbcAggregateOperations operations;
    private final @Nullable NamedParameterJdbcOperations jdbc;
    private final @Nullable DataSource dataSource;
    private final IdentifierProcessing identifiers;
    private final Supplier<@Nullable SharedChangeLog> sharedLog;
    private final Map<Class<?>, AggregateMirror> byType = new LinkedHashMap<>();
    private final Map<Class<?>, RepositoryInput<?, ?>> byRepository = new LinkedHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();

    /** A repository declared as an input. */
    record Declaration(Class<?> repository, AggregateMirror mirror) {
    }

    RepositoryInputs(Database database, PicanteViews views, JdbcAggregateOperations operations,
            @Nullable NamedParameterJdbcOperations jdbc, IdentifierProcessing identifiers,
            Supplier<@Nullable SharedChangeLog> sharedLog, List<Declaration> declarations) {
        this.database = database;
        this.views = views;
        this.operations = operations;
        this.jdbc = jdbc;
        this.dataSource = jdbc != null && jdbc.getJdbcOperations() instanceof JdbcAccessor accessor
                ? accessor.getDataSource() : null;
        this.identifiers = identifiers;
        this.sharedLog = sharedLog;
        for (Declaration d : declarations) {
            AggregateMirror previous = byType.putIfAbsent(d.mirror().type, d.mirror());
            if (previous != null) {
                throw new IllegalStateException("@PicanteInput on " + d.repository().getName() + " and on "
                        + previous.repository + ": both mirror aggregate " + d.mirror().type.getName()
                        + "; annotate one repository per aggregate");
            }
            byRepository.put(d.repository(), new RepositoryInput<>(views, d.mirror()));
        }
    }

    /**
     * Returns the input of {@code repository}, an interface annotated {@link PicanteInput @PicanteInput}.
     *
     * @throws IllegalArgumentException if it is not declared as an input
     */
    @SuppressWarnings("unchecked")
    public <ID, T> RepositoryInput<ID, T> of(Class<? extends Repository<T, ID>> repository) {
        RepositoryInput<?, ?> input = byRepository.get(repository);
        if (input == null) {
            throw new IllegalArgumentException(repository.getName() + " is not a repository input: annotate it"
                    + " @PicanteInput (declared: " + byRepository.keySet().stream().map(Class::getSimpleName)
                            .toList() + ")");
        }
        return (RepositoryInput<ID, T>) input;
    }

    /** Returns every repository input. */
    public Collection<RepositoryInput<?, ?>> inputs() {
        return List.copyOf(byRepository.values());
    }

    /** Returns the names of the input ingredients of every repository input: rows, ids and group indexes. */
    Set<String> ingredientNames() {
        Set<String> names = new LinkedHashSet<>();
        for (AggregateMirror mirror : byType.values()) {
            names.add(mirror.rows.name());
            names.add(mirror.ids.name());
            mirror.groupings.values().forEach(g -> names.add(g.index().name()));
        }
        return names;
    }

    /** Returns the database the inputs are registered on. */
    public Database database() {
        return database;
    }

    PicanteViews views() {
        return views;
    }

    // ---------------------------------------------------------------- writes

    /** Records that {@code aggregate} was saved (inserted or updated). */
    void saved(Object aggregate) {
        AggregateMirror mirror = byType.get(aggregate.getClass());
        if (mirror != null) {
            record(mirror, mirror.idOf(aggregate), Optional.of(aggregate), false);
        }
    }

    /** Records that the aggregate of {@code type} with id {@code id} was deleted. */
    void deleted(Class<?> type, Object id) {
        AggregateMirror mirror = byType.get(type);
        if (mirror != null) {
            record(mirror, id, Optional.empty(), false);
        }
    }

    /** Records that every aggregate of {@code type} was deleted ({@code deleteAll}, which sends no event). */
    void deletedAll(Class<?> type) {
        AggregateMirror mirror = byType.get(type);
        if (mirror != null) {
            record(mirror, null, Optional.empty(), true);
        }
    }

    private void record(AggregateMirror mirror, @Nullable Object id, Optional<Object> value, boolean all) {
        Object holder = transactionalConnection();
        if (holder != null) {
            // keyed by the connection holder: a REQUIRES_NEW transaction inside has changes of its own
            TransactionKey key = new TransactionKey(this, holder);
            TransactionChanges tx = (TransactionChanges) TransactionSynchronizationManager.getResource(key);
            if (tx == null) {
                tx = new TransactionChanges(key);
                TransactionSynchronizationManager.bindResource(key, tx);
                TransactionSynchronizationManager.registerSynchronization(tx);
            }
            tx.add(mirror, id, value, all);
            return;
        }
        Targets single = new Targets();
        single.add(mirror, id, value, all);
        apply(single);
    }

    /**
     * Returns the connection holder of the transaction the rows just written belong to, if it is not yet
     * committed: Spring transaction synchronization is active and the repository's {@code DataSource} has a
     * transactional (not auto-committing) connection bound to this thread. Else null.
     */
    private @Nullable Object transactionalConnection() {
        if (!TransactionSynchronizationManager.isSynchronizationActive() || dataSource == null) {
            return null;
        }
        Object resource = TransactionSynchronizationManager.getResource(dataSource);
        if (!(resource instanceof ConnectionHolder holder)) {
            return null;
        }
        try {
            return holder.getConnection().getAutoCommit() ? null : holder;
        } catch (SQLException e) {
            return holder;
        } catch (IllegalStateException e) {
            return null; // no connection held
        }
    }

    /** The key the changes of one transaction are bound under. */
    private record TransactionKey(RepositoryInputs inputs, Object connectionHolder) {
    }

    /**
     * Brings the rows {@code targets} touched to what the table holds when the change is computed, as one
     * revision (or one shared log entry). Reading the rows inside the serialized change (rather than using
     * the saved instances) makes the last applied state the last committed one whatever the order in which
     * transactions reach here, and follows what the database did (savepoints rolled back, defaults).
     */
    private void apply(Targets targets) {
        change(db -> targets.reread(operations).changes(db));
    }

    /**
     * Computes changes against the current inputs and applies them as one revision, serialized with every
     * other change of repository inputs: under this object's lock, or with a started shared store, as one log
     * entry appended under the log's head lock (in the caller's transaction when it is on the store's
     * {@code DataSource}) and applied when committed.
     */
    private List<InputChange> change(Function<Database, List<InputChange>> compute) {
        SharedChangeLog log = sharedLog.get();
        if (log != null && log.isStarted()) {
            // applied before this returns, or, inside a transaction on the store's DataSource, when it commits
            List<List<InputChange>> computed = new ArrayList<>(1);
            log.append(db -> {
                List<InputChange> changes = compute.apply(db);
                computed.add(changes);
                return changes;
            });
            return computed.isEmpty() ? List.of() : computed.get(0);
        }
        lock.lock();
        try {
            List<InputChange> changes = compute.apply(database);
            if (!changes.isEmpty()) {
                database.applyInputChanges(changes);
            }
            return changes;
        } finally {
            lock.unlock();
        }
    }

    /** The writes of one transaction, applied when it completes. */
    private final class TransactionChanges implements TransactionSynchronization {

        private final TransactionKey key;
        private final Targets targets = new Targets();
        private boolean appended;
        private boolean appendFailed;

        TransactionChanges(TransactionKey key) {
            this.key = key;
        }

        /**
         * Before the shared log's part of the transaction, so that the input writes the transaction made and its
         * repository writes become one log entry.
         */
        @Override
        public int getOrder() {
            return LOWEST_PRECEDENCE - 1;
        }

        void add(AggregateMirror mirror, @Nullable Object id, Optional<Object> value, boolean all) {
            targets.add(mirror, id, value, all);
        }

        @Override
        public void beforeCommit(boolean readOnly) {
            SharedChangeLog log = sharedLog.get();
            if (log != null && log.isStarted() && log.joinsTransaction()) {
                try {
                    // read inside the transaction: its own writes, as they will commit
                    log.append(db -> targets.reread(operations).changes(db));
                    appended = true;
                } catch (RuntimeException e) {
                    appendFailed = true;
                    throw e;
                }
            }
        }

        @Override
        public void afterCompletion(int status) {
            TransactionSynchronizationManager.unbindResourceIfPossible(key);
            try {
                SharedChangeLog log = sharedLog.get();
                if (status == STATUS_COMMITTED && appended && log != null) {
                    log.catchUp();
                } else if (!appendFailed) {
                    // committed, rolled back or unknown: the touched rows as the table holds them now (after a
                    // rollback, as the inputs hold them: nothing changes)
                    apply(targets);
                }
            } catch (RuntimeException e) {
                logger.error("picante: cannot apply the repository writes of a completed transaction ("
                        + targets + "); a resync will pick them up", e);
            }
        }
    }

    /** Row contents to bring inputs to, per mirror, in write order. */
    static final class Targets {

        private final Map<AggregateMirror, Map<Object, Optional<Object>>> rows = new LinkedHashMap<>();
        private final Map<AggregateMirror, Boolean> cleared = new HashMap<>();

        void add(AggregateMirror mirror, @Nullable Object id, Optional<Object> value, boolean all) {
            Map<Object, Optional<Object>> target = rows.computeIfAbsent(mirror, m -> new LinkedHashMap<>());
            if (all) {
                target.clear();
                cleared.put(mirror, true);
            } else if (id != null) {
                target.remove(id);
                target.put(id, value);
            }
        }

        List<InputChange> changes(Database db) {
            List<InputChange> changes = new ArrayList<>();
            for (Map.Entry<AggregateMirror, Map<Object, Optional<Object>>> e : rows.entrySet()) {
                changes.addAll(e.getKey().changes(db, e.getValue(), cleared.getOrDefault(e.getKey(), false)));
            }
            return changes;
        }

        /** The touched rows as the table holds them now (a cleared table: every row). */
        Targets reread(JdbcAggregateOperations operations) {
            Targets now = new Targets();
            for (Map.Entry<AggregateMirror, Map<Object, Optional<Object>>> e : rows.entrySet()) {
                AggregateMirror mirror = e.getKey();
                if (cleared.getOrDefault(mirror, false)) {
                    now.cleared.put(mirror, true);
                    Map<Object, Optional<Object>> all = now.rows.computeIfAbsent(mirror, m -> new LinkedHashMap<>());
                    try (Stream<?> stream = operations.streamAll(mirror.type)) {
                        stream.forEach(a -> all.put(mirror.idOf(a), Optional.of(a)));
                    }
                    continue;
                }
                Map<Object, Optional<Object>> target = now.rows.computeIfAbsent(mirror, m -> new LinkedHashMap<>());
                for (Object id : e.getValue().keySet()) {
                    target.put(id, Optional.empty());
                }
                for (Object a : operations.findAllById(e.getValue().keySet(), mirror.type)) {
                    target.put(mirror.idOf(a), Optional.of(a));
                }
            }
            return now;
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            rows.forEach((m, r) -> s.append(s.isEmpty() ? "" : ", ").append(m.name).append(": ")
                    .append(cleared.getOrDefault(m, false) ? "all deleted, then " : "").append(r.size())
                    .append(" rows"));
            return s.toString();
        }
    }

    // ---------------------------------------------------------------- reconciliation

    /**
     * Reconciles every repository input with its table: streams all rows, sets each (a no-op when unchanged),
     * removes the slots of rows that are gone, and updates the indexes; all as one revision (or one shared log
     * entry). Writes through the repositories committed meanwhile are not lost: they are applied after it,
     * in commit order.
     *
     * @return what was read and changed
     */
    public ResyncReport resync() {
        return resync(byType.values());
    }

    /** Reconciles the input of {@code repository} with its table; see {@link #resync()}. */
    public ResyncReport resync(Class<? extends Repository<?, ?>> repository) {
        RepositoryInput<?, ?> input = byRepository.get(repository);
        if (input == null) {
            throw new IllegalArgumentException(repository.getName() + " is not a repository input");
        }
        return resync(List.of(byType.get(input.aggregateType())));
    }

    private ResyncReport resync(Collection<AggregateMirror> mirrors) {
        Map<String, Integer> read = new LinkedHashMap<>();
        Map<String, Integer> changed = new LinkedHashMap<>();
        change(db -> {
            List<InputChange> changes = new ArrayList<>();
            for (AggregateMirror mirror : mirrors) {
                Map<Object, Optional<Object>> target = new LinkedHashMap<>();
                try (Stream<?> stream = operations.streamAll(mirror.type)) {
                    stream.forEach(a -> target.put(mirror.idOf(a), Optional.of(a)));
                }
                List<InputChange> c = mirror.changes(db, target, true);
                read.put(mirror.name, target.size());
                changed.put(mirror.name, c.size());
                changes.addAll(c);
            }
            return changes;
        });
        return new ResyncReport(Map.copyOf(read), Map.copyOf(changed), database.revision());
    }

    /**
     * Polls the tables of the inputs whose aggregate has a {@code @Version} property: reads each row's id and
     * version only, loads the rows that are new or whose version differs from the input's, and removes the
     * slots of rows that are gone; as one revision. A row changed without its version being incremented (SQL
     * that bypasses Spring Data and leaves the version column) is not seen: {@link #resync()} sees it.
     * Inputs without a version property are skipped.
     */
    public ResyncReport poll() {
        NamedParameterJdbcOperations template = jdbc;
        Map<String, Integer> read = new LinkedHashMap<>();
        Map<String, Integer> changed = new LinkedHashMap<>();
        if (template == null) {
            return new ResyncReport(Map.of(), Map.of(), database.revision());
        }
        change(db -> {
            List<InputChange> changes = new ArrayList<>();
            for (AggregateMirror mirror : byType.values()) {
                var version = mirror.version;
                if (version == null) {
                    continue;
                }
                var idProperty = mirror.entity.getRequiredIdProperty();
                String sql = "SELECT " + idProperty.getColumnName().toSql(identifiers) + ", "
                        + version.getColumnName().toSql(identifiers) + " FROM "
                        + mirror.entity.getQualifiedTableName().toSql(identifiers);
                Map<Object, @Nullable Object> versions = new LinkedHashMap<>();
                DefaultConversionService conversion = (DefaultConversionService) DefaultConversionService
                        .getSharedInstance();
                Class<?> versionType = org.springframework.util.ClassUtils.resolvePrimitiveIfNecessary(
                        version.getType());
                template.getJdbcOperations().query(sql, (RowCallbackHandler) rs -> {
                    Object id = conversion.convert(rs.getObject(1), mirror.idType);
                    Object v = rs.getObject(2);
                    versions.put(id, v == null ? null : conversion.convert(v, versionType));
                });
                Map<Object, Optional<Object>> target = new LinkedHashMap<>();
                List<Object> load = new ArrayList<>();
                for (Map.Entry<Object, @Nullable Object> e : versions.entrySet()) {
                    Optional<Object> current = mirror.rows.get(db, e.getKey());
                    if (current.isEmpty() || !java.util.Objects.equals(mirror.versionOf(current.get()), e.getValue())) {
                        load.add(e.getKey());
                    }
                }
                for (Object id : mirror.ids(db)) {
                    if (!versions.containsKey(id)) {
                        target.put(id, Optional.empty());
                    }
                }
                if (!load.isEmpty()) {
                    for (Object a : operations.findAllById(load, mirror.type)) {
                        target.put(mirror.idOf(a), Optional.of(a));
                    }
                }
                List<InputChange> c = mirror.changes(db, target, false);
                read.put(mirror.name, versions.size());
                changed.put(mirror.name, c.size());
                changes.addAll(c);
            }
            return changes;
        });
        return new ResyncReport(Map.copyOf(read), Map.copyOf(changed), database.revision());
    }

    @Override
    public String toString() {
        return "RepositoryInputs" + byType.values().stream().map(m -> m.name).toList();
    }
}
