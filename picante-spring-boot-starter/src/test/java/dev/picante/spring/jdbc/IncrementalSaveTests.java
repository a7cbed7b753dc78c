package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.InternedIngredient;
import dev.picante.spring.jdbc.TestDatabases.Vendor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Saves cost what changed (issue 17, item 4): a save after an edit rewrites only the chunks that hold changed
 * records, folds the log into them and deletes it; a shutdown save with nothing new writes nothing; the full
 * save streams chunk by chunk; the store's size is stable across restarts without edits. Every case also
 * checks that a load gives back exactly the state saved (r[store.restore], r[store.log],
 * r[store.atomic-save]). On H2 and PostgreSQL.
 */
class IncrementalSaveTests {

    private static final int PAGES = 6_000;

    /** A site: pages, a derived length per page, a derived total over some pages, interned words. */
    static final class Site {
        final Database db = Database.create();
        final InputIngredient<String, String> pages = db.input("pages", String.class, String.class);
        final InternedIngredient<String> words = db.interned("words", String.class);
        final DerivedIngredient<String, Integer> length = db.derived("length", String.class, Integer.class,
                (ctx, page) -> pages.get(ctx, page).map(String::length).orElse(-1));
        final DerivedIngredient<String, Integer> total = db.derived("total", String.class, Integer.class,
                (ctx, unused) -> {
                    int sum = 0;
                    for (int i = 0; i < 50; i++) {
                        sum += length.get(ctx, "p" + i);
                    }
                    return sum;
                });

        long computed(String ingredient) {
            return db.inspector().ingredient(ingredient).counters().computations();
        }
    }

    private static Site site(int pages) {
        Site site = new Site();
        var batch = site.db.batch();
        for (int i = 0; i < pages; i++) {
            batch.set(site.pages, "p" + i, "page number " + i + " of the site");
        }
        batch.commit();
        for (int i = 0; i < pages; i++) {
            site.length.get(site.db, "p" + i);
        }
        site.total.get(site.db, "all");
        site.words.intern(site.db, "first");
        return site;
    }

    /** The database, the site and the store of the test that called {@link #saveSite}. */
    private DataSource ds;
    private Site site;
    private JdbcStateStore store;

    /** A fresh database of {@code vendor} and a site of {@code pages} pages (memos read), saved there in full. */
    private void saveSite(Vendor vendor, int pages) {
        ds = vendor.fresh();
        site = site(pages);
        store = JdbcStateStore.builder(ds).build();
        store.save(site.db);
    }

    /** A new site loaded from the store in {@code ds}, as after a restart. */
    private static Site restartedFrom(DataSource ds) {
        Site restarted = new Site();
        JdbcStateStore.builder(ds).build().load(restarted.db);
        return restarted;
    }

    /** Checks that {@code loaded} holds exactly {@code expected}'s pages and serves lengths without computing. */
    private static void assertSameSite(Site loaded, Site expected, int pages) {
        assertThat(loaded.db.revision()).isEqualTo(expected.db.revision());
        for (int i = 0; i < pages + 10; i++) {
            assertThat(loaded.pages.get(loaded.db, "p" + i)).as("page p%d", i)
                    .isEqualTo(expected.pages.get(expected.db, "p" + i));
        }
        for (int i = 0; i < pages; i++) {
            assertThat(loaded.length.get(loaded.db, "p" + i)).isEqualTo(expected.length.get(expected.db, "p" + i));
        }
        assertThat(loaded.total.get(loaded.db, "all")).isEqualTo(expected.total.get(expected.db, "all"));
        assertThat(loaded.computed("length")).as("lengths served as saved").isZero();
        assertThat(loaded.words.intern(loaded.db, "first")).isEqualTo(expected.words.intern(expected.db, "first"));
    }

    /** The bytes of every chunk row, by section and chunk number. */
    private static Map<String, byte[]> chunks(DataSource ds) {
        Map<String, byte[]> out = new HashMap<>();
        new JdbcTemplate(ds).query("SELECT SECTION_NAME, CHUNK_NO, CHUNK FROM PICANTE_RECORD_CHUNKS", rs -> {
            out.put(rs.getString(1) + "#" + rs.getInt(2), rs.getBytes(3));
        });
        return out;
    }

    private static int count(DataSource ds, String table) {
        Integer n = new JdbcTemplate(ds).queryForObject("SELECT COUNT(*) FROM " + table, Integer.class);
        return n == null ? 0 : n;
    }

    /** Pages with two memos each (a length and its double): derived records are two thirds of the state. */
    static final class TwoMemosPerPage {
        final Database db = Database.create();
        final InputIngredient<String, String> pages = db.input("pages", String.class, String.class);
        final DerivedIngredient<String, Integer> length = db.derived("length", String.class, Integer.class,
                (ctx, page) -> pages.get(ctx, page).map(String::length).orElse(-1));
        final DerivedIngredient<String, Integer> twice = db.derived("twice", String.class, Integer.class,
                (ctx, page) -> 2 * length.get(ctx, page));

        void readAll(int count) {
            for (int i = 0; i < count; i++) {
                twice.get(db, "p" + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aRestartAfterEditsThatVerifiesEveryMemoAgainWritesNothing(Vendor vendor) {
        // Issue 17 item 4: after edits, the memos not read since keep an older verifiedAt; a restart that reads them
        // all verifies them again (values and changedAt as saved). Before, when such records were more than half the
        // state, the shutdown made a full save of unchanged data (the demo's H2 file in StoreFileSizeTests went from
        // 5.8 MB to 43 MB); now they do not count as changes and nothing is written.
        DataSource ds = vendor.fresh();
        TwoMemosPerPage site = new TwoMemosPerPage();
        var batch = site.db.batch();
        for (int i = 0; i < PAGES; i++) {
            batch.set(site.pages, "p" + i, "page number " + i + " of the site");
        }
        batch.commit();
        site.readAll(PAGES);
        JdbcStateStore store = JdbcStateStore.builder(ds).build();
        store.save(site.db);
        for (int i = 0; i < 5; i++) {
            site.pages.set(site.db, "p" + i, "edit " + i);
            assertThat(site.twice.get(site.db, "p" + i)).isEqualTo(12);
            store.save(site.db);
            assertThat(store.lastSave().incremental()).isTrue();
        }
        Map<String, byte[]> before = chunks(ds);

        TwoMemosPerPage restarted = new TwoMemosPerPage();
        JdbcStateStore again = JdbcStateStore.builder(ds).build();
        again.load(restarted.db);
        restarted.readAll(PAGES);
        assertThat(restarted.db.inspector().ingredient("twice").counters().computations())
                .as("every memo served as saved").isZero();
        assertThat(again.saveIfChanged(restarted.db, null)).as("nothing to write").isFalse();
        assertThat(again.lastSave()).as("no save made").isNull();
        Map<String, byte[]> after = chunks(ds);
        assertThat(after.keySet()).as("chunk rows").isEqualTo(before.keySet());
        for (Map.Entry<String, byte[]> e : before.entrySet()) {
            assertThat(after.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    /** Pages read by {@link #restartAndReadAll}; {@code total} reads p0 to p49. */
    private static final int SMALL_SITE = 300;

    /**
     * Loads a new site from {@code ds} (as after a restart), reads every length and the total, checks them
     * against {@code expected} and that nothing was computed, then saves what is new (as the shutdown does).
     */
    private static void restartAndReadAll(DataSource ds, Site expected, String run) {
        Site restarted = new Site();
        JdbcStateStore again = JdbcStateStore.builder(ds).build();
        again.load(restarted.db);
        for (int i = 0; i < SMALL_SITE; i++) {
            assertThat(restarted.length.get(restarted.db, "p" + i)).as("%s: length of p%d", run, i)
                    .isEqualTo(expected.length.get(expected.db, "p" + i));
        }
        assertThat(restarted.total.get(restarted.db, "all")).as(run).isEqualTo(expected.total.get(expected.db, "all"));
        assertThat(restarted.computed("length")).as("%s: lengths computed", run).isZero();
        assertThat(restarted.computed("total")).as("%s: totals computed", run).isZero();
        assertThat(again.saveIfChanged(restarted.db, null)).as("%s: nothing new to save", run).isFalse();
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void restartsAfterAnEditStoppedByEarlyCutoffComputeNothing(Vendor vendor) {
        // r[store.restore] r[revision.early-cutoff]: an edit that leaves the page's length as it was recomputes the
        // length to an equal value, which keeps its changedAt but now reads the page at its new revision. Before,
        // the save left the record out (same changedAt) and the saved one still named the page's old revision, so
        // every load distrusted it and computed the length again, at every restart.
        saveSite(vendor, SMALL_SITE);
        site.pages.set(site.db, "p7", "page NUMBER 7 of the site");
        assertThat(site.length.get(site.db, "p7")).isEqualTo("page number 7 of the site".length());
        assertThat(site.computed("length")).as("p7's length computed again").isEqualTo(SMALL_SITE + 1);
        site.total.get(site.db, "all");
        store.save(site.db);
        assertThat(store.lastSave().incremental()).isTrue();
        assertThat(store.lastSave().chunksWritten()).as("the chunk of the page and the chunk of its length")
                .isEqualTo(2);

        restartAndReadAll(ds, site, "first restart");
        restartAndReadAll(ds, site, "second restart");

        // The same after an edit made by a store that loaded the save (its index read from the stored chunks).
        Site loaded = new Site();
        JdbcStateStore again = JdbcStateStore.builder(ds).build();
        again.load(loaded.db);
        loaded.pages.set(loaded.db, "p8", "page NUMBER 8 of the site");
        assertThat(loaded.length.get(loaded.db, "p8")).isEqualTo("page number 8 of the site".length());
        assertThat(loaded.total.get(loaded.db, "all")).isEqualTo(site.total.get(site.db, "all"));
        assertThat(loaded.computed("length")).isEqualTo(1);
        assertThat(again.saveIfChanged(loaded.db, null)).isTrue();
        assertThat(again.lastSave().incremental()).isTrue();
        restartAndReadAll(ds, loaded, "first restart after the second edit");
        restartAndReadAll(ds, loaded, "second restart after the second edit");
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void restartsAfterAnEditStoppedByEarlyCutoffAndFoldedFromTheLogComputeNothing(Vendor vendor) {
        // r[store.log] r[store.restore] r[revision.early-cutoff]: the same through the log, whose entries carry
        // every record exported (the equal length with its new dependency); the save that folds the log in must
        // not leave it out.
        saveSite(vendor, SMALL_SITE);
        site.pages.set(site.db, "p7", "page NUMBER 7 of the site");
        site.length.get(site.db, "p7");
        site.total.get(site.db, "all");
        assertThat(store.append(site.db)).isTrue();
        site.pages.set(site.db, "p99", "page number 99 of the site, edited");
        site.length.get(site.db, "p99");
        store.save(site.db);
        assertThat(store.lastSave().incremental()).isTrue();
        assertThat(store.lastSave().logFolded()).isEqualTo(1);

        restartAndReadAll(ds, site, "first restart");
        restartAndReadAll(ds, site, "second restart");
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aSaveAfterOneEditRewritesOnlyTheChunksThatHoldIt(Vendor vendor) {
        // r[store.atomic-save] r[store.restore]
        saveSite(vendor, PAGES);
        StoreWriter.Saved full = store.lastSave();
        assertThat(full.incremental()).isFalse();
        int chunkRows = count(ds, "PICANTE_RECORD_CHUNKS");
        assertThat(chunkRows).as("pages and lengths in several chunks each").isGreaterThanOrEqualTo(12);
        Map<String, byte[]> before = chunks(ds);

        site.pages.set(site.db, "p4321", "edited");
        assertThat(site.length.get(site.db, "p4321")).isEqualTo(6);
        store.save(site.db);
        StoreWriter.Saved saved = store.lastSave();

        assertThat(saved.incremental()).isTrue();
        assertThat(saved.chunksWritten()).as("the chunk of the page and the chunk of its length").isEqualTo(2);
        assertThat(saved.chunksKept()).isEqualTo(chunkRows - 2);
        assertThat(saved.bytesWritten()).isLessThanOrEqualTo(2L * StoreFormat.CHUNK_MAX_BYTES);
        Map<String, byte[]> after = chunks(ds);
        assertThat(after.keySet()).isEqualTo(before.keySet());
        List<String> changed = new ArrayList<>();
        for (String chunk : before.keySet()) {
            if (!java.util.Arrays.equals(before.get(chunk), after.get(chunk))) {
                changed.add(chunk);
            }
        }
        assertThat(changed).as("rows whose bytes changed").hasSize(2)
                .allMatch(c -> c.startsWith("pages#") || c.startsWith("length#"));

        Site restarted = restartedFrom(ds);
        assertSameSite(restarted, site, PAGES);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aSaveWritesOnlyTheChangedRowsAndTheMetadataByTheDatabasesCount(Vendor vendor) {
        DataSource target = vendor.fresh();
        WriteCounter counter = new WriteCounter(target);
        Site site = site(PAGES);
        JdbcStateStore store = JdbcStateStore.builder(counter.dataSource()).build();
        store.save(site.db);
        long fullBytes = counter.bytes();

        site.pages.set(site.db, "p17", "edited");
        site.length.get(site.db, "p17");
        counter.reset();
        store.save(site.db);

        // Two chunk rows updated, the metadata row (with its manifest) updated; nothing else (the log is empty).
        assertThat(counter.writes()).as("write statements").hasSize(3)
                .filteredOn(sql -> sql.contains("PICANTE_RECORD_CHUNKS")).hasSize(2)
                .allMatch(sql -> sql.startsWith("UPDATE"));
        assertThat(counter.bytes()).as("bytes written against %d for the full save", fullBytes)
                .isLessThan(fullBytes / 5);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aSaveFoldsTheLogIntoTheChangedChunksAndDeletesIt(Vendor vendor) {
        // r[store.log]
        saveSite(vendor, PAGES);
        int chunkRows = count(ds, "PICANTE_RECORD_CHUNKS");
        for (int i = 0; i < 5; i++) {
            site.pages.set(site.db, "p" + (i * 1_000 + 3), "edit " + i);
            site.pages.remove(site.db, "p" + (i * 1_000 + 4));
            site.words.intern(site.db, "w" + i);
            site.total.get(site.db, "all");
            assertThat(store.append(site.db)).isTrue();
        }
        assertThat(store.logSize()).isEqualTo(5);
        site.pages.set(site.db, "p5999", "after the last append");

        store.save(site.db);

        StoreWriter.Saved saved = store.lastSave();
        assertThat(saved.incremental()).isTrue();
        assertThat(saved.logFolded()).isEqualTo(5);
        assertThat(store.logSize()).isZero();
        assertThat(saved.chunksWritten()).as("chunks of the pages and lengths edited, of total and of words")
                .isLessThanOrEqualTo(10).isLessThan(chunkRows);
        assertThat(count(ds, "PICANTE_RECORD_CHUNKS")).isEqualTo(chunkRows);
        Site restarted = new Site();
        StoreLoadReport report = JdbcStateStore.builder(ds).build().load(restarted.db);
        assertThat(report.logEntries()).isZero();
        assertThat(restarted.db.revision()).isEqualTo(site.db.revision());
        for (int i = 0; i < 5; i++) {
            assertThat(restarted.pages.get(restarted.db, "p" + (i * 1_000 + 3))).contains("edit " + i);
            assertThat(restarted.pages.get(restarted.db, "p" + (i * 1_000 + 4))).isEmpty();
            assertThat(restarted.words.intern(restarted.db, "w" + i)).isEqualTo(site.words.intern(site.db, "w" + i));
        }
        assertThat(restarted.pages.get(restarted.db, "p5999")).contains("after the last append");
        assertThat(restarted.total.get(restarted.db, "all")).isEqualTo(site.total.get(site.db, "all"));
        assertThat(restarted.length.get(restarted.db, "p3")).isEqualTo(6);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void newRecordsFillTheLastChunkThenNewOnesAndKeepNumbersUnique(Vendor vendor) {
        saveSite(vendor, 1_500);
        // Added over several saves: more than a chunk holds, each save on top of the last.
        for (int round = 0; round < 3; round++) {
            var batch = site.db.batch();
            for (int i = 0; i < 700; i++) {
                batch.set(site.pages, "p" + (1_500 + round * 700 + i), "new page " + round + "/" + i);
            }
            batch.commit();
            store.save(site.db);
            assertThat(store.lastSave().incremental()).isTrue();
        }
        int pages = 1_500 + 3 * 700;
        assertThat(StoredChunks.chunkNumbers(ds, "pages")).isEqualTo(java.util.stream.IntStream
                .range(0, StoredChunks.chunkNumbers(ds, "pages").size()).boxed().toList());
        List<Integer> numbers = StoredChunks.records(ds, "pages").stream().map(r -> r.number()).toList();
        assertThat(numbers).hasSize(pages).doesNotHaveDuplicates();
        for (int chunkNo : StoredChunks.chunkNumbers(ds, "pages")) {
            assertThat(StoredChunks.records(ds, "pages", chunkNo)).hasSizeLessThanOrEqualTo(StoreFormat.CHUNK_MAX_RECORDS);
        }

        Site restarted = new Site();
        StoreLoadReport report = JdbcStateStore.builder(ds).build().load(restarted.db);
        assertThat(report.corruptRecords()).isEmpty();
        for (int i = 0; i < pages; i += 13) {
            assertThat(restarted.pages.get(restarted.db, "p" + i)).isEqualTo(site.pages.get(site.db, "p" + i));
        }
        assertThat(restarted.pages.get(restarted.db, "p" + (pages - 1))).contains("new page 2/699");
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aShutdownSaveWithNothingNewWritesNothing(Vendor vendor) {
        DataSource target = vendor.fresh();
        WriteCounter counter = new WriteCounter(target);
        Site site = site(2_000);
        JdbcStateStore store = JdbcStateStore.builder(counter.dataSource()).build();
        store.save(site.db);
        Map<String, Object> metadata = new JdbcTemplate(target).queryForMap("SELECT SAVE_ID, SAVED_AT, MANIFEST"
                + " FROM PICANTE_METADATA");

        counter.reset();
        site.length.get(site.db, "p1"); // a hit: nothing new
        assertThat(store.saveIfChanged(site.db, null)).isFalse();
        store.save(site.db);
        assertThat(counter.writes()).as("nothing written after a save").isEmpty();

        site.pages.set(site.db, "p1", "edited");
        assertThat(store.append(site.db)).isTrue();
        counter.reset();
        assertThat(store.saveIfChanged(site.db, null)).as("nothing new since the append").isFalse();
        assertThat(counter.writes()).as("nothing written after an append").isEmpty();
        assertThat(new JdbcTemplate(target).queryForObject("SELECT SAVE_ID FROM PICANTE_METADATA", Long.class))
                .isEqualTo(metadata.get("SAVE_ID"));

        // Something new: the shutdown save folds it in (every page read since the last edit, as a crawl does).
        site.pages.set(site.db, "p2", "edited too");
        for (int i = 0; i < 2_000; i++) {
            site.length.get(site.db, "p" + i);
        }
        site.total.get(site.db, "all");
        assertThat(store.saveIfChanged(site.db, null)).isTrue();
        assertThat(counter.writes()).isNotEmpty();
        Site restarted = restartedFrom(target);
        assertThat(restarted.pages.get(restarted.db, "p1")).contains("edited");
        assertThat(restarted.pages.get(restarted.db, "p2")).contains("edited too");

        // After a restart with no edit and every page read, the shutdown writes nothing either.
        WriteCounter second = new WriteCounter(target);
        JdbcStateStore reloaded = JdbcStateStore.builder(second.dataSource()).build();
        Site again = new Site();
        reloaded.load(again.db);
        for (int i = 0; i < 2_000; i++) {
            again.length.get(again.db, "p" + i);
        }
        again.total.get(again.db, "all");
        second.reset();
        assertThat(reloaded.saveIfChanged(again.db, null)).isFalse();
        assertThat(second.writes()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void statusShowsWhenTheLoadedSaveWasMade(Vendor vendor) {
        saveSite(vendor, 10);
        Instant savedAt = store.status().savedAt();
        Instant stored = new JdbcTemplate(ds).queryForObject("SELECT SAVED_AT FROM PICANTE_METADATA", Timestamp.class)
                .toInstant();
        // The stored time, an hour ago, as after a restart much later.
        Instant hourAgo = stored.minusSeconds(3_600);
        new JdbcTemplate(ds).update("UPDATE PICANTE_METADATA SET SAVED_AT = ?", Timestamp.from(hourAgo));

        JdbcStateStore restarted = JdbcStateStore.builder(ds).build();
        restarted.load(new Site().db);

        assertThat(savedAt).isNotNull();
        assertThat(restarted.status().savedAt()).as("the time of the save, not of the load").isEqualTo(hourAgo);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aFullSaveHoldsAtMostABatchOfChunksInMemory(Vendor vendor) {
        DataSource ds = vendor.fresh();
        Site site = new Site();
        String text = "x".repeat(20_000);
        var batch = site.db.batch();
        for (int i = 0; i < 2_000; i++) {
            batch.set(site.pages, "p" + i, text + i);
        }
        batch.commit();
        JdbcStateStore store = JdbcStateStore.builder(ds).build();
        store.save(site.db);

        StoreWriter.Saved saved = store.lastSave();
        assertThat(saved.bytes()).as("about 40 MB encoded").isGreaterThan(40_000_000L);
        assertThat(saved.peakBufferedBytes()).as("at most 8 MB and one chunk waiting to be written")
                .isLessThanOrEqualTo(8L * 1024 * 1024 + StoreFormat.CHUNK_MAX_BYTES);
        Site restarted = restartedFrom(ds);
        assertThat(restarted.pages.get(restarted.db, "p1999")).contains(text + 1999);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aKeptChunkIsCheckedByTheNewManifest(Vendor vendor) {
        // r[store.corrupt]: the manifest of an incremental save lists the CRC of every chunk, kept ones too
        saveSite(vendor, PAGES);
        site.pages.set(site.db, "p1", "edited");
        store.save(site.db);
        assertThat(store.lastSave().incremental()).isTrue();
        Map<String, Object> row = new JdbcTemplate(ds).queryForMap("SELECT FIRST_RECORD_NO, RECORD_COUNT FROM"
                + " PICANTE_RECORD_CHUNKS WHERE SECTION_NAME = 'pages' AND CHUNK_NO = 4");
        int first = ((Number) row.get("FIRST_RECORD_NO")).intValue();
        int last = first + ((Number) row.get("RECORD_COUNT")).intValue() - 1;
        StoredChunks.damage(ds, "pages", 4, StoredChunks.Damage.FLIP);

        assertThatThrownBy(() -> JdbcStateStore.builder(ds).build().load(new Site().db))
                .isInstanceOf(PicanteStoreException.class)
                .hasMessageContaining("chunk 4 (records " + first + " to " + last + ") of input 'pages'");
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aChunkChangedBehindTheStoresBackMakesTheNextSaveAFullOne(Vendor vendor) {
        saveSite(vendor, PAGES);
        int holder = -1;
        for (int chunkNo : StoredChunks.chunkNumbers(ds, "pages")) {
            if (StoredChunks.records(ds, "pages", chunkNo).stream()
                    .anyMatch(r -> new String(r.record().key(), java.nio.charset.StandardCharsets.UTF_8).equals("\"p1\""))) {
                holder = chunkNo;
            }
        }
        StoredChunks.damage(ds, "pages", holder, StoredChunks.Damage.FLIP);
        site.pages.set(site.db, "p1", "edited");

        site.length.get(site.db, "p1");
        store.save(site.db);

        assertThat(store.lastSave().incremental()).as("the chunk to rewrite is not the one saved").isFalse();
        Site restarted = new Site();
        StoreLoadReport report = JdbcStateStore.builder(ds).build().load(restarted.db);
        assertThat(report.corruptRecords()).isEmpty();
        assertSameSite(restarted, site, PAGES);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aLoadedStoreSavesIncrementallyAndAfterALossyLoadInFull(Vendor vendor) {
        DataSource ds = vendor.fresh();
        Site site = site(PAGES);
        JdbcStateStore.builder(ds).build().save(site.db);

        Site restarted = new Site();
        JdbcStateStore store = JdbcStateStore.builder(ds).build();
        store.load(restarted.db);
        restarted.pages.set(restarted.db, "p10", "edited after the restart");
        store.save(restarted.db);
        assertThat(store.lastSave().incremental()).isTrue();
        assertThat(store.lastSave().chunksWritten()).isEqualTo(1);

        // A load that leaves something out (a derived section of another shape is a stand-in: a damaged
        // chunk under IGNORE) is followed by a full save, which writes what the database holds.
        StoredChunks.damage(ds, "length", 1, StoredChunks.Damage.FLIP);
        Site third = new Site();
        JdbcStateStore lossy = JdbcStateStore.builder(ds).corruptionPolicy(CorruptionPolicy.IGNORE).build();
        lossy.load(third.db);
        third.pages.set(third.db, "p11", "edited again");
        lossy.save(third.db);
        assertThat(lossy.lastSave().incremental()).isFalse();
        Site fourth = new Site();
        assertThat(JdbcStateStore.builder(ds).build().load(fourth.db).corruptRecords()).isEmpty();
        assertThat(fourth.pages.get(fourth.db, "p10")).contains("edited after the restart");
        assertThat(fourth.pages.get(fourth.db, "p11")).contains("edited again");
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aSaveOnTopOfAnotherWritersSaveIsAFullOneEvenInsideTheCallersTransaction(Vendor vendor) {
        // As SharedChangeLog.save calls it: the store's transaction joins the caller's, which a refused
        // incremental save must not mark rollback-only.
        saveSite(vendor, 100);
        Site other = site(100);
        other.pages.set(other.db, "p1", "the other writer's");
        JdbcStateStore.builder(ds).build().save(other.db);
        site.pages.set(site.db, "p2", "mine");

        new org.springframework.transaction.support.TransactionTemplate(
                new org.springframework.jdbc.datasource.DataSourceTransactionManager(ds))
                .executeWithoutResult(status -> store.save(site.db));

        assertThat(store.lastSave().incremental()).isFalse();
        Site restarted = restartedFrom(ds);
        assertThat(restarted.pages.get(restarted.db, "p2")).contains("mine");
        assertThat(restarted.pages.get(restarted.db, "p1")).isEqualTo(site.pages.get(site.db, "p1"));
    }

    @Test
    void theH2FileAndTheRowsStayTheSameOverFiveRestartsWithoutEdits(@TempDir Path dir) {
        String url = "jdbc:h2:file:" + dir.resolve("store").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE;DB_CLOSE_DELAY=-1";
        Path file = dir.resolve("store.mv.db");
        int pages = 4_000;
        Site first = site(pages);
        // Pages of about 1.5 KB, so that the file (about 7 MB) is mostly the store's data, not H2's own pages.
        var batch = first.db.batch();
        for (int i = 0; i < pages; i++) {
            batch.set(first.pages, "p" + i, ("page " + i + " ").repeat(150));
        }
        batch.commit();
        for (int i = 0; i < pages; i++) {
            first.length.get(first.db, "p" + i);
        }
        first.total.get(first.db, "all");
        DataSource ds = h2(url);
        JdbcStateStore store = JdbcStateStore.builder(ds).build();
        store.acquireLease("run-0", false);
        store.load(first.db);
        store.saveIfChanged(first.db, null);
        store.releaseLease();
        new JdbcTemplate(ds).execute("SHUTDOWN");
        long size = fileSize(file);
        Map<String, Integer> rows = rows(url);

        List<Long> sizes = new ArrayList<>();
        for (int run = 1; run <= 5; run++) {
            DataSource each = h2(url);
            JdbcStateStore restarted = JdbcStateStore.builder(each).build();
            restarted.acquireLease("run-" + run, false);
            Site site = new Site();
            restarted.load(site.db);
            for (int i = 0; i < pages; i++) {
                site.length.get(site.db, "p" + i);
            }
            assertThat(site.total.get(site.db, "all")).isEqualTo(first.total.get(first.db, "all"));
            assertThat(site.computed("length")).as("run %d: served as saved", run).isZero();
            assertThat(restarted.saveIfChanged(site.db, null)).as("run %d: nothing new to save", run).isFalse();
            restarted.releaseLease();
            new JdbcTemplate(each).execute("SHUTDOWN");
            sizes.add(fileSize(file));
            System.out.println("run " + run + ": " + fileSize(file));
            assertThat(rows(url)).as("run %d: rows per table", run).isEqualTo(rows);
        }
        System.out.printf("H2 file after the first save: %d bytes; after each of five restarts: %s%n", size, sizes);
        // The first save's file also holds what H2 has not compacted yet after the save's large transaction; from
        // the first restart on, the file must neither grow past it nor drift by more than 10%.
        for (long s : sizes) {
            assertThat(s).as("file size after a restart against %d after the first save", size)
                    .isLessThanOrEqualTo(size + size / 10);
            assertThat((double) s).as("file size %d against %d after the first restart", s, sizes.get(0))
                    .isBetween(sizes.get(0) * 0.9, sizes.get(0) * 1.1);
        }
    }

    private static DataSource h2(String url) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        ds.setUser("sa");
        return ds;
    }

    private static long fileSize(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, Integer> rows(String url) {
        DataSource ds = h2(url);
        Map<String, Integer> rows = new java.util.TreeMap<>();
        for (String table : List.of("PICANTE_METADATA", "PICANTE_SECTIONS", "PICANTE_RECORD_CHUNKS", "PICANTE_LOG")) {
            rows.put(table, count(ds, table));
        }
        new JdbcTemplate(ds).execute("SHUTDOWN");
        return rows;
    }
}
