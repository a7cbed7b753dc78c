package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Database;
import dev.picante.InputIngredient;
import dev.picante.spring.jdbc.JdbcStateStoreTests.App;
import dev.picante.spring.jdbc.TestDatabases.Vendor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * One writer per unshared store (its lease and fencing generation), input writes appended before they
 * return, and failure messages that name the store, the operation and the root cause (issue 14).
 */
@ExtendWith(OutputCaptureExtension.class)
class StoreWriterLeaseTests {

    private static App populated() {
        App app = new App();
        app.pages.set(app.db, "a", "hello");
        app.pages.set(app.db, "b", "incremental");
        app.config.set(app.db, "scale", 2);
        assertThat(app.total.get(app.db, "t")).isEqualTo(32);
        return app;
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aSecondUnsharedInstanceFailsAtStartupAndATakenOverOneIsRefused(Vendor vendor) {
        DataSource ds = vendor.fresh();
        JdbcStateStore first = JdbcStateStore.builder(ds).build();
        first.acquireLease("first-instance", false);
        App one = populated();
        first.save(one.db);

        JdbcStateStore second = JdbcStateStore.builder(ds).build();
        assertThatThrownBy(() -> second.acquireLease("second-instance", false))
                .isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("store 'picante'").hasMessageContaining("'first-instance'")
                .hasMessageContaining("picante.store.shared=true").hasMessageContaining("picante.store.take-over=true");
        assertThat(second.status().failure()).contains("first-instance");

        // A store without the lease does not write beside the holder either.
        JdbcStateStore plain = JdbcStateStore.builder(ds).build();
        assertThatThrownBy(() -> plain.save(populated().db)).isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("save refused").hasMessageContaining("'first-instance'");

        // Taking over: the generation rises and the first instance's writes are refused, never merged.
        second.acquireLease("second-instance", true);
        assertThat(second.leaseGeneration()).isEqualTo(first.leaseGeneration() + 1);
        App two = new App();
        second.load(two.db);
        two.pages.set(two.db, "a", "second's");
        assertThat(second.append(two.db)).isTrue();

        one.pages.set(one.db, "a", "first's");
        assertThatThrownBy(() -> first.append(one.db)).isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("append refused").hasMessageContaining("taken over")
                .hasMessageContaining("second-instance");
        assertThatThrownBy(() -> first.save(one.db)).isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("save refused");
        assertThat(first.status().failedOperation()).isEqualTo("save");

        App restarted = new App();
        JdbcStateStore.builder(ds).build().load(restarted.db);
        assertThat(restarted.pages.get(restarted.db, "a")).contains("second's");

        // Released at a clean stop: the next instance takes it without taking over.
        long generation = second.leaseGeneration();
        second.releaseLease();
        assertThat(second.leaseGeneration()).isZero();
        JdbcStateStore third = JdbcStateStore.builder(ds).build();
        third.acquireLease("third-instance", false);
        assertThat(third.leaseGeneration()).isEqualTo(generation + 1);
        third.releaseLease();
    }

    @Test
    void aHolderKilledOnThisHostIsNamedAsGoneWhetherOrNotItsLeaseTimedOut(CapturedOutput output) throws Exception {
        DataSource ds = TestDatabases.Vendor.H2.fresh();
        JdbcStateStore killed = JdbcStateStore.builder(ds).build();
        killed.acquireLease("killed-instance", false);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        // As a kill leaves it: the row names a process of this host that no longer runs, renewed long ago.
        jdbc.update("UPDATE PICANTE_LEASE SET OWNER_PID = ?, RENEWED_AT = ?", gone.pid(),
                java.sql.Timestamp.from(java.time.Instant.now().minus(java.time.Duration.ofHours(1))));

        JdbcStateStore next = JdbcStateStore.builder(ds).build();
        next.acquireLease("next-instance", false);

        assertThat(next.leaseGeneration()).isEqualTo(killed.leaseGeneration() + 1);
        assertThat(output.getOut()).contains("taking the lease of instance 'killed-instance': its process "
                + gone.pid() + " on this host is gone").doesNotContain("not renewed since");
        next.releaseLease();
    }

    @Test
    void twoUnsharedWritersWithoutLeasesAreNeverMerged() {
        // issue 14: each loaded the same save, then each appended
        DataSource ds = Vendor.H2.fresh();
        JdbcStateStore.builder(ds).build().save(populated().db);
        JdbcStateStore one = JdbcStateStore.builder(ds).build();
        JdbcStateStore two = JdbcStateStore.builder(ds).build();
        App a = new App();
        App b = new App();
        one.load(a.db);
        two.load(b.db);
        a.pages.set(a.db, "a", "from one");
        assertThat(one.append(a.db)).isTrue();
        b.pages.set(b.db, "b", "from two");
        assertThatThrownBy(() -> two.append(b.db)).isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("append refused").hasMessageContaining("another writer appended");

        App loaded = new App();
        JdbcStateStore.builder(ds).build().load(loaded.db);
        assertThat(loaded.pages.get(loaded.db, "a")).contains("from one");
        assertThat(loaded.pages.get(loaded.db, "b")).as("not merged in").contains("incremental");
    }

    @Test
    void anUnreachablePostgresqlIsReportedWithItsRootCause() {
        PGSimpleDataSource down = new PGSimpleDataSource();
        down.setServerNames(new String[] {"127.0.0.1"});
        down.setPortNumbers(new int[] {1});
        down.setDatabaseName("nowhere");
        down.setConnectTimeout(2);
        JdbcStateStore store = JdbcStateStore.builder(down).initializeSchema(false).build();
        App app = new App();
        assertThatThrownBy(() -> store.load(app.db)).isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("store 'picante'").hasMessageContaining("load failed")
                .hasMessageContaining("Connection refused");
        assertThat(store.status().failedOperation()).isEqualTo("load");
        assertThat(store.status().failure()).startsWith("store 'picante': load failed")
                .contains("Connection refused");
        assertThatThrownBy(() -> store.save(populated().db)).isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("save failed").hasMessageContaining("Connection refused");
        assertThat(store.status().failure()).contains("save failed").contains("Connection refused");
        assertThat(app.db.revision().value()).isZero();
    }

    @Test
    void anUnreachableH2ServerIsReportedWithItsRootCause() {
        JdbcDataSource down = new JdbcDataSource();
        down.setURL("jdbc:h2:tcp://127.0.0.1:1/nowhere");
        JdbcStateStore store = JdbcStateStore.builder(down).initializeSchema(false).build();
        assertThatThrownBy(() -> store.append(populated().db)).isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("store 'picante'").hasMessageContaining("Connection refused");
        assertThat(store.status().failure()).contains("Connection refused");
        // the health indicator's query of a running store (storedLogEntries): not worded as a failed load
        assertThatThrownBy(store::logSize).isInstanceOf(PicanteStoreException.class)
                .hasMessageStartingWith("store 'picante': count the log failed: ")
                .hasMessageContaining("Connection refused").hasMessageNotContaining("nothing was loaded");
    }

    /** A data source whose commits go through and then fail, while {@code failing} is set. */
    private static DataSource failingCommits(DataSource target, AtomicBoolean failing) {
        return new DelegatingDataSource(target) {
            @Override
            public Connection getConnection() throws SQLException {
                Connection c = super.getConnection();
                return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                        new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                            try {
                                Object result = method.invoke(c, args);
                                if (method.getName().equals("commit") && failing.get()) {
                                    throw new SQLException("I/O error: the connection was reset after the commit");
                                }
                                return result;
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            }
        };
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aCommitWhoseOutcomeIsUnknownSaysSo(Vendor vendor) {
        DataSource target = vendor.fresh();
        AtomicBoolean failing = new AtomicBoolean();
        JdbcStateStore store = JdbcStateStore.builder(failingCommits(target, failing)).build();
        App app = populated();
        store.save(app.db);
        app.pages.set(app.db, "a", "went through");
        failing.set(true);
        assertThatThrownBy(() -> store.append(app.db)).isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("store 'picante'").hasMessageContaining("append")
                .hasMessageContaining("outcome is unknown")
                .hasMessageContaining("the connection was reset after the commit")
                .message().doesNotContain("nothing was written");
        assertThat(store.status().failure()).contains("outcome is unknown");

        App restarted = new App();
        JdbcStateStore.builder(target).build().load(restarted.db);
        assertThat(restarted.pages.get(restarted.db, "a")).as("it did commit").contains("went through");

        // The next write does not trust what it cannot know: a full save.
        failing.set(false);
        app.pages.set(app.db, "b", "after");
        assertThat(store.append(app.db)).isTrue();
        assertThat(store.logSize()).isZero();
        App again = new App();
        JdbcStateStore.builder(target).build().load(again.db);
        assertThat(again.pages.get(again.db, "b")).contains("after");
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void inputWritesAreAppendedBeforeTheyReturn(Vendor vendor) {
        // issue 13 item 5: synchronous append mode
        DataSource ds = vendor.fresh();
        JdbcStateStore store = JdbcStateStore.builder(ds).compactionThreshold(2).build();
        AtomicReference<Database> holder = new AtomicReference<>();
        Database db = Database.builder().inputChangeLog(purpose -> store.inputChangeLog(holder.get()).open(purpose)).build();
        holder.set(db);
        InputIngredient<String, String> pages = db.input("pages", String.class, String.class);
        store.load(db);
        for (int i = 0; i < 12; i++) {
            pages.set(db, "p" + i, "v" + i);
            // Nothing else is called: another process loading now sees the write.
            Database other = Database.create();
            InputIngredient<String, String> otherPages = other.input("pages", String.class, String.class);
            JdbcStateStore.builder(ds).build().load(other);
            for (int j = 0; j <= i; j++) {
                assertThat(otherPages.get(other, "p" + j)).as("p%d after write %d", j, i).contains("v" + j);
            }
            assertThat(other.revision()).isEqualTo(db.revision());
        }
        var batch = db.batch();
        batch.set(pages, "p0", "changed");
        batch.remove(pages, "p1");
        batch.commit();
        Database other = Database.create();
        InputIngredient<String, String> otherPages = other.input("pages", String.class, String.class);
        JdbcStateStore.builder(ds).build().load(other);
        assertThat(otherPages.get(other, "p0")).contains("changed");
        assertThat(otherPages.get(other, "p1")).isEmpty();
        assertThat(store.logSize()).as("compacted at four times the threshold, without a periodic append")
                .isLessThanOrEqualTo(9);
    }

    @Test
    void aFailedSyncAppendFailsTheWriteAndChangesNothing() {
        DataSource target = Vendor.H2.fresh();
        AtomicBoolean down = new AtomicBoolean();
        DataSource ds = new DelegatingDataSource(target) {
            @Override
            public Connection getConnection() throws SQLException {
                if (down.get()) {
                    throw new SQLException("Connection refused (test)");
                }
                return super.getConnection();
            }
        };
        JdbcStateStore store = JdbcStateStore.builder(ds).build();
        AtomicReference<Database> holder = new AtomicReference<>();
        Database db = Database.builder().inputChangeLog(purpose -> store.inputChangeLog(holder.get()).open(purpose)).build();
        holder.set(db);
        InputIngredient<String, String> pages = db.input("pages", String.class, String.class);
        store.load(db);
        pages.set(db, "a", "kept");
        down.set(true);
        assertThatThrownBy(() -> pages.set(db, "a", "lost")).isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("append failed, nothing was written")
                .hasMessageContaining("Connection refused (test)");
        assertThat(pages.get(db, "a")).contains("kept");
        assertThat(store.status().failure()).contains("Connection refused (test)");
        down.set(false);
        pages.set(db, "a", "later");
        Database other = Database.create();
        InputIngredient<String, String> otherPages = other.input("pages", String.class, String.class);
        JdbcStateStore.builder(target).build().load(other);
        assertThat(otherPages.get(other, "a")).contains("later");
        assertThat(new JdbcTemplate(target).queryForObject("SELECT COUNT(*) FROM PICANTE_METADATA", Integer.class))
                .isOne();
    }
}
