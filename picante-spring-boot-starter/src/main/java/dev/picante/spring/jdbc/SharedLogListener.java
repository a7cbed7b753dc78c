package dev.picante.spring.jdbc;

import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The thread that applies other instances' entries of a {@link SharedChangeLog}: on PostgreSQL it holds a
 * connection of its own that {@code LISTEN}s to {@link SharedChangeLog#CHANNEL} and waits for notifications
 * up to the poll interval; elsewhere, or while that connection is broken, it polls at the poll interval.
 * Either way it reads the log's head after each wake-up and applies what is new, and sends this instance's
 * heartbeat about every second. Failures are logged and retried.
 */
final class SharedLogListener implements Runnable {

    private static final Log logger = LogFactory.getLog(SharedLogListener.class);
    private static final long HEARTBEAT_MILLIS = 1_000;

    private final SharedChangeLog log;
    private final long pollMillis;
    private final boolean listen;
    private volatile boolean running = true;
    private final Thread thread;
    private @Nullable Connection connection;
    private @Nullable Method getNotifications;
    private long lastHeartbeat = System.nanoTime();

    SharedLogListener(SharedChangeLog log, Duration pollInterval, boolean listen) {
        this.log = log;
        this.pollMillis = Math.max(1, pollInterval.toMillis());
        this.listen = listen;
        this.thread = new Thread(this, "picante-shared-log-" + log.name());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * Stops the thread and waits for it (up to 10 s). It is woken from a wait between reads, never interrupted while
     * it reads or applies the log (an interrupt inside a JDBC call can close an H2 file's channel under the store);
     * only a thread still running after 10 s is interrupted.
     */
    void stop() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
            if (thread.isAlive()) {
                logger.warn("picante store '" + log.name() + "': the shared log's reader still runs after 10 s;"
                        + " interrupting it");
                thread.interrupt();
                thread.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        while (running) {
            try {
                waitForNews();
                if (!running) {
                    break;
                }
                log.catchUp();
                if (System.nanoTime() - lastHeartbeat > HEARTBEAT_MILLIS * 1_000_000) {
                    log.heartbeat();
                    lastHeartbeat = System.nanoTime();
                }
            } catch (RuntimeException e) {
                if (running) {
                    logger.warn("picante store '" + log.name() + "': applying the shared log failed; retrying", e);
                    pause(pollMillis);
                }
            }
        }
        closeConnection();
    }

    /** Waits for a notification (PostgreSQL) or the poll interval. */
    private void waitForNews() {
        if (listen) {
            try {
                // returns on a notification or after the poll interval: either way the log is read next
                waitForNotifications(listening());
                return;
            } catch (SQLException | ReflectiveOperationException | RuntimeException e) {
                if (running) {
                    logger.debug("picante store '" + log.name() + "': LISTEN connection failed; polling", e);
                }
                closeConnection();
            }
        }
        pause(pollMillis);
    }

    private void waitForNotifications(Connection c) throws SQLException, ReflectiveOperationException {
        Method method = getNotifications;
        if (method == null) {
            Class<?> pg = Class.forName("org.postgresql.PGConnection", false, c.getClass().getClassLoader());
            method = pg.getMethod("getNotifications", int.class);
            getNotifications = method;
        }
        Object pgConnection = c.unwrap(method.getDeclaringClass());
        method.invoke(pgConnection, (int) Math.min(Integer.MAX_VALUE, pollMillis));
    }

    private Connection listening() throws SQLException {
        Connection c = connection;
        if (c == null) {
            c = log.dataSource().getConnection();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                s.execute("LISTEN " + SharedChangeLog.CHANNEL);
            }
            connection = c;
        }
        return c;
    }

    private void closeConnection() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // nothing to do
            }
        }
    }

    /** Waits {@code millis}, or until {@link #stop} wakes the thread (a park: no interrupt is involved). */
    private void pause(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        long left;
        while (running && (left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(this, left);
        }
    }
}
