package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Database;
import dev.picante.InputIngredient;
import dev.picante.spring.jdbc.JdbcStateStoreTests.App;
import dev.picante.spring.jdbc.TestDatabases.Vendor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Every stored byte is checked (issue 14): a garbled log value, a log gap, a deleted chunk, a deleted input
 * section and a deleted derived section, each under FAIL, IGNORE and DELETE, on H2 and PostgreSQL. Under FAIL
 * the load fails naming the store and what is wrong, and leaves the database untouched; under IGNORE and
 * DELETE it reports what it left out and every value served equals a computation from the inputs loaded;
 * DELETE also removes it, so the next load is clean (r[store.corrupt]).
 */
class StoreIntegrityTests {

    private static JdbcStateStore store(DataSource ds, CorruptionPolicy policy) {
        return JdbcStateStore.builder(ds).corruptionPolicy(policy).build();
    }

    /** A saved state and three log entries setting page "a" to "one", "two", "three". */
    private static App savedWithLog(DataSource ds) {
        App app = new App();
        app.pages.set(app.db, "a", "hello");
        app.pages.set(app.db, "b", "incremental");
        app.config.set(app.db, "scale", 2);
        assertThat(app.total.get(app.db, "t")).isEqualTo(32);
        JdbcStateStore store = JdbcStateStore.builder(ds).build();
        store.save(app.db);
        for (String value : List.of("one", "two", "three")) {
            app.pages.set(app.db, "a", value);
            assertThat(app.total.get(app.db, "t")).isEqualTo(2 * (value.length() + 11));
            assertThat(store.append(app.db)).isTrue();
        }
        return app;
    }

    /** Asserts that nothing was imported: revision 0, no input, nothing computed. */
    private static void assertUntouched(App app) {
        assertThat(app.db.revision().value()).isZero();
        assertThat(app.db.inspector().cells("pages")).isEmpty();
        assertThat(app.db.inspector().cells("length")).isEmpty();
        assertThat(app.db.inspector().cells("words")).isEmpty();
    }

    /** Asserts that every served value equals a computation from the inputs the app holds now. */
    private static void assertServedEqualsFromScratch(App app) {
        int scale = app.config.get(app.db, "scale").orElse(1);
        int a = app.pages.get(app.db, "a").map(String::length).orElse(0) * scale;
        int b = app.pages.get(app.db, "b").map(String::length).orElse(0) * scale;
        assertThat(app.length.get(app.db, "a")).isEqualTo(a);
        assertThat(app.length.get(app.db, "b")).isEqualTo(b);
        assertThat(app.total.get(app.db, "t")).isEqualTo(a + b);
    }

    private static int logRows(DataSource ds) {
        Integer n = new JdbcTemplate(ds).queryForObject("SELECT COUNT(*) FROM PICANTE_LOG", Integer.class);
        return n == null ? 0 : n;
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aGarbledLogValueIsDetectedUnderEveryPolicy(Vendor vendor) {
        // r[store.corrupt] r[store.log]
        DataSource ds = vendor.fresh();
        savedWithLog(ds);
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        byte[] image = jdbc.queryForObject("SELECT IMAGE FROM PICANTE_LOG WHERE LOG_POSITION = 2", byte[].class);
        byte[] garbled = replace(image, "\"two\"", "\"twx\"");
        jdbc.update("UPDATE PICANTE_LOG SET IMAGE = ? WHERE LOG_POSITION = 2", (Object) garbled);

        App failing = new App();
        assertThatThrownBy(() -> store(ds, CorruptionPolicy.FAIL).load(failing.db))
                .isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("store 'picante'").hasMessageContaining("log entry 2")
                .hasMessageContaining("checksum");
        assertUntouched(failing);

        App ignoring = new App();
        StoreLoadReport ignored = store(ds, CorruptionPolicy.IGNORE).load(ignoring.db);
        assertThat(ignored.corruptRecords()).singleElement().asString().contains("log entry 2")
                .contains("checksum");
        assertThat(ignored.logEntries()).isEqualTo(1);
        assertThat(ignoring.pages.get(ignoring.db, "a")).contains("one");
        assertServedEqualsFromScratch(ignoring);
        assertThat(logRows(ds)).as("ignored, not deleted").isEqualTo(3);

        App deleting = new App();
        StoreLoadReport deleted = store(ds, CorruptionPolicy.DELETE).load(deleting.db);
        assertThat(deleted.corruptRecords()).isEqualTo(ignored.corruptRecords());
        assertThat(deleting.pages.get(deleting.db, "a")).contains("one");
        assertServedEqualsFromScratch(deleting);
        assertThat(logRows(ds)).isEqualTo(1);

        App clean = new App();
        assertThat(store(ds, CorruptionPolicy.FAIL).load(clean.db).corruptRecords()).isEmpty();
        assertThat(clean.pages.get(clean.db, "a")).contains("one");
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aGapInTheLogIsDetectedUnderEveryPolicy(Vendor vendor) {
        // r[store.corrupt] r[store.log]: entry 3 is never replayed on top of entry 1
        DataSource ds = vendor.fresh();
        savedWithLog(ds);
        new JdbcTemplate(ds).update("DELETE FROM PICANTE_LOG WHERE LOG_POSITION = 2");

        App failing = new App();
        assertThatThrownBy(() -> store(ds, CorruptionPolicy.FAIL).load(failing.db))
                .isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("store 'picante'").hasMessageContaining("log entry 2")
                .hasMessageContaining("missing");
        assertUntouched(failing);

        App ignoring = new App();
        StoreLoadReport ignored = store(ds, CorruptionPolicy.IGNORE).load(ignoring.db);
        assertThat(ignored.corruptRecords()).singleElement().asString().contains("log entry 2")
                .contains("missing");
        assertThat(ignoring.pages.get(ignoring.db, "a")).contains("one");
        assertServedEqualsFromScratch(ignoring);
        assertThat(logRows(ds)).isEqualTo(2);

        App deleting = new App();
        assertThat(store(ds, CorruptionPolicy.DELETE).load(deleting.db).corruptRecords()).hasSize(1);
        assertThat(deleting.pages.get(deleting.db, "a")).contains("one");
        assertThat(logRows(ds)).isEqualTo(1);
        App clean = new App();
        assertThat(store(ds, CorruptionPolicy.FAIL).load(clean.db).corruptRecords()).isEmpty();
        assertThat(clean.pages.get(clean.db, "a")).contains("one");
        assertServedEqualsFromScratch(clean);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aMissingLastLogEntryIsDetected(Vendor vendor) {
        // r[store.corrupt]: the head recorded with the save says how far the log runs
        DataSource ds = vendor.fresh();
        savedWithLog(ds);
        new JdbcTemplate(ds).update("DELETE FROM PICANTE_LOG WHERE LOG_POSITION = 3");

        App failing = new App();
        assertThatThrownBy(() -> store(ds, CorruptionPolicy.FAIL).load(failing.db))
                .isInstanceOf(PicanteStoreException.class).hasMessageContaining("log entry 3")
                .hasMessageContaining("missing");
        assertUntouched(failing);
        App ignoring = new App();
        assertThat(store(ds, CorruptionPolicy.IGNORE).load(ignoring.db).corruptRecords()).singleElement()
                .asString().contains("log entry 3");
        assertThat(ignoring.pages.get(ignoring.db, "a")).contains("two");
        assertServedEqualsFromScratch(ignoring);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aDeletedChunkIsDetectedUnderEveryPolicy(Vendor vendor) {
        // r[store.corrupt]: the manifest says how many chunks each section holds
        DataSource ds = vendor.fresh();
        App saved = new App();
        for (int i = 0; i < 2_500; i++) {
            saved.pages.set(saved.db, "p" + i, "page " + i);
            saved.length.get(saved.db, "p" + i);
        }
        JdbcStateStore.builder(ds).build().save(saved.db);
        List<String> lost = StoredChunks.records(ds, "pages", 1).stream()
                .map(r -> new String(r.record().key(), StandardCharsets.UTF_8)).toList();
        new JdbcTemplate(ds).update("DELETE FROM PICANTE_RECORD_CHUNKS WHERE SECTION_NAME = 'pages' AND CHUNK_NO = 1");

        App failing = new App();
        assertThatThrownBy(() -> store(ds, CorruptionPolicy.FAIL).load(failing.db))
                .isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("store 'picante'").hasMessageContaining("chunk 1 of input 'pages'")
                .hasMessageContaining("missing");
        assertUntouched(failing);

        for (CorruptionPolicy policy : List.of(CorruptionPolicy.IGNORE, CorruptionPolicy.DELETE)) {
            App loaded = new App();
            StoreLoadReport report = store(ds, policy).load(loaded.db);
            assertThat(report.corruptRecords()).as(policy.name()).singleElement().asString()
                    .contains("chunk 1 of input 'pages'").contains("missing");
            for (int i = 0; i < 2_500; i += 7) {
                String key = "p" + i;
                boolean gone = lost.contains("\"" + key + "\"");
                assertThat(loaded.pages.get(loaded.db, key)).as(key)
                        .isEqualTo(gone ? Optional.empty() : Optional.of("page " + i));
                assertThat(loaded.length.get(loaded.db, key)).as("length of %s", key)
                        .isEqualTo(gone ? 0 : ("page " + i).length());
            }
        }
        App clean = new App();
        assertThat(store(ds, CorruptionPolicy.FAIL).load(clean.db).corruptRecords())
                .as("DELETE wrote a manifest of what remains").isEmpty();
        assertThat(clean.pages.get(clean.db, "p0")).contains("page 0");
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aDeletedInputSectionIsDetectedUnderEveryPolicy(Vendor vendor) {
        // r[store.corrupt]: an input section missing is never silently accepted
        DataSource ds = vendor.fresh();
        App app = new App();
        app.pages.set(app.db, "a", "hello");
        app.pages.set(app.db, "b", "incremental");
        app.config.set(app.db, "scale", 2);
        assertThat(app.total.get(app.db, "t")).isEqualTo(32);
        JdbcStateStore.builder(ds).build().save(app.db);
        new JdbcTemplate(ds).update("DELETE FROM PICANTE_SECTIONS WHERE SECTION_NAME = 'config'");

        App failing = new App();
        assertThatThrownBy(() -> store(ds, CorruptionPolicy.FAIL).load(failing.db))
                .isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("store 'picante'").hasMessageContaining("input 'config'")
                .hasMessageContaining("missing");
        assertUntouched(failing);

        App ignoring = new App();
        StoreLoadReport ignored = store(ds, CorruptionPolicy.IGNORE).load(ignoring.db);
        assertThat(ignored.corruptRecords()).singleElement().asString().contains("input 'config'")
                .contains("missing");
        assertThat(ignoring.config.get(ignoring.db, "scale")).isEmpty();
        assertServedEqualsFromScratch(ignoring);
        assertThat(ignoring.total.get(ignoring.db, "t")).as("recomputed with scale 1").isEqualTo(16);

        App deleting = new App();
        assertThat(store(ds, CorruptionPolicy.DELETE).load(deleting.db).corruptRecords()).hasSize(1);
        assertServedEqualsFromScratch(deleting);
        App clean = new App();
        assertThat(store(ds, CorruptionPolicy.FAIL).load(clean.db).corruptRecords()).isEmpty();
        assertThat(clean.pages.get(clean.db, "a")).contains("hello");
        assertServedEqualsFromScratch(clean);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aDeletedDerivedSectionIsDetectedUnderEveryPolicy(Vendor vendor) {
        // r[store.corrupt]
        DataSource ds = vendor.fresh();
        App app = new App();
        app.pages.set(app.db, "a", "hello");
        app.pages.set(app.db, "b", "incremental");
        app.config.set(app.db, "scale", 2);
        assertThat(app.total.get(app.db, "t")).isEqualTo(32);
        JdbcStateStore.builder(ds).build().save(app.db);
        new JdbcTemplate(ds).update("DELETE FROM PICANTE_SECTIONS WHERE SECTION_NAME = 'length'");

        App failing = new App();
        assertThatThrownBy(() -> store(ds, CorruptionPolicy.FAIL).load(failing.db))
                .isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("store 'picante'").hasMessageContaining("derived 'length'")
                .hasMessageContaining("missing");
        assertUntouched(failing);

        for (CorruptionPolicy policy : List.of(CorruptionPolicy.IGNORE, CorruptionPolicy.DELETE)) {
            App loaded = new App();
            StoreLoadReport report = store(ds, policy).load(loaded.db);
            assertThat(report.corruptRecords()).as(policy.name()).singleElement().asString()
                    .contains("derived 'length'").contains("missing");
            assertServedEqualsFromScratch(loaded);
            assertThat(loaded.computations.get()).as("length(a), length(b) and total, which read them")
                    .isEqualTo(3);
        }
        App clean = new App();
        assertThat(store(ds, CorruptionPolicy.FAIL).load(clean.db).corruptRecords()).isEmpty();
        assertServedEqualsFromScratch(clean);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aReplacedChunkIsDetectedByTheManifest(Vendor vendor) {
        // r[store.corrupt]: a valid chunk of another save in place of this save's chunk
        DataSource ds = vendor.fresh();
        App first = new App();
        first.pages.set(first.db, "a", "first");
        JdbcStateStore.builder(ds).build().save(first.db);
        byte[] old = new JdbcTemplate(ds).queryForObject("SELECT CHUNK FROM PICANTE_RECORD_CHUNKS WHERE"
                + " SECTION_NAME = 'pages'", byte[].class);
        App second = new App();
        second.pages.set(second.db, "a", "second");
        JdbcStateStore.builder(ds).build().save(second.db);
        new JdbcTemplate(ds).update("UPDATE PICANTE_RECORD_CHUNKS SET CHUNK = ? WHERE SECTION_NAME = 'pages'",
                (Object) old);

        App failing = new App();
        assertThatThrownBy(() -> store(ds, CorruptionPolicy.FAIL).load(failing.db))
                .isInstanceOf(PicanteStoreException.class).hasMessageContaining("chunk 0")
                .hasMessageContaining("input 'pages'").hasMessageContaining("manifest");
        assertUntouched(failing);
        App ignoring = new App();
        store(ds, CorruptionPolicy.IGNORE).load(ignoring.db);
        assertThat(ignoring.pages.get(ignoring.db, "a")).as("never the other save's value").isEmpty();
    }

    private static byte[] replace(byte[] bytes, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.UTF_8);
        byte[] t = to.getBytes(StandardCharsets.UTF_8);
        assertThat(t).hasSameSizeAs(f);
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i + f.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + f.length, f, 0, f.length)) {
                at.add(i);
            }
        }
        assertThat(at).as("occurrences of %s", from).hasSize(1);
        byte[] out = bytes.clone();
        System.arraycopy(t, 0, out, at.get(0), t.length);
        return out;
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aReplayTheEngineRefusesLeavesTheDatabaseAsItWas(Vendor vendor) {
        // r[store.log] r[store.restore]: everything is verified and decoded, then imported in one step; when
        // the engine refuses the last log entry (here: over the state-byte limit), nothing is loaded at all.
        DataSource ds = vendor.fresh();
        Database writer = Database.create();
        InputIngredient<String, String> pages = writer.input("pages", String.class, String.class);
        pages.set(writer, "a", "small");
        JdbcStateStore store = JdbcStateStore.builder(ds).build();
        store.save(writer);
        pages.set(writer, "b", "x".repeat(10_000));
        assertThat(store.append(writer)).isTrue();

        Database reader = Database.builder().stateByteLimit(2_000).build();
        InputIngredient<String, String> readPages = reader.input("pages", String.class, String.class);
        assertThatThrownBy(() -> JdbcStateStore.builder(ds).build().load(reader))
                .isInstanceOf(PicanteStoreException.class).hasMessageContaining("store 'picante'")
                .hasMessageContaining("the database was left as it was");
        assertThat(reader.revision().value()).isZero();
        assertThat(reader.inspector().cells("pages")).isEmpty();
        assertThat(readPages.get(reader, "a")).isEmpty();
        assertThat(reader.stateBytes()).isZero();
    }

}
