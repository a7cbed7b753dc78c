package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Inspector.RevalidationWork;
import dev.picante.persist.StateImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Push-marking (issue 17, "edits cost what they reach"): an input change marks what it can reach, a later read
 * reuses what it did not reach without checking dependencies, and checks what it reached against the dependencies
 * the change came through only. Values never differ from a from-scratch evaluation (r[cell.revalidate],
 * r[dep.invalidation]); only work does, and {@link Inspector#revalidationWork()} shows how much.
 *
 * <p>Site: {@code body(p)} input, {@code parse(p)} reads it, {@code title(p)} and {@code length(p)} read
 * {@code parse(p)}, {@code navigation} reads every title, {@code site} reads {@code navigation}; {@code other(k)}
 * reads an unrelated input {@code config(k)}.
 */
@Timeout(60)
class MarkingTest {

    /** One database of the site shape, counting compute runs per query and key. */
    static final class Site {
        final Database db;
        final List<String> pages = new ArrayList<>();
        final InputIngredient<String, String> body;
        final InputIngredient<String, Integer> config;
        final DerivedIngredient<String, String> parse;
        final DerivedIngredient<String, String> title;
        final DerivedIngredient<String, Integer> length;
        final DerivedIngredient<String, String> navigation;
        final DerivedIngredient<String, String> site;
        final DerivedIngredient<String, Integer> other;
        final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();

        Site(Database db, int pageCount) {
            this.db = db;
            for (int i = 0; i < pageCount; i++) {
                pages.add("p" + i);
            }
            body = db.input("body", String.class, String.class);
            config = db.input("config", String.class, Integer.class);
            parse = db.derived("parse", String.class, String.class, (ctx, p) -> {
                ran("parse", p);
                return body.require(ctx, p).strip();
            });
            title = db.derived("title", String.class, String.class, (ctx, p) -> {
                ran("title", p);
                return parse.get(ctx, p).lines().findFirst().orElse("");
            });
            length = db.derived("length", String.class, Integer.class, (ctx, p) -> {
                ran("length", p);
                return parse.get(ctx, p).length();
            });
            navigation = db.derived("navigation", String.class, String.class, (ctx, unused) -> {
                ran("navigation", unused);
                StringBuilder nav = new StringBuilder();
                for (String p : pages) {
                    nav.append(title.get(ctx, p)).append(';');
                }
                return nav.toString();
            });
            site = db.derived("site", String.class, String.class, (ctx, unused) -> {
                ran("site", unused);
                return "[" + navigation.get(ctx, "all").length() + "]";
            });
            other = db.derived("other", String.class, Integer.class, (ctx, k) -> {
                ran("other", k);
                return config.get(ctx, k).orElse(0) * 2;
            });
        }

        Site fill() {
            for (String p : pages) {
                body.set(db, p, "# " + p + "\nbody of " + p);
            }
            config.set(db, "x", 1);
            return this;
        }

        void readAll() {
            for (String p : pages) {
                parse.get(db, p);
                length.get(db, p);
            }
            site.get(db, "all");
            other.get(db, "x");
        }

        private void ran(String query, String key) {
            runs.computeIfAbsent(query + "(" + key + ")", k -> new AtomicInteger()).incrementAndGet();
        }

        int runs(String query, String key) {
            AtomicInteger n = runs.get(query + "(" + key + ")");
            return n == null ? 0 : n.get();
        }

        int totalRuns() {
            return runs.values().stream().mapToInt(AtomicInteger::get).sum();
        }

        RevalidationWork work() {
            return db.inspector().revalidationWork();
        }

        /** What {@code site} gives for the current inputs, computed without the queries. */
        String expectedSite() {
            return "[" + expectedNavigation().length() + "]";
        }

        String expectedNavigation() {
            StringBuilder nav = new StringBuilder();
            for (String p : pages) {
                nav.append(body.require(db, p).strip().lines().findFirst().orElse("")).append(';');
            }
            return nav.toString();
        }
    }

    /** A site of {@code pages} pages on a new database, filled and with every query read once. */
    private static Site readSite(int pages) {
        Site s = new Site(Database.create(), pages).fill();
        s.readAll();
        return s;
    }

    private static RevalidationWork since(RevalidationWork before, RevalidationWork after) {
        return new RevalidationWork(after.dependencyChecks() - before.dependencyChecks(),
                after.marks() - before.marks(), after.unmarkedReuses() - before.unmarkedReuses());
    }

    @Test
    void anEditMarksExactlyWhatItCanReach() {
        // r[dep.invalidation]: body(p1) reaches parse(p1), then title(p1) and length(p1), then navigation, then
        // site: five records, whatever the site's size; nothing else is marked.
        Site s = readSite(20);
        RevalidationWork before = s.work();
        s.body.set(s.db, "p1", "# p1\nnew body");
        assertThat(since(before, s.work()).marks()).isEqualTo(5);

        // A result the edit did not reach is reused without a dependency check and without running anything.
        RevalidationWork beforeReads = s.work();
        s.runs.clear();
        assertThat(s.other.get(s.db, "x")).isEqualTo(2);
        assertThat(s.length.get(s.db, "p7")).isEqualTo("# p7\nbody of p7".length());
        RevalidationWork reads = since(beforeReads, s.work());
        assertThat(reads.dependencyChecks()).isZero();
        assertThat(reads.unmarkedReuses()).isEqualTo(2);
        assertThat(s.totalRuns()).isZero();
        assertThat(s.db.inspector().explain("other", "x").outcome()).isEqualTo(Inspector.Outcome.REVALIDATED);

        // An edit of an input nobody read marks nothing.
        RevalidationWork beforeUnread = s.work();
        s.config.set(s.db, "unread", 5);
        assertThat(since(beforeUnread, s.work()).marks()).isZero();
    }

    @Test
    void earlyCutoffStopsTheEffectAndDependentsAreCheckedOnlyAgainstWhatReachedThem() {
        // r[revision.early-cutoff]: the body changes, the title does not: parse(p3) runs again, title(p3) runs
        // again with an equal value, and navigation and site stay valid after checking one dependency each.
        Site s = readSite(30);
        s.body.set(s.db, "p3", "# p3\nanother body");
        s.runs.clear();
        RevalidationWork before = s.work();
        assertThat(s.site.get(s.db, "all")).isEqualTo(s.expectedSite());
        assertThat(s.runs("parse", "p3")).isEqualTo(1);
        assertThat(s.runs("title", "p3")).isEqualTo(1);
        assertThat(s.runs("navigation", "all")).isZero();
        assertThat(s.runs("site", "all")).isZero();
        assertThat(s.totalRuns()).isEqualTo(2);
        // site: navigation; navigation: title(p3); title(p3): parse(p3); parse(p3): body(p3), once as the
        // inputs-only check of a nested read and once in its leader: 5, not the 30 titles.
        assertThat(since(before, s.work()).dependencyChecks()).isEqualTo(5);
        assertThat(s.navigation.get(s.db, "all")).isEqualTo(s.expectedNavigation());

        // A title that changes reaches navigation and site, which recompute.
        s.body.set(s.db, "p4", "# P4 renamed\nbody");
        s.runs.clear();
        assertThat(s.navigation.get(s.db, "all")).isEqualTo(s.expectedNavigation());
        assertThat(s.site.get(s.db, "all")).isEqualTo(s.expectedSite());
        assertThat(s.runs("navigation", "all")).isEqualTo(1);
        assertThat(s.runs("site", "all")).isEqualTo(1);
        assertThat(s.runs("title", "p0")).isZero();
    }

    @Test
    void dependencyChecksAndMarksPerEditDoNotGrowWithTheSite() {
        // The goal of issue 17: the work after an edit is that of what it reached, for 50 pages as for 5,000.
        RevalidationWork small = workOfOneEdit(50);
        RevalidationWork large = workOfOneEdit(5_000);
        assertThat(large).isEqualTo(small);
        assertThat(large.dependencyChecks()).isLessThan(10);
    }

    @Test
    void editsCutOffEarlyUnderAFanOutMarkAsMuchWhateverTheFanOut() {
        // BENCHMARKS 4b, r[revision.early-cutoff]: the first edit marks the fan-out; once it is marked and none
        // of it was read since, a further edit marks only what it reaches before the cutoff.
        long[] small = marksOfCutOffEdits(10);
        long[] large = marksOfCutOffEdits(5_000);
        assertThat(small[0]).isEqualTo(1 + 10);
        assertThat(large[0]).isEqualTo(1 + 5_000);
        assertThat(large[1]).isEqualTo(small[1]).isEqualTo(4);
    }

    /** Marks of the first edit, and of the four after it; checks every dependent's value afterwards. */
    private static long[] marksOfCutOffEdits(int fanOut) {
        Database db = Database.create();
        InputIngredient<String, String> text = db.input("text", String.class, String.class);
        AtomicInteger dependentRuns = new AtomicInteger();
        DerivedIngredient<String, Integer> words = db.derived("words", String.class, Integer.class,
                (ctx, k) -> text.require(ctx, k).split(" ").length);
        DerivedIngredient<Integer, Integer> dependent = db.derived("dependent", Integer.class, Integer.class,
                (ctx, i) -> {
                    dependentRuns.incrementAndGet();
                    return words.get(ctx, "doc") * 100_000 + i;
                });
        text.set(db, "doc", "a b c");
        for (int i = 0; i < fanOut; i++) {
            dependent.get(db, i);
        }
        long[] marks = new long[2];
        String[] texts = {"d e f", "g h i", "j k l", "m n o", "p q r"};
        for (int edit = 0; edit < texts.length; edit++) {
            RevalidationWork before = db.inspector().revalidationWork();
            text.set(db, "doc", texts[edit]);
            assertThat(words.get(db, "doc")).isEqualTo(3);
            marks[edit == 0 ? 0 : 1] += since(before, db.inspector().revalidationWork()).marks();
        }
        for (int i = 0; i < fanOut; i++) {
            assertThat(dependent.get(db, i)).isEqualTo(300_000 + i);
        }
        assertThat(dependentRuns).hasValue(fanOut);
        // A change that does reach them after those edits: every dependent recomputes, and then again.
        for (String changed : new String[] {"a b", "a b c d"}) {
            text.set(db, "doc", changed);
            for (int i = 0; i < fanOut; i++) {
                assertThat(dependent.get(db, i)).isEqualTo(changed.split(" ").length * 100_000 + i);
            }
        }
        assertThat(dependentRuns).hasValue(3 * fanOut);
        return marks;
    }

    private static RevalidationWork workOfOneEdit(int pages) {
        Site s = readSite(pages);
        // Two edits, so that the second one is measured on results reused once already.
        s.body.set(s.db, "p1", "# p1\nfirst edit");
        s.readAll();
        RevalidationWork before = s.work();
        s.body.set(s.db, "p2", "# p2\nsecond edit");
        assertThat(s.parse.get(s.db, "p2")).isEqualTo("# p2\nsecond edit");
        assertThat(s.site.get(s.db, "all")).isEqualTo(s.expectedSite());
        return since(before, s.work());
    }

    @Test
    void snapshotsTakenBeforeAndAfterAnEditSeeTheirOwnState() {
        // r[snapshot.isolation] r[snapshot.memo-isolation]: marks are the database's; a snapshot of the state
        // before the edit still reads it, one after reads the new one, also after more edits and a promotion.
        Site s = readSite(10);
        String navigationBefore = s.navigation.get(s.db, "all");
        try (Snapshot before = s.db.snapshot()) {
            s.body.set(s.db, "p5", "# Five\nbody");
            try (Snapshot after = s.db.snapshot()) {
                assertThat(s.navigation.get(before, "all")).isEqualTo(navigationBefore);
                assertThat(s.title.get(before, "p5")).isEqualTo("# p5");
                assertThat(s.navigation.get(after, "all")).contains("# Five;");
                s.body.set(s.db, "p6", "# Six\nbody");
                assertThat(s.navigation.get(after, "all")).contains("# Five;").doesNotContain("# Six");
                assertThat(s.navigation.get(s.db, "all")).isEqualTo(s.expectedNavigation()).contains("# Six;");
                assertThat(s.navigation.get(before, "all")).isEqualTo(navigationBefore);
            }
            // A snapshot of the current state, read and promoted: its results enter the database (the marks then
            // fall back to one full check), and the next edits still show.
            try (Snapshot now = s.db.snapshot()) {
                s.body.set(now, "p7", "# Seven in the snapshot only\nbody");
                assertThat(s.navigation.get(now, "all")).contains("# Seven in the snapshot only;");
                now.promote();
            }
            try (Snapshot same = s.db.snapshot()) {
                assertThat(s.site.get(same, "all")).isEqualTo(s.site.get(s.db, "all"));
                assertThat(same.promote()).isGreaterThanOrEqualTo(0);
            }
            s.body.set(s.db, "p8", "# Eight\nbody");
            assertThat(s.navigation.get(s.db, "all")).isEqualTo(s.expectedNavigation()).contains("# Eight;")
                    .doesNotContain("Seven");
            assertThat(s.navigation.get(before, "all")).isEqualTo(navigationBefore);
        }
    }

    @Test
    void aStoreLoadFollowedByEditsServesTheEditsAndThenOnlyWhatTheyReach() {
        // r[store.restore]: after a load, the first edit checks everything once (a load replaces inputs wholesale);
        // the edits after it are marked again.
        Site original = readSite(40);
        StateImage image = original.db.exportState();

        Site loaded = new Site(Database.create(), 40);
        loaded.db.importState(image);
        loaded.runs.clear();
        assertThat(loaded.site.get(loaded.db, "all")).isEqualTo(original.site.get(original.db, "all"));
        assertThat(loaded.totalRuns()).isZero();

        loaded.body.set(loaded.db, "p9", "# Nine\nbody");
        loaded.readAll();
        assertThat(loaded.navigation.get(loaded.db, "all")).isEqualTo(loaded.expectedNavigation()).contains("# Nine;");
        assertThat(loaded.runs("parse", "p9")).isEqualTo(1);
        assertThat(loaded.runs("parse", "p10")).isZero();

        RevalidationWork before = loaded.work();
        loaded.body.set(loaded.db, "p11", "# p11\nsecond edit after the load");
        loaded.readAll();
        assertThat(loaded.navigation.get(loaded.db, "all")).isEqualTo(loaded.expectedNavigation());
        RevalidationWork second = since(before, loaded.work());
        assertThat(second.marks()).isEqualTo(5);
        assertThat(second.dependencyChecks()).isLessThan(10);
        assertThat(loaded.runs("parse", "p11")).isEqualTo(1);

        // A log replayed into a database that already holds results (the original, still at the image's state):
        // what it held before is not trusted on marks, and an edit after it shows with the replayed ones.
        loaded.body.set(loaded.db, "p12", "# Twelve\nbody");
        loaded.readAll();
        original.db.applyChanges(loaded.db.exportChangesSince(image.checkpoint()));
        original.body.set(original.db, "p13", "# Thirteen\nbody");
        original.readAll();
        assertThat(original.navigation.get(original.db, "all")).isEqualTo(original.expectedNavigation())
                .contains("# Nine;").contains("# Twelve;").contains("# Thirteen;");
        original.body.set(original.db, "p14", "# Fourteen\nbody");
        assertThat(original.site.get(original.db, "all")).isEqualTo(original.expectedSite());
        assertThat(original.navigation.get(original.db, "all")).contains("# Fourteen;");
    }

    @Test
    void aComputationOverlappingAnEditIsNotReusedAfterIt() throws Exception {
        // The race between marking and publishing: slow(k) reads in(k) at revision R, an edit of in(k) lands while
        // it still runs, and its memo (verified at R) is published after the edit's marking. A read after the edit
        // must not reuse it (r[cell.revalidate] r[derived.revision-binding]).
        Database db = Database.create();
        InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        CountDownLatch read = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger slowRuns = new AtomicInteger();
        DerivedIngredient<Integer, Integer> slow = db.derived("slow", Integer.class, Integer.class, (ctx, k) -> {
            int v = in.get(ctx, k).orElse(0);
            if (slowRuns.incrementAndGet() == 1) {
                read.countDown();
                await(release);
            }
            return v * 10;
        });
        DerivedIngredient<Integer, Integer> top = db.derived("top", Integer.class, Integer.class,
                (ctx, k) -> slow.get(ctx, k) + 1);
        in.set(db, 1, 1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> early = pool.submit(() -> top.get(db, 1));
            assertThat(read.await(10, TimeUnit.SECONDS)).isTrue();
            in.set(db, 1, 2);
            release.countDown();
            assertThat(early.get(10, TimeUnit.SECONDS)).isEqualTo(11); // bound to the revision it started at
            assertThat(top.get(db, 1)).isEqualTo(21);
            assertThat(slow.get(db, 1)).isEqualTo(20);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aDependencyFirstReadWhileAnEditLandsIsNotMissed() throws Exception {
        // The edge of a new dependency is registered after the edit's marking walked past it: the reader is
        // marked whole when it is published, so the next read checks everything.
        Database db = Database.create();
        InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch edited = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<Integer, Integer> late = db.derived("late", Integer.class, Integer.class, (ctx, k) -> {
            if (runs.incrementAndGet() == 1) {
                started.countDown();
                await(edited);
            }
            return in.get(ctx, k).orElse(-1); // read only after the edit was marked
        });
        DerivedIngredient<Integer, Integer> reader = db.derived("reader", Integer.class, Integer.class,
                (ctx, k) -> late.get(ctx, k) * 2);
        in.set(db, 1, 1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> early = pool.submit(() -> reader.get(db, 1));
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            in.set(db, 1, 5);
            edited.countDown();
            assertThat(early.get(10, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(reader.get(db, 1)).isEqualTo(10);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aMemoAdoptedFromASnapshotLeaderIsCheckedAfterTheNextEdit() throws Exception {
        // r[sharing.nonobservable]: a computation of the database still at revision R1 follows a snapshot's leader
        // of the same query at R1 and takes its memo, which read d(1) in the snapshot only: the database has no
        // edge from in(1) to it, so marks cannot cover it, and the next edit must check it (rule 2: it is
        // published after a later change's marking started; rule 3, the floor, too).
        Database db = Database.create();
        InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        DerivedIngredient<Integer, Integer> d = db.derived("d", Integer.class, Integer.class,
                (ctx, k) -> in.get(ctx, k).orElse(0) * 10);
        CountDownLatch xLeading = new CountDownLatch(1);
        CountDownLatch releaseX = new CountDownLatch(1);
        AtomicInteger xRuns = new AtomicInteger();
        DerivedIngredient<Integer, Integer> x = db.derived("x", Integer.class, Integer.class, (ctx, k) -> {
            int v = d.get(ctx, k) + 1;
            if (xRuns.incrementAndGet() == 1) {
                xLeading.countDown();
                await(releaseX);
            }
            return v;
        });
        CountDownLatch yStarted = new CountDownLatch(1);
        CountDownLatch releaseY = new CountDownLatch(1);
        DerivedIngredient<Integer, Integer> y = db.derived("y", Integer.class, Integer.class, (ctx, k) -> {
            yStarted.countDown();
            await(releaseY);
            return x.get(ctx, k);
        });
        in.set(db, 1, 1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Snapshot snapshot = db.snapshot()) {
            Future<Integer> olderRead = pool.submit(() -> y.get(db, 1)); // the database at R1
            assertThat(yStarted.await(10, TimeUnit.SECONDS)).isTrue();
            in.set(db, 2, 5); // the database moves on: the snapshot now computes on its own
            Future<Integer> snapshotRead = pool.submit(() -> x.get(snapshot, 1));
            assertThat(xLeading.await(10, TimeUnit.SECONDS)).isTrue();
            releaseY.countDown(); // y reads x at R1 and follows the snapshot's evaluation
            Thread.sleep(300);
            releaseX.countDown();
            assertThat(snapshotRead.get(10, TimeUnit.SECONDS)).isEqualTo(11);
            assertThat(olderRead.get(10, TimeUnit.SECONDS)).isEqualTo(11);
        } finally {
            pool.shutdownNow();
        }
        assertThat(db.inspector().explain("x", 1).outcome()).isEqualTo(Inspector.Outcome.ADOPTED);
        in.set(db, 1, 2);
        assertThat(x.get(db, 1)).isEqualTo(21);
        assertThat(y.get(db, 1)).isEqualTo(21);
    }

    @Test
    void aResultPromotedFromASnapshotThatReadAFailureThereIsRecomputedAfterTheNextEdit() {
        // r[changed-at.poison] r[sharing.nonobservable]: a snapshot of a snapshot computes catcher(1), which catches
        // the failure of failing(1); promoted twice, catcher's memo reaches the database at its current revision
        // without the failure (failures are not promoted). After an unrelated edit the database must recompute it
        // as a dependent of an older failure, which marks cannot know: rule 3 (the floor) makes it check.
        Database db = Database.create();
        InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        InputIngredient<Integer, Integer> unrelated = db.input("unrelated", Integer.class, Integer.class);
        AtomicInteger catcherRuns = new AtomicInteger();
        DerivedIngredient<Integer, Integer> failing = db.derived("failing", Integer.class, Integer.class, (ctx, k) -> {
            throw new IllegalStateException("fails for " + in.get(ctx, k).orElse(0));
        });
        DerivedIngredient<Integer, String> catcher = db.derived("catcher", Integer.class, String.class, (ctx, k) -> {
            catcherRuns.incrementAndGet();
            try {
                return "value " + failing.get(ctx, k);
            } catch (QueryFailedException e) {
                return "caught " + e.getCause().getMessage();
            }
        });
        in.set(db, 1, 1);
        try (Snapshot outer = db.snapshot(); Snapshot inner = outer.snapshot()) {
            assertThat(catcher.get(inner, 1)).isEqualTo("caught fails for 1");
            assertThat(inner.promote()).isEqualTo(1);
            assertThat(outer.promote()).isEqualTo(1);
        }
        assertThat(catcher.get(db, 1)).isEqualTo("caught fails for 1");
        assertThat(catcherRuns).hasValue(1);
        unrelated.set(db, 1, 1);
        assertThat(catcher.get(db, 1)).isEqualTo("caught fails for 1");
        assertThat(catcherRuns).hasValue(2);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aResultThatReadAFailureIsRecomputedAtEveryLaterRevision() {
        // r[changed-at.poison]: a dependent of an older failure recomputes, even when no change reached it.
        Database db = Database.create();
        InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        InputIngredient<Integer, Integer> unrelated = db.input("unrelated", Integer.class, Integer.class);
        AtomicInteger failingRuns = new AtomicInteger();
        AtomicInteger catcherRuns = new AtomicInteger();
        AtomicInteger aboveRuns = new AtomicInteger();
        DerivedIngredient<Integer, Integer> failing = db.derived("failing", Integer.class, Integer.class, (ctx, k) -> {
            failingRuns.incrementAndGet();
            throw new IllegalStateException("fails for " + in.get(ctx, k).orElse(0));
        });
        DerivedIngredient<Integer, String> catcher = db.derived("catcher", Integer.class, String.class, (ctx, k) -> {
            catcherRuns.incrementAndGet();
            try {
                return "value " + failing.get(ctx, k);
            } catch (QueryFailedException e) {
                return "caught " + e.getCause().getMessage();
            }
        });
        DerivedIngredient<Integer, String> above = db.derived("above", Integer.class, String.class, (ctx, k) -> {
            aboveRuns.incrementAndGet();
            return "[" + catcher.get(ctx, k) + "]";
        });
        in.set(db, 1, 1);
        assertThat(above.get(db, 1)).isEqualTo("[caught fails for 1]");
        unrelated.set(db, 1, 1);
        assertThat(above.get(db, 1)).isEqualTo("[caught fails for 1]");
        assertThat(failingRuns).hasValue(2);
        assertThat(catcherRuns).hasValue(2);
        assertThat(aboveRuns).hasValue(1); // early cutoff on catcher
        assertThatThrownBy(() -> failing.get(db, 1)).isInstanceOf(QueryFailedException.class);
        in.set(db, 1, 2);
        assertThat(above.get(db, 1)).isEqualTo("[caught fails for 2]");
    }

    @Test
    void evictedResultsStillPassMarksToTheirReaders() {
        // r[evict.derived] r[evict.deps]: the edges of an evicted record stay, so an edit below it still reaches
        // what read it.
        Site s = readSite(10);
        assertThat(s.db.evict(s.title)).isEqualTo(10);
        assertThat(s.db.evict(s.parse)).isEqualTo(10);
        s.body.set(s.db, "p2", "# Two\nbody");
        assertThat(s.site.get(s.db, "all")).isEqualTo(s.expectedSite());
        assertThat(s.navigation.get(s.db, "all")).isEqualTo(s.expectedNavigation()).contains("# Two;");
        s.db.evict(s.title);
        s.body.set(s.db, "p3", "# Three\nbody");
        assertThat(s.navigation.get(s.db, "all")).isEqualTo(s.expectedNavigation()).contains("# Three;");
    }

    @Test
    void boundedMemoTablesKeepResultsRight() {
        // MemoPolicy eviction while edits land: values stay those of a from-scratch evaluation.
        Site s = new Site(Database.builder().maxMemosPerIngredient(5).build(), 20).fill();
        for (int edit = 0; edit < 30; edit++) {
            String page = "p" + (edit * 7 % 20);
            s.body.set(s.db, page, (edit % 3 == 0 ? "# T" + edit : "# " + page) + "\nedit " + edit);
            s.readAll();
            assertThat(s.navigation.get(s.db, "all")).isEqualTo(s.expectedNavigation());
            assertThat(s.length.get(s.db, page)).isEqualTo(s.body.require(s.db, page).strip().length());
        }
    }

    @Test
    void readersRacingEditsSeeEachRevisionExactly() throws Exception {
        // r[derived.concurrent] r[snapshot.linearizable]: readers on snapshots race a writer; every snapshot's
        // navigation equals the one its own inputs give.
        Site s = readSite(12);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                readers.add(pool.submit(() -> {
                    for (int i = 0; i < 300; i++) {
                        try (Snapshot snapshot = s.db.snapshot()) {
                            StringBuilder expected = new StringBuilder();
                            for (String p : s.pages) {
                                expected.append(s.body.require(snapshot, p).strip().lines().findFirst().orElse(""))
                                        .append(';');
                            }
                            assertThat(s.navigation.get(snapshot, "all")).isEqualTo(expected.toString());
                        }
                    }
                    return null;
                }));
            }
            for (int edit = 0; edit < 300; edit++) {
                String page = "p" + (edit % 12);
                s.body.set(s.db, page, (edit % 2 == 0 ? "# T" + edit : "# " + page) + "\nbody " + edit);
                if (edit % 5 == 0) {
                    s.navigation.get(s.db, "all");
                }
            }
            for (Future<?> reader : readers) {
                reader.get(60, TimeUnit.SECONDS);
            }
            assertThat(s.navigation.get(s.db, "all")).isEqualTo(s.expectedNavigation());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anEditOfAnyDependencyIsFoundWhetherTheReaderKeptItsPositionOrNot() {
        // r[dep.invalidation]: a first result with at most 8 dependencies keeps no position on its edges (a check
        // finds the marked dependency by a scan), one with more keeps it. Either way an edit of its last
        // dependency recomputes it after checking that one dependency only, and the others stay unmarked.
        Database db = Database.create();
        InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        DerivedIngredient<Integer, Integer> sum = db.derived("sum", Integer.class, Integer.class, (ctx, n) -> {
            int total = 0;
            for (int i = 0; i < n; i++) {
                total += in.require(ctx, i);
            }
            return total;
        });
        for (int i = 0; i < 12; i++) {
            in.set(db, i, i);
        }
        for (int n : new int[] {3, 12}) {
            assertThat(sum.get(db, n)).isEqualTo(n * (n - 1) / 2);
            assertThat(sum.get(db, 1)).isZero();
            in.set(db, n - 1, 100);
            RevalidationWork before = db.inspector().revalidationWork();
            assertThat(sum.get(db, n)).as("%d dependencies", n).isEqualTo((n - 1) * (n - 2) / 2 + 100);
            assertThat(since(before, db.inspector().revalidationWork()).dependencyChecks()).isEqualTo(1);
            RevalidationWork beforeOne = db.inspector().revalidationWork();
            assertThat(sum.get(db, 1)).isZero();
            assertThat(since(beforeOne, db.inspector().revalidationWork()).dependencyChecks()).isZero();
            in.set(db, n - 1, n - 1);
        }
    }
}
