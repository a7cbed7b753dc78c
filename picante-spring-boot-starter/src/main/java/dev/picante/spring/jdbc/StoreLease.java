package dev.picante.spring.jdbc;

import java.io.IOException;
import java.net.InetAddress;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DuplicateKeyException;

/**
 * The lease of an unshared store ({@code PICANTE_LEASE}): at most one instance writes a store name unless
 * the store is shared. Acquiring raises the row's fencing generation; every save and append of the holder
 * renews the row in its own transaction on the condition that the generation is still its own, so a writer
 * whose lease was taken over is refused, never merged.
 *
 * <p>A lease is free when no row exists, when it was released (a clean stop), when it was not renewed within
 * the timeout, or when its holder ran on this host in a process that is gone (a crash or a kill). Otherwise
 * acquiring fails, naming the holder, unless taking over is asked for.
 */
final class StoreLease {

    private static final Log logger = LogFactory.getLog(StoreLease.class);

    /** Owner ids holding a lease in this JVM: a holder with this host and process id but not listed is gone. */
    private static final Set<String> LIVE_OWNERS = ConcurrentHashMap.newKeySet();

    static final String HOST = host();
    static final long PID = ProcessHandle.current().pid();

    private final StoreContext ctx;

    private volatile @Nullable String owner;
    private volatile long generation;

    StoreLease(StoreContext ctx) {
        this.ctx = ctx;
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Returns whether this store holds the lease. */
    boolean held() {
        return owner != null;
    }

    /** Returns the generation this store holds, or 0. */
    long generation() {
        return generation;
    }

    private record Row(@Nullable String owner, @Nullable String host, long pid, long generation, Instant renewedAt) {
    }

    private @Nullable Row lockRow() {
        List<Row> rows = ctx.jdbc.query("SELECT OWNER_ID, OWNER_HOST, OWNER_PID, GENERATION, RENEWED_AT FROM"
                + " PICANTE_LEASE WHERE STORE_NAME = ? FOR UPDATE", (rs, n) -> new Row(rs.getString(1),
                        rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getTimestamp(5).toInstant()), ctx.name);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /**
     * Takes the lease as {@code ownerId}.
     *
     * @param takeOver whether to take it from a live holder
     * @param timeout how long a holder that renews nothing keeps it
     * @throws PicanteStoreException naming the holder and the ways out if another live instance holds it
     */
    void acquire(String ownerId, boolean takeOver, Duration timeout) {
        ctx.write("take the lease", () -> {
            try {
                ctx.jdbc.update("INSERT INTO PICANTE_LEASE (STORE_NAME, OWNER_ID, OWNER_HOST, OWNER_PID, GENERATION,"
                    + " ACQUIRED_AT, RENEWED_AT) SELECT ?, NULL, NULL, NULL, 0, ?, ? WHERE NOT EXISTS (SELECT 1"
                    + " FROM PICANTE_LEASE WHERE STORE_NAME = ?)", ctx.name, now(), now(), ctx.name);
            } catch (DuplicateKeyException e) {
                // another instance made the row meanwhile
            }
            return null;
        });
        long taken = ctx.write("take the lease", () -> {
            Long g = ctx.writeTx.execute(status -> {
                Row row = lockRow();
                if (row == null) {
                    throw new PicanteStoreException("store '" + ctx.name + "': its lease row is missing");
                }
                String reason = free(row, timeout);
                if (reason == null && !takeOver) {
                    throw new PicanteStoreException("store '" + ctx.name + "' is written by instance '" + row.owner()
                            + "' (host " + row.host() + ", process " + row.pid() + ", lease generation "
                            + row.generation() + ", renewed at " + row.renewedAt() + "); two unshared instances"
                            + " must not write one store. Share it between them (picante.store.shared=true), give"
                            + " this one another store name (picante.store.name), or, if that instance is gone,"
                            + " take the store over (picante.store.take-over=true)");
                }
                if (reason == null) {
                    logger.warn("picante store '" + ctx.name + "': taking the store over from instance '"
                            + row.owner() + "' (picante.store.take-over=true); its later writes are refused");
                } else if (row.owner() != null) {
                    logger.info("picante store '" + ctx.name + "': taking the lease of instance '" + row.owner()
                            + "': " + reason);
                }
                long next = row.generation() + 1;
                ctx.jdbc.update("UPDATE PICANTE_LEASE SET OWNER_ID = ?, OWNER_HOST = ?, OWNER_PID = ?, GENERATION"
                        + " = ?, ACQUIRED_AT = ?, RENEWED_AT = ? WHERE STORE_NAME = ?", ownerId, HOST, PID, next,
                        now(), now(), ctx.name);
                return next;
            });
            return g == null ? 0L : g;
        });
        owner = ownerId;
        generation = taken;
        LIVE_OWNERS.add(ownerId);
    }

    /** Returns why a lease is free to take, or null if a live instance holds it. */
    private @Nullable String free(Row row, Duration timeout) {
        if (row.owner() == null) {
            return "released";
        }
        // The holder's process first: after a crash or a kill that is the reason, even once the timeout passed.
        if (HOST.equals(row.host())) {
            if (row.pid() != PID && ProcessHandle.of(row.pid()).map(p -> !p.isAlive()).orElse(true)) {
                return "its process " + row.pid() + " on this host is gone";
            }
            if (row.pid() == PID && !LIVE_OWNERS.contains(row.owner())) {
                return "it ran in an earlier process with this process id";
            }
        }
        if (row.renewedAt().plus(timeout).isBefore(Instant.now())) {
            return "not renewed since " + row.renewedAt() + " (timeout " + timeout + ")";
        }
        return null;
    }

    /**
     * Within a write transaction: renews the lease if this store holds it, refusing the write if it was taken
     * over; without a lease, refuses the write if a live instance holds the store.
     */
    void checkWrite(String operation, Duration timeout) {
        String me = owner;
        if (me != null) {
            int renewed = ctx.jdbc.update("UPDATE PICANTE_LEASE SET RENEWED_AT = ? WHERE STORE_NAME = ? AND"
                    + " GENERATION = ? AND OWNER_ID = ?", now(), ctx.name, generation, me);
            if (renewed == 0) {
                throw new PicanteStoreException("store '" + ctx.name + "': " + operation + " refused: instance '"
                        + me + "' held the store's lease at generation " + generation + ", but it was taken over"
                        + " since (" + holder() + "); nothing was written. Restart this instance to load what the"
                        + " other one wrote");
            }
            return;
        }
        List<Row> rows = ctx.jdbc.query("SELECT OWNER_ID, OWNER_HOST, OWNER_PID, GENERATION, RENEWED_AT FROM"
                + " PICANTE_LEASE WHERE STORE_NAME = ?", (rs, n) -> new Row(rs.getString(1), rs.getString(2),
                        rs.getLong(3), rs.getLong(4), rs.getTimestamp(5).toInstant()), ctx.name);
        if (!rows.isEmpty() && free(rows.get(0), timeout) == null) {
            Row row = rows.get(0);
            throw new PicanteStoreException("store '" + ctx.name + "': " + operation + " refused: instance '"
                    + row.owner() + "' holds the store's lease (generation " + row.generation() + "); nothing was"
                    + " written");
        }
    }

    private String holder() {
        try {
            List<String> rows = ctx.jdbc.query("SELECT OWNER_ID, GENERATION FROM PICANTE_LEASE WHERE STORE_NAME = ?",
                    (rs, n) -> "now instance '" + rs.getString(1) + "' at generation " + rs.getLong(2), ctx.name);
            return rows.isEmpty() ? "the lease row is gone" : rows.get(0);
        } catch (RuntimeException e) {
            return "holder unknown";
        }
    }

    /** Renews the lease in a transaction of its own; throws as {@link #checkWrite} when it was taken over. */
    void renew(Duration timeout) {
        if (owner == null) {
            return;
        }
        ctx.write("renew the lease", () -> {
            ctx.writeTx.executeWithoutResult(status -> checkWrite("renewing the lease", timeout));
            return Boolean.TRUE;
        });
    }

    /** Releases the lease, if this store holds it and still owns it. */
    void release() {
        String me = owner;
        if (me == null) {
            return;
        }
        owner = null;
        LIVE_OWNERS.remove(me);
        try {
            ctx.jdbc.update("UPDATE PICANTE_LEASE SET OWNER_ID = NULL, OWNER_HOST = NULL, OWNER_PID = NULL,"
                    + " RENEWED_AT = ? WHERE STORE_NAME = ? AND GENERATION = ? AND OWNER_ID = ?", now(), ctx.name,
                    generation, me);
        } catch (RuntimeException e) {
            logger.warn("picante store '" + ctx.name + "': could not release the lease: "
                    + StoreContext.rootCause(e));
        }
    }

    private static Timestamp now() {
        return Timestamp.from(Instant.now());
    }
}
