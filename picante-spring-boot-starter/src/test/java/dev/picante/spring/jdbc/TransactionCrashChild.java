package dev.picante.spring.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The child JVM of {@link SharedTransactionCrashTests}: one instance of a shared store that, in one Spring
 * transaction on the store's {@code DataSource}, inserts a row into {@code ORDERS} and sets the input
 * {@code pages} at the order's key, then stops at a known point of the commit and waits to be killed: after
 * the log entry was appended but before the commit ({@code before-commit}, from {@code beforeCompletion}), or
 * after the commit but before this instance applied the entry ({@code after-commit}, from {@code afterCommit},
 * which runs before any {@code afterCompletion}). It prints {@code ready}, then {@code appended} or
 * {@code committed <whether the page is visible here> <revision>}.
 */
public final class TransactionCrashChild {

    private TransactionCrashChild() {
    }

    /**
     * Runs as instance {@code args[1]} against the JDBC URL {@code args[0]} (PostgreSQL, or an H2 server),
     * stopping at {@code args[2]} ({@code before-commit} or {@code after-commit}) for the order
     * {@code args[3]}.
     */
    public static void main(String[] args) throws InterruptedException {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(args[0]);
        ds.setUsername(args[0].startsWith("jdbc:h2:") ? "sa" : "postgres");
        ds.setMaximumPoolSize(4);
        SharedStoreTests.Ingredients app = SharedChild.instance(ds, args[1]);
        boolean afterCommit = args[2].equals("after-commit");
        int order = Integer.parseInt(args[3]);
        String key = "order-" + order;
        System.out.println("ready " + app.db.revision().value());
        System.out.flush();
        new TransactionTemplate(new DataSourceTransactionManager(ds)).executeWithoutResult(status -> {
            new JdbcTemplate(ds).update("INSERT INTO ORDERS (ID) VALUES (?)", order);
            app.pages.set(app.db, key, "placed");
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void beforeCompletion() {
                    if (!afterCommit) {
                        stop("appended");
                    }
                }

                @Override
                public void afterCommit() {
                    stop("committed " + app.pages.get(app.db, key).isPresent() + " " + app.db.revision().value());
                }
            });
        });
        System.out.println("returned"); // never: the test kills this JVM first
        System.out.flush();
    }

    private static void stop(String marker) {
        System.out.println(marker);
        System.out.flush();
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // waiting for SIGKILL
            }
        }
    }
}
