package dev.picante.spring.data;

import static dev.picante.spring.data.DataApps.await;
import static dev.picante.spring.data.DataApps.logEntries;
import static dev.picante.spring.data.DataApps.revision;
import static dev.picante.spring.data.DataApps.tx;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.Revision;
import dev.picante.spring.jdbc.PicanteStoreException;
import dev.picante.spring.jdbc.PicanteStoreLifecycle;
import dev.picante.spring.jdbc.TestDatabases.Vendor;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Ordinary input writes ({@code set}, {@code remove}, a batch) made inside a Spring-managed transaction on the
 * shared store's {@code DataSource}: logged in that transaction as one entry (with the transaction's repository
 * writes), applied as one revision when it commits, never before (reads inside the transaction do not see
 * them), nothing on rollback; a failed append rolls the transaction back. Outside a transaction, or inside one
 * on another {@code DataSource}, a write is logged and applied at once. On H2 and PostgreSQL.
 */
class SharedInputTransactionTests {

    private final DataApps apps = new DataApps();

    /** The database, the application and its {@code Notes} of the test that called {@link #startShared}. */
    private DataSource ds;
    private ConfigurableApplicationContext context;
    private Notes app;

    /** Starts the application on a fresh database of {@code vendor} with the shared store, as instance "a". */
    private void startShared(Vendor vendor) {
        ds = DataApps.freshWithSchema(vendor);
        context = apps.startShared(WithNotes.class, ds, "a");
        app = context.getBean(Notes.class);
    }

    /**
     * Sets note "a" to "at once" in a transaction of {@code transactions} that then rolls back; returns what the
     * note read inside the transaction, after the write.
     */
    private Optional<String> writeInARolledBackTransaction(TransactionTemplate transactions) {
        AtomicReference<Optional<String>> inside = new AtomicReference<>();
        transactions.executeWithoutResult(s -> {
            app.notes.set(app.db, "a", "at once");
            inside.set(app.notes.get(app.db, "a"));
            s.setRollbackOnly();
        });
        return inside.get();
    }

    @AfterEach
    void close() {
        apps.closeAll();
    }

    /** The products application, with a plain input {@code notes} and a derived query over it. */
    @Configuration(proxyBeanMethods = false)
    @Import(DataApps.App.class)
    static class WithNotes {

        @Bean
        Notes notes(Database database) {
            return new Notes(database);
        }
    }

    static final class Notes {

        final Database db;
        final InputIngredient<String, String> notes;
        final AtomicInteger computations = new AtomicInteger();
        final DerivedIngredient<String, Integer> length;

        Notes(Database db) {
            this.db = db;
            this.notes = db.input("notes", String.class, String.class);
            this.length = db.derived("noteLength", String.class, Integer.class, (ctx, key) -> {
                computations.incrementAndGet();
                return notes.get(ctx, key).map(String::length).orElse(-1);
            });
        }
    }

    private static long products(DataSource ds) {
        Long n = new JdbcTemplate(ds).queryForObject("SELECT COUNT(*) FROM PRODUCT", Long.class);
        return n == null ? 0 : n;
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void writesInATransactionAreOneEntryAndOneRevisionAppliedWhenItCommitsAndNotVisibleBefore(Vendor vendor) {
        startShared(vendor);
        assertThat(context.getBean(PicanteStoreLifecycle.class).sharedLog()).isNotNull();
        app.notes.set(app.db, "a", "zero");
        assertThat(app.length.get(app.db, "a")).isEqualTo(4);
        long entries = logEntries(ds);
        long before = revision(context);
        AtomicReference<String> inside = new AtomicReference<>();

        tx(context).executeWithoutResult(s -> {
            Revision returned = app.notes.set(app.db, "a", "one");
            app.db.batch().set(app.notes, "b", "two").set(app.notes, "c", "three").commit();
            app.notes.remove(app.db, "c");
            // not read-your-writes: the transaction's input writes are not visible before it commits
            inside.set(returned.value() + " " + app.notes.get(app.db, "a").orElse("?") + " "
                    + app.notes.get(app.db, "b").orElse("?") + " " + app.length.get(app.db, "a") + " "
                    + logEntries(ds));
        });

        assertThat(inside.get()).isEqualTo(before + " zero ? 4 " + entries);
        assertThat(revision(context)).isEqualTo(before + 1);
        assertThat(logEntries(ds)).isEqualTo(entries + 1);
        assertThat(app.notes.get(app.db, "a")).contains("one");
        assertThat(app.notes.get(app.db, "b")).contains("two");
        assertThat(app.notes.get(app.db, "c")).isEmpty(); // set, then removed, in the same transaction
        assertThat(app.length.get(app.db, "a")).isEqualTo(3);
        assertThat(app.computations).hasValue(2);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aRolledBackTransactionLogsAndAppliesNothing(Vendor vendor) {
        startShared(vendor);
        app.notes.set(app.db, "a", "kept");
        long entries = logEntries(ds);
        long before = revision(context);

        tx(context).executeWithoutResult(s -> {
            app.notes.set(app.db, "a", "rolled back");
            s.setRollbackOnly();
        });
        assertThatThrownBy(() -> tx(context).executeWithoutResult(s -> {
            app.notes.set(app.db, "a", "thrown away");
            throw new IllegalStateException("the service failed");
        })).hasMessage("the service failed");

        assertThat(app.notes.get(app.db, "a")).contains("kept");
        assertThat(revision(context)).isEqualTo(before);
        assertThat(logEntries(ds)).isEqualTo(entries);
        // outside a transaction: logged and applied before the write returns
        assertThat(app.notes.set(app.db, "a", "now").value()).isEqualTo(before + 1);
        assertThat(logEntries(ds)).isEqualTo(entries + 1);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void inputAndRepositoryWritesOfOneTransactionAreOneEntry(Vendor vendor) {
        startShared(vendor);
        ProductRepository repository = context.getBean(ProductRepository.class);
        Catalog catalog = context.getBean(Catalog.class);
        assertThat(catalog.categoryTotal("books")).isZero();
        long entries = logEntries(ds);
        long before = revision(context);

        tx(context).executeWithoutResult(s -> {
            app.notes.set(app.db, "dune", "a classic");
            repository.save(Product.of("Dune", "books", 10));
        });

        assertThat(logEntries(ds)).isEqualTo(entries + 1);
        assertThat(revision(context)).isEqualTo(before + 1);
        assertThat(app.notes.get(app.db, "dune")).contains("a classic");
        assertThat(catalog.categoryTotal("books")).isEqualTo(10);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aFailedLogAppendRollsTheTransactionBack(Vendor vendor) {
        startShared(vendor);
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        long before = revision(context);
        jdbc.execute("ALTER TABLE PICANTE_SHARED_LOG RENAME TO PICANTE_SHARED_LOG_AWAY");
        try {
            assertThatThrownBy(() -> tx(context).executeWithoutResult(s -> {
                new JdbcTemplate(ds).update("INSERT INTO PRODUCT (NAME, CATEGORY, PRICE) VALUES ('Emma', 'books', 7)");
                app.notes.set(app.db, "emma", "in the same transaction");
            })).isInstanceOf(PicanteStoreException.class)
                    .hasMessageStartingWith("store 'picante': the shared change log refused the write:");
        } finally {
            jdbc.execute("ALTER TABLE PICANTE_SHARED_LOG_AWAY RENAME TO PICANTE_SHARED_LOG");
        }
        assertThat(products(ds)).isZero(); // the row rolled back with the entry
        assertThat(app.notes.get(app.db, "emma")).isEmpty();
        assertThat(revision(context)).isEqualTo(before);

        tx(context).executeWithoutResult(s -> app.notes.set(app.db, "emma", "again")); // the log works again
        assertThat(app.notes.get(app.db, "emma")).contains("again");
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aTransactionOnAnotherDataSourceDoesNotHoldTheWrite(Vendor vendor) {
        startShared(vendor);
        DataSource other = Vendor.H2.fresh();
        TransactionTemplate otherTx = new TransactionTemplate(new DataSourceTransactionManager(other));
        long entries = logEntries(ds);
        long before = revision(context);

        Optional<String> inside = writeInARolledBackTransaction(otherTx);

        // logged and applied when written, as outside any transaction; the other transaction's rollback is not
        // the store's
        assertThat(inside).contains("at once");
        assertThat(app.notes.get(app.db, "a")).contains("at once");
        assertThat(revision(context)).isEqualTo(before + 1);
        assertThat(logEntries(ds)).isEqualTo(entries + 1);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aWriteInAReadOnlyTransactionIsRefused(Vendor vendor) {
        startShared(vendor);
        TransactionTemplate readOnly = tx(context);
        readOnly.setReadOnly(true);

        assertThatThrownBy(() -> readOnly.executeWithoutResult(s -> app.notes.set(app.db, "a", "no")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("picante store 'picante': an input write inside a read-only transaction on the store's"
                        + " DataSource cannot be logged with it; write outside it, or in a transaction that is not"
                        + " read-only");
        assertThat(app.notes.get(app.db, "a")).isEmpty();
    }

    @Test
    void theOtherInstanceSeesTheWritesOfATransactionOnlyAfterItCommits() throws Exception {
        DataSource shared = DataApps.freshWithSchema(Vendor.POSTGRESQL);
        ConfigurableApplicationContext a = apps.startShared(WithNotes.class, shared, "a");
        ConfigurableApplicationContext b = apps.startShared(WithNotes.class, shared, "b");
        Notes appA = a.getBean(Notes.class);
        Notes appB = b.getBean(Notes.class);
        AtomicReference<Optional<String>> onBInside = new AtomicReference<>();

        tx(a).executeWithoutResult(s -> {
            appA.notes.set(appA.db, "shared", "committed");
            try {
                Thread.sleep(500); // b polls every 100 ms
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            onBInside.set(appB.notes.get(appB.db, "shared"));
        });

        assertThat(onBInside.get()).isEmpty();
        await(() -> appB.notes.get(appB.db, "shared").equals(Optional.of("committed")));
        assertThat(appB.length.get(appB.db, "shared")).isEqualTo(9);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void withAnUnsharedStoreAWriteInATransactionIsAppliedAndAppendedAtOnce(Vendor vendor) {
        ds = DataApps.freshWithSchema(vendor);
        context = apps.start(WithNotes.class, ds, "picante.store.shared=false", "picante.store.save-on-shutdown=false");
        assertThat(context.getBean(PicanteStoreLifecycle.class).sharedLog()).isNull();
        app = context.getBean(Notes.class);
        long before = revision(context);

        Optional<String> inside = writeInARolledBackTransaction(tx(context));

        // the unshared store's log is this instance's own: the write was appended in a transaction of the store's
        assertThat(inside).contains("at once");
        assertThat(app.notes.get(app.db, "a")).contains("at once");
        assertThat(revision(context)).isEqualTo(before + 1);
        apps.closeAll(); // no save on shutdown: a restart reads the write from the store's log
        ConfigurableApplicationContext restarted = apps.start(WithNotes.class, ds, "picante.store.shared=false",
                "picante.store.save-on-shutdown=false");
        Notes again = restarted.getBean(Notes.class);
        assertThat(again.notes.get(again.db, "a")).contains("at once");
    }
}
