package dev.picante.spring.jdbc;

import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
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

    /** Stops the thread and waits for it (up to 10 s). */
    void stop() {
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
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
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                if (running) {
                    logger.warn("picante store '" + log.name() + "': applying the shared log failed; retrying", e);
                    sleepQuietly(pollMillis);
                }
            }
        }
        closeConnection();
    }

    /** Waits for a notification (PostgreSQL) or the poll interval. */
    private void waitForNews() throws InterruptedException {
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
        Thread.sleep(pollMillis);
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

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
