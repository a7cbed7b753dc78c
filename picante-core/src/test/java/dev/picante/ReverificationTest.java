package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Inspector.Explanation;
import dev.picante.Inspector.Outcome;
import dev.picante.persist.StateImage;
import dev.picante.persist.StoredRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reusing unchanged results after an edit, the walk every read after a write does: which results are reused and
 * which recomputed, across the primary view's writes, snapshots' writes and loads, and what the inspector and a
 * change export say about a reused result.
 *
 * <p>Scenario: {@code title(p)} reads input {@code pages(p)}; {@code navigation} reads every page's title;
 * {@code nav2} reads {@code navigation} (a result that read another result, not inputs only).
 */
@Timeout(30)
class ReverificationTest {

    private static final List<String> PAGES = List.of("a", "b", "c", "d");

    private Database db;
    private InputIngredient<String, String> pages;
    private DerivedIngredient<String, String> title;
    private DerivedIngredient<String, String> navigation;
    private DerivedIngredient<String, String> nav2;
    private final AtomicInteger titleRuns = new AtomicInteger();
    private final AtomicInteger navigationRuns = new AtomicInteger();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() {
        db = database();
        for (String page : PAGES) {
            pages.set(db, page, "# " + page.toUpperCase(java.util.Locale.ROOT) + "\nbody of " + page);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
    }

    private Database database() {
        Database database = Database.create();
        pages = database.input("pages", String.class, String.class);
        title = database.derived("title", String.class, String.class, (ctx, page) -> {
            titleRuns.incrementAndGet();
            return pages.require(ctx, page).lines().findFirst().orElse("");
        });
        navigation = database.derived("navigation", String.class, String.class, (ctx, unused) -> {
            navigationRuns.incrementAndGet();
            StringBuilder nav = new StringBuilder();
            for (String page : PAGES) {
                nav.append(title.get(ctx, page)).append(';');
            }
            return nav.toString();
        });
        nav2 = database.derived("nav2", String.class, String.class,
                (ctx, unused) -> "[" + navigation.get(ctx, "all") + "]");
        return database;
    }

    private void resetCounts() {
        titleRuns.set(0);
        navigationRuns.set(0);
    }

    @Test
    void bodyEditRecomputesOnlyTheEditedPagesTitleAgainAndAgain() {
        // r[cell.revalidate] r[revision.early-cutoff]: each read after an edit reuses the other titles and the
        // navigation; done many times, so results reused in place at one revision are reused again at the next.
        assertThat(nav2.get(db, "x")).isEqualTo("[# A;# B;# C;# D;]");
        for (int edit = 0; edit < 20; edit++) {
            resetCounts();
            String page = PAGES.get(edit % PAGES.size());
            pages.set(db, page, "# " + page.toUpperCase(java.util.Locale.ROOT) + "\nedit " + edit);
            assertThat(nav2.get(db, "x")).isEqualTo("[# A;# B;# C;# D;]");
            assertThat(titleRuns).as("edit %d", edit).hasValue(1);
            assertThat(navigationRuns).as("edit %d", edit).hasValue(0);
        }
        resetCounts();
        pages.set(db, "c", "# New C\nbody");
        assertThat(nav2.get(db, "x")).isEqualTo("[# A;# B;# New C;# D;]");
        assertThat(titleRuns).hasValue(1);
        assertThat(navigationRuns).hasValue(1);
    }

    @Test
    void snapshotWritesDoNotMakeThePrimaryViewRecomputeAndPrimaryWritesDoNotReachSnapshots() {
        // r[snapshot.isolation] r[snapshot.memo-isolation] r[cell.revalidate]: a snapshot shares the primary
        // view's input slots; its writes replace them in the snapshot only.
        assertThat(navigation.get(db, "all")).isEqualTo("# A;# B;# C;# D;");
        Snapshot snapshot = db.snapshot();
        toClose.add(snapshot);
        assertThat(navigation.get(snapshot, "all")).isEqualTo("# A;# B;# C;# D;");
        resetCounts();

        pages.set(snapshot, "b", "# Snap B\nbody");
        pages.set(db, "d", "# D\nother body");
        assertThat(navigation.get(db, "all")).isEqualTo("# A;# B;# C;# D;");
        assertThat(titleRuns).as("the primary view recomputes only d's title").hasValue(1);
        assertThat(navigationRuns).hasValue(0);

        resetCounts();
        assertThat(navigation.get(snapshot, "all")).isEqualTo("# A;# Snap B;# C;# D;");
        // b's title, and d's: the snapshot adopted the navigation without holding titles of its own, and the
        // database's title of d now answers for the database's later state.
        assertThat(titleRuns).as("the snapshot recomputes b's and d's titles").hasValue(2);
        assertThat(navigationRuns).hasValue(1);

        resetCounts();
        pages.set(snapshot, "a", "# A\nsnapshot body");
        pages.set(db, "a", "# Primary A\nbody");
        assertThat(navigation.get(snapshot, "all")).isEqualTo("# A;# Snap B;# C;# D;");
        assertThat(navigation.get(db, "all")).isEqualTo("# Primary A;# B;# C;# D;");
        assertThat(titleRuns).hasValue(2);
        assertThat(navigationRuns).as("the primary view's navigation only").hasValue(1);

        // A snapshot taken after those writes sees the primary view's state and reuses its results.
        resetCounts();
        Snapshot later = db.snapshot();
        toClose.add(later);
        assertThat(navigation.get(later, "all")).isEqualTo("# Primary A;# B;# C;# D;");
        assertThat(titleRuns).hasValue(0);
        assertThat(navigationRuns).hasValue(0);
    }

    @Test
    void aSnapshotAtTheDatabasesStateAdoptsWhatTheDatabaseVerifiedThereWithoutCheckingIt() {
        // r[snapshot.memo-isolation] r[sharing.nonobservable]: a snapshot taken for one request reads results the
        // database confirmed at the same inputs; it does not walk their dependencies again.
        Inspector inspector = db.inspector();
        assertThat(nav2.get(db, "x")).isEqualTo("[# A;# B;# C;# D;]");
        Inspector.Counters titles = inspector.ingredient("title").counters();
        Inspector.Counters navigations = inspector.ingredient("navigation").counters();
        resetCounts();

        Snapshot snapshot = db.snapshot();
        toClose.add(snapshot);
        assertThat(nav2.get(snapshot, "x")).isEqualTo("[# A;# B;# C;# D;]");
        assertThat(titleRuns).hasValue(0);
        assertThat(navigationRuns).hasValue(0);
        assertThat(inspector.ingredient("title").counters()).as("no title is looked at").isEqualTo(titles);
        assertThat(inspector.ingredient("navigation").counters()).isEqualTo(navigations);
        assertThat(inspector.explain(snapshot, "nav2", "x").outcome()).isEqualTo(Outcome.ADOPTED);

        // Once the database moved on, the snapshot checks what it adopts against its own state.
        pages.set(db, "a", "# Moved A\nbody");
        assertThat(navigation.get(db, "all")).isEqualTo("# Moved A;# B;# C;# D;");
        resetCounts();
        assertThat(title.get(snapshot, "a")).isEqualTo("# A");
        assertThat(titleRuns).as("the database's title of a does not hold at the snapshot's state").hasValue(1);
        Snapshot later = db.snapshot();
        toClose.add(later);
        assertThat(navigation.get(later, "all")).isEqualTo("# Moved A;# B;# C;# D;");
        assertThat(titleRuns).hasValue(1);
        assertThat(navigationRuns).hasValue(0);
    }

    @Test
    void loadedResultsAreReusedAfterLaterEditsAndRecomputedWhenTheirInputsChange() {
        // r[store.restore] r[cell.revalidate]: a load starts the inputs anew; results that read loaded slots are
        // reused after later edits of other pages and recomputed after edits of their own.
        assertThat(navigation.get(db, "all")).isEqualTo("# A;# B;# C;# D;");
        StateImage image = db.exportState();
        Database loaded = database();
        loaded.importState(image);
        resetCounts();

        pages.set(loaded, "a", "# A\nnew body");
        assertThat(navigation.get(loaded, "all")).isEqualTo("# A;# B;# C;# D;");
        assertThat(titleRuns).hasValue(1);
        assertThat(navigationRuns).hasValue(0);

        resetCounts();
        pages.set(loaded, "b", "# Loaded B\nbody");
        pages.set(loaded, "e", "unread");
        assertThat(navigation.get(loaded, "all")).isEqualTo("# A;# Loaded B;# C;# D;");
        assertThat(titleRuns).hasValue(1);
        assertThat(navigationRuns).hasValue(1);

        // Replaying a change on top of the load: the results that read the replaced slots are recomputed.
        resetCounts();
        StateImage full = loaded.exportState();
        pages.set(loaded, "c", "# Changed C\nbody");
        StateImage change = loaded.exportChangesSince(full.checkpoint());
        Database replayed = database();
        replayed.importState(full);
        replayed.applyChanges(change);
        resetCounts();
        assertThat(navigation.get(replayed, "all")).isEqualTo("# A;# Loaded B;# Changed C;# D;");
        assertThat(titleRuns).as("only c's title; the change log did not hold it").hasValue(1);
        pages.set(replayed, "d", "# D\nreplayed body");
        resetCounts();
        assertThat(navigation.get(replayed, "all")).isEqualTo("# A;# Loaded B;# Changed C;# D;");
        assertThat(titleRuns).hasValue(1);
        assertThat(navigationRuns).hasValue(0);
    }

    @Test
    void aReusedResultIsExplainedAsReusedWithoutTheCauseOfItsEarlierRecomputation() {
        // A result recomputed because an input changed, then reused after another edit.
        Inspector inspector = db.inspector();
        assertThat(title.get(db, "a")).isEqualTo("# A");
        pages.set(db, "a", "# A\nchanged body");
        assertThat(title.get(db, "a")).isEqualTo("# A");
        Explanation recomputed = inspector.explain("title", "a");
        assertThat(recomputed.outcome()).isEqualTo(Outcome.RECOMPUTED_UNCHANGED);
        assertThat(recomputed.dependency()).isNotNull();

        Revision edit = pages.set(db, "b", "# B\nchanged body");
        assertThat(navigation.get(db, "all")).isEqualTo("# A;# B;# C;# D;");
        Explanation reused = inspector.explain("title", "a");
        assertThat(reused.outcome()).isEqualTo(Outcome.REVALIDATED);
        assertThat(reused.revision()).isEqualTo(edit);
        assertThat(reused.dependency()).isNull();
        assertThat(reused.dependencyChangedAt()).isNull();
        assertThat(reused.message()).isEqualTo("title(a) was reused at revision " + edit.value()
                + ": none of its 1 dependencies changed since it was last verified");
    }

    @Test
    void aChangeExportHoldsResultsReusedSinceTheCheckpointAtTheirNewRevision() {
        // r[store.log] r[store.restore]: reusing a result at a later revision is a change the log records, so a
        // database loaded from the save and the log serves it without recomputing. Since issue 17 (marking) the
        // navigation is checked against title(a) only, the one dependency the edit reached: the titles it did not
        // reach are not touched, so the log holds the navigation reverified and no record of them.
        assertThat(navigation.get(db, "all")).isEqualTo("# A;# B;# C;# D;");
        StateImage full = db.exportState();
        Revision edit = pages.set(db, "a", "# A\nchanged body");
        assertThat(navigation.get(db, "all")).isEqualTo("# A;# B;# C;# D;");
        StateImage change = db.exportChangesSince(full.checkpoint());

        assertThat(verifiedIn(change, "navigation", "all")).containsExactly(edit.value());
        assertThat(verifiedIn(change, "title", "b")).isEmpty();

        Database loaded = database();
        loaded.importState(full);
        loaded.applyChanges(change);
        resetCounts();
        assertThat(navigation.get(loaded, "all")).isEqualTo("# A;# B;# C;# D;");
        assertThat(titleRuns).hasValue(0);
        assertThat(navigationRuns).hasValue(0);

        // The same from a database whose only checkpoint is the one it loaded.
        Revision next = pages.set(loaded, "c", "# C\nchanged body");
        assertThat(navigation.get(loaded, "all")).isEqualTo("# A;# B;# C;# D;");
        // A load is followed by one walk of every dependency (marks do not cover what a load replaced), so this
        // first edit after it reverifies title(d) as before.
        List<Long> again = verifiedIn(loaded.exportChangesSince(change.checkpoint()), "title", "d");
        assertThat(again).containsExactly(next.value());
        assertThat(navigationRuns).hasValue(0);
    }

    private static List<Long> verifiedIn(StateImage image, String ingredient, String key) {
        return image.sections().stream().filter(s -> s.ingredient().equals(ingredient))
                .flatMap(s -> s.records().stream()).filter(r -> r.key().equals(key))
                .map(StoredRecord::verifiedAt).toList();
    }

    @Test
    void readersRacingAfterEditsAgreeAndReuseEveryUnchangedResult() throws Exception {
        // r[cell.revalidate] r[derived.concurrent]: threads reading at once after each edit all see the new
        // state; the edited page's title runs once per edit, whoever reuses the others first.
        assertThat(navigation.get(db, "all")).isEqualTo("# A;# B;# C;# D;");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int edit = 0; edit < 200; edit++) {
                resetCounts();
                String page = PAGES.get(edit % PAGES.size());
                String expectedTitle = "# T" + edit;
                pages.set(db, page, expectedTitle + "\nbody");
                CountDownLatch start = new CountDownLatch(1);
                List<Future<String>> reads = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    reads.add(pool.submit(() -> {
                        start.await();
                        return navigation.get(db, "all");
                    }));
                }
                start.countDown();
                String first = reads.get(0).get(20, TimeUnit.SECONDS);
                for (Future<String> read : reads) {
                    assertThat(read.get(20, TimeUnit.SECONDS)).isEqualTo(first);
                }
                assertThat(first).contains(expectedTitle);
                assertThat(titleRuns).as("edit %d", edit).hasValue(1);
                assertThat(navigationRuns).as("edit %d", edit).hasValue(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
