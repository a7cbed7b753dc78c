package dev.picante.spring.jdbc;

import dev.picante.spring.DeclaredTypes;
import dev.picante.persist.Codec;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.support.DefaultTransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the parts of a {@link JdbcStateStore} (its writer, loader, repair and lease) share: the store's name
 * and settings, its JDBC access and transactions, and how a database failure becomes a message that names
 * the store, the operation and the root cause.
 */
final class StoreContext {

    final String name;
    final DataSource dataSource;
    final JdbcTemplate jdbc;
    final TransactionTemplate writeTx;
    final TransactionTemplate readTx;
    /** A transaction of the store's own, never the caller's: suspends a transaction bound to the thread. */
    final TransactionTemplate ownTx;
    final Codec codec;
    final CorruptionPolicy corruptionPolicy;
    final long maxRecordSize;
    final long maxTotalSize;
    final Set<String> discardInputs;
    /**
     * Inputs the application rebuilds from their source after each load (repository inputs reconciled with their
     * tables): a load discards their stored records when they no longer fit, instead of failing. Declared after
     * construction, before the first load, by {@link JdbcStateStore#rebuiltAfterLoad}.
     */
    final Set<String> rebuiltInputs = ConcurrentHashMap.newKeySet();
    /** The declared generic key and value types the codec writes and reads each ingredient as. */
    final DeclaredTypes types;

    StoreContext(String name, DataSource dataSource, Codec codec, CorruptionPolicy corruptionPolicy,
            long maxRecordSize, long maxTotalSize, Set<String> discardInputs, DeclaredTypes types) {
        this.name = name;
        this.dataSource = dataSource;
        this.jdbc = new JdbcTemplate(dataSource);
        CommitAwareTransactionManager tm = new CommitAwareTransactionManager(dataSource);
        this.writeTx = new TransactionTemplate(tm);
        this.readTx = new TransactionTemplate(tm);
        this.readTx.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        this.readTx.setReadOnly(true);
        this.ownTx = new TransactionTemplate(tm);
        this.ownTx.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.codec = codec;
        this.corruptionPolicy = corruptionPolicy;
        this.maxRecordSize = maxRecordSize;
        this.maxTotalSize = maxTotalSize;
        this.discardInputs = Set.copyOf(discardInputs);
        this.types = types;
    }

    /** Returns the message of the innermost cause of {@code e}: "Connection refused" rather than a wrapper's. */
    static String rootCause(Throwable e) {
        Throwable root = NestedExceptionUtils.getMostSpecificCause(e);
        String message = root.getMessage();
        return message == null || message.isBlank() ? root.getClass().getName() : message;
    }

    /**
     * Runs a write, turning a database failure into a {@link PicanteStoreException} that names the store, the
     * operation and the root cause, and says whether anything was written: nothing, unless the failure hit
     * the commit itself, whose outcome is then unknown ({@link CommitOutcomeUnknownException}).
     */
    <T> T write(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (CommitOutcomeUnknownException e) {
            throw new CommitOutcomeUnknownException("store '" + name + "': " + what + " failed at the commit, whose"
                    + " outcome is unknown: it may or may not have been written (" + rootCause(e) + "); the next"
                    + " write is a full save. Check that the database is reachable", e);
        } catch (DataAccessException | TransactionException e) {
            throw new PicanteStoreException("store '" + name + "': " + what + " failed, nothing was written: "
                    + rootCause(e) + " (" + e.getMessage() + "); check that the database is reachable and"
                    + " writable", e);
        }
    }

    /** As {@link #write} for a read: nothing was loaded. */
    <T> T read(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (DataAccessException | TransactionException e) {
            throw new PicanteStoreException("store '" + name + "': " + what + " failed, nothing was loaded: "
                    + rootCause(e) + " (" + e.getMessage() + "); check that the database is reachable", e);
        }
    }

    /**
     * As {@link #read} for a query of a running store that loads nothing (the health indicator's): the message says
     * what failed and why, not that nothing was loaded.
     */
    <T> T query(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (DataAccessException | TransactionException e) {
            throw new PicanteStoreException("store '" + name + "': " + what + " failed: " + rootCause(e) + " ("
                    + e.getMessage() + "); check that the database is reachable", e);
        }
    }

    /** A failure of a commit: the transaction may or may not have been committed. */
    static final class CommitOutcomeUnknownException extends PicanteStoreException {

        private static final long serialVersionUID = 1L;

        CommitOutcomeUnknownException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A transaction manager that tells a failed commit (outcome unknown) from a failure before it. */
    private static final class CommitAwareTransactionManager extends DataSourceTransactionManager {

        private static final long serialVersionUID = 1L;

        CommitAwareTransactionManager(DataSource dataSource) {
            super(dataSource);
        }

        @Override
        protected void doCommit(DefaultTransactionStatus status) {
            try {
                super.doCommit(status);
            } catch (TransactionSystemException e) {
                throw new CommitOutcomeUnknownException("the commit failed: " + rootCause(e), e);
            }
        }
    }
}
