package dev.picante.spring.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.h2.command.CommandInterface;
import org.h2.engine.Session;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.jspecify.annotations.Nullable;

/**
 * Reads the state of an H2 file database's file and has H2 compact it when the database closes. Loaded only once
 * the database is known to be H2 (the H2 driver is then on the class path); beyond SQL it uses one public method
 * of H2's engine (H2 2.x), reached from the connection: a driver without it makes the compaction report itself
 * skipped, never fail.
 *
 * <p>The compaction is H2's {@code SHUTDOWN COMPACT}: when the database closes (its last connection closed, as a
 * pool's at the end of the application; or its JVM shutdown hook), H2 writes the live pages into a new,
 * compressed file next to it and puts it in place of the old one with an atomic rename. It runs after every
 * session is gone, so never under the application's transactions; a crash during it leaves the old file, closed
 * cleanly before the copy began (H2 deletes the partial copy when it next opens the database). Scheduling it
 * does not change anything before the close: an explicit {@code SHUTDOWN} (without {@code COMPACT}) replaces it.
 */
final class H2Files {

    private H2Files() {
    }

    /** The file's state, or null if the database has no file (an in-memory database). */
    static @Nullable H2FileStatus status(Connection connection) throws SQLException {
        long bytes = -1;
        int fillRate = -1;
        int chunksFillRate = -1;
        int settledChunksFillRate = -1;
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT SETTING_NAME,"
                + " SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME IN ('info.FILE_SIZE',"
                + " 'info.FILL_RATE', 'info.CHUNKS_FILL_RATE', 'info.CHUNKS_FILL_RATE_RW')")) {
            while (rs.next()) {
                String value = String.valueOf(rs.getString(2)).trim();
                try {
                    switch (rs.getString(1)) {
                        case "info.FILE_SIZE" -> bytes = Long.parseLong(value);
                        case "info.FILL_RATE" -> fillRate = Integer.parseInt(value);
                        case "info.CHUNKS_FILL_RATE" -> chunksFillRate = Integer.parseInt(value);
                        case "info.CHUNKS_FILL_RATE_RW" -> settledChunksFillRate = Integer.parseInt(value);
                        default -> {
                        }
                    }
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        if (bytes < 0 || fillRate < 0) {
            return null;
        }
        int chunks = chunksFillRate < 0 ? 100 : chunksFillRate;
        return new H2FileStatus(bytes, fillRate, chunks, settledChunksFillRate < 0 ? chunks : settledChunksFillRate);
    }

    /**
     * Has H2 compact the file when the database closes ({@code SHUTDOWN COMPACT}'s mode); returns why it could
     * not, or null.
     */
    static @Nullable String compactAtClose(Connection connection) {
        try {
            return Engine.compactAtClose(connection);
        } catch (LinkageError e) {
            return "this H2 version does not offer it (" + e + ")";
        }
    }

    /** What reaches H2's engine: a class of its own, so that a driver without these classes fails only here. */
    private static final class Engine {

        private Engine() {
        }

        static @Nullable String compactAtClose(Connection connection) {
            Session session;
            try {
                session = connection.unwrap(JdbcConnection.class).getSession();
            } catch (SQLException | RuntimeException e) {
                return "the H2 engine cannot be reached from the connection (" + e + ")";
            }
            if (!(session instanceof SessionLocal local)) {
                return "the database runs in another process (a server connection): run SHUTDOWN COMPACT there";
            }
            local.getDatabase().setCompactMode(CommandInterface.SHUTDOWN_COMPACT);
            return null;
        }
    }
}
