package dev.picante.spring.jdbc;

import dev.picante.Database;
import dev.picante.persist.InputChange;
import dev.picante.persist.InputChangeLog;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A {@link SharedChangeLog}'s part of one Spring-managed transaction on the log's {@code DataSource}: the input
 * writes made inside it, and the log entry they become, written on the transaction's connection so that it
 * commits if and only if the transaction does.
 *
 * <p>An input write ({@code set}, {@code remove}, a batch) made inside the transaction is taken by the log
 * (the database publishes nothing, and the write returns the current revision); reads inside the transaction
 * do not see it. Before the transaction commits, the writes it made (with the changes of
 * {@link SharedChangeLog#append} calls in it, e.g. repository writes) become one log entry, appended with the
 * store's head row locked on the transaction's connection, after this instance applied every earlier entry.
 * After the commit the entry is applied, as one revision, on this instance (before the commit call returns)
 * and on the others; after a rollback nothing was logged and nothing is applied. If the append fails, the
 * exception fails the commit and the transaction rolls back.
 *
 * <p>Bound to the transaction as a Spring resource keyed by the log and the transaction's connection holder,
 * so an inner {@code REQUIRES_NEW} transaction has its own. Used by one thread at a time, the transaction's.
 */
final class LogTransaction implements TransactionSynchronization {

    private static final Log logger = LogFactory.getLog(LogTransaction.class);

    private record Key(SharedChangeLog log, ConnectionHolder holder) {
    }

    private final SharedChangeLog log;
    private final Key key;
    /** The final content of the slots written in the transaction and not appended yet, in write order. */
    private final List<InputChange> pending = new ArrayList<>();
    /** Whether {@link #appendNow} runs: the step the database opens then appends, rather than takes. */
    private boolean appending;
    /** The last entry appended in the transaction, 0 for none. */
    private long position;
    private @Nullable Database database;

    private LogTransaction(SharedChangeLog log, Key key) {
        this.log = log;
        this.key = key;
    }

    /**
     * Returns the connection holder of a Spring-managed transaction on {@code dataSource} that is active on this
     * thread and not completing (its synchronizations are active), else null.
     */
    static @Nullable ConnectionHolder connection(DataSource dataSource) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()
                || !TransactionSynchronizationManager.isSynchronizationActive()) {
            return null;
        }
        if (!(TransactionSynchronizationManager.getResource(dataSource) instanceof ConnectionHolder holder)) {
            return null;
        }
        try {
            return holder.getConnection().getAutoCommit() ? null : holder;
        } catch (SQLException | IllegalStateException e) {
            return null;
        }
    }

    /**
     * Returns the log's part of the transaction active on its {@code DataSource}, bound (and registered for the
     * transaction's completion) on first use; null without such a transaction.
     */
    static @Nullable LogTransaction current(SharedChangeLog log) {
        ConnectionHolder holder = connection(log.dataSource());
        if (holder == null) {
            return null;
        }
        Key key = new Key(log, holder);
        if (TransactionSynchronizationManager.getResource(key) instanceof LogTransaction bound) {
            return bound;
        }
        LogTransaction created = new LogTransaction(log, key);
        TransactionSynchronizationManager.bindResource(key, created);
        TransactionSynchronizationManager.registerSynchronization(created);
        return created;
    }

    /** The step of a database write inside the transaction. */
    InputChangeLog.Step step(Database db) {
        this.database = db;
        if (!appending) {
            return new Take();
        }
        DataSource dataSource = log.dataSource();
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            return log.new LogWrite(db, connection, log.lockHead(connection), false, appended -> position = appended);
        } catch (SQLException | RuntimeException e) {
            DataSourceUtils.releaseConnection(connection, dataSource);
            throw log.refusal(e);
        }
    }

    /**
     * Appends, now and in the transaction, the writes it made so far and the changes {@code changes} computes,
     * as one entry.
     *
     * @return the entry's position, 0 if there was nothing to append
     */
    long appendNow(Database db, Function<Database, List<InputChange>> changes) {
        this.database = db;
        List<InputChange> earlier = List.copyOf(pending);
        pending.clear();
        long before = position;
        appending = true;
        try {
            db.computeInputChanges(d -> {
                List<InputChange> all = new ArrayList<>(earlier);
                all.addAll(changes.apply(d));
                return all;
            });
        } catch (RuntimeException e) {
            pending.addAll(0, earlier);
            throw e;
        } finally {
            appending = false;
        }
        return position == before ? 0 : position;
    }

    /** Takes a write made inside the transaction; it is appended before the transaction commits. */
    private final class Take implements InputChangeLog.Step {

        @Override
        public boolean defer(List<InputChange> writes) {
            if (TransactionSynchronizationManager.isCurrentTransactionReadOnly()) {
                throw new IllegalStateException("picante store '" + log.name() + "': an input write inside a"
                        + " read-only transaction on the store's DataSource cannot be logged with it; write outside"
                        + " it, or in a transaction that is not read-only");
            }
            pending.addAll(writes);
            return true;
        }

        @Override
        public void commit(List<InputChange> changes) {
            throw new IllegalStateException("a write taken by the transaction commits with it");
        }

        @Override
        public void close() {
        }
    }

    @Override
    public void beforeCommit(boolean readOnly) {
        Database db = database;
        if (db != null && !pending.isEmpty()) {
            appendNow(db, d -> List.of());
        }
    }

    @Override
    public void afterCompletion(int status) {
        TransactionSynchronizationManager.unbindResourceIfPossible(key);
        Database db = database;
        if (db == null) {
            return;
        }
        try {
            if (status != STATUS_ROLLED_BACK && position > 0) {
                log.catchUp(); // this instance applies the entry (with any before it) now
            }
            if (status == STATUS_COMMITTED && !pending.isEmpty()) {
                // written after the transaction's beforeCommit (in an afterCommit callback): logged on their own
                db.applyInputChanges(List.copyOf(pending));
            }
        } catch (RuntimeException e) {
            logger.error("picante store '" + log.name() + "': the shared log entry of a committed transaction"
                    + " could not be applied now; the log's listener applies it at its next poll", e);
        }
    }

    @Override
    public String toString() {
        return "LogTransaction[" + log.name() + ", " + pending.size() + " writes pending, last entry " + position
                + "]";
    }
}
