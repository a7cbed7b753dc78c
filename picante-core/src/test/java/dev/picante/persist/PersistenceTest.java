package dev.picante.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.Durability;
import dev.picante.InputIngredient;
import dev.picante.Inspector.Outcome;
import dev.picante.InternId;
import dev.picante.InternedIngredient;
import dev.picante.Revision;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The persistence SPI of the core, without a store: images exported by one database and imported into
 * a fresh one with the same ingredients.
 */
class PersistenceTest {

    /** One application's ingredients, registered on a database. */
    static final class App {
        final Database db;
        final InputIngredient<String, String> pages;
        final InputIngredient<String, Integer> config;
        final InternedIngredient<String> words;
        final DerivedIngredient<String, Integer> length;
        final DerivedIngredient<String, Integer> total;
        final AtomicInteger computations = new AtomicInteger();

        App() {
            db = Database.create();
            pages = db.input("pages", String.class, String.class);
            config = db.input("config", String.class, Integer.class, Durability.HIGH);
            words = db.interned("words", String.class);
            length = db.derived("length", String.class, Integer.class, (ctx, page) -> {
                computations.incrementAndGet();
                return pages.get(ctx, page).map(String::length).orElse(0) * config.get(ctx, "scale").orElse(1);
            });
            total = db.derived("total", String.class, Integer.class, (ctx, unused) -> {
                computations.incrementAndGet();
                return length.get(ctx, "a") + length.get(ctx, "b");
            });
        }
    }

    @Test
    void restoredDatabaseServesValidResultsWithoutRecomputing() {
        // r[store.restore]
        App saved = new App();
        saved.pages.set(saved.db, "a", "hello");
        saved.pages.set(saved.db, "b", "incremental");
        saved.pages.set(saved.db, "gone", "x");
        saved.pages.remove(saved.db, "gone");
        saved.config.set(saved.db, "scale", 2);
        assertThat(saved.total.get(saved.db, "t")).isEqualTo(32);
        StateImage image = saved.db.exportState();

        App loaded = new App();
        ImportReport report = loaded.db.importState(image);

        assertThat(report.revision()).isEqualTo(saved.db.revision().value());
        assertThat(report.skippedSections()).isEmpty();
        assertThat(loaded.db.revision()).isEqualTo(saved.db.revision());
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(32);
        assertThat(loaded.length.get(loaded.db, "a")).isEqualTo(10);
        assertThat(loaded.computations).hasValue(0);
        assertThat(loaded.pages.get(loaded.db, "gone")).isEmpty();
        assertThat(loaded.db.inspector().explain("total", "t").outcome()).isEqualTo(Outcome.RESTORED);
        // Revisions, changed_at and dependencies are as saved.
        assertThat(loaded.db.inspector().cell("total", "t")).get()
                .usingRecursiveComparison().isEqualTo(saved.db.inspector().cell("total", "t").get());
        assertThat(loaded.db.inspector().cell("pages", "gone")).get()
                .usingRecursiveComparison().isEqualTo(saved.db.inspector().cell("pages", "gone").get());
    }

    @Test
    void restoredResultsStayIncremental() {
        // r[store.restore] r[cell.revalidate]
        App saved = new App();
        saved.pages.set(saved.db, "a", "hello");
        saved.pages.set(saved.db, "b", "world");
        saved.total.get(saved.db, "t");
        App loaded = new App();
        loaded.db.importState(saved.db.exportState());

        loaded.pages.set(loaded.db, "c", "unrelated");
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(10);
        assertThat(loaded.computations).hasValue(0);

        loaded.pages.set(loaded.db, "a", "howdy");
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(10);
        assertThat(loaded.computations).as("length(a) recomputed, total kept by early cutoff").hasValue(1);

        loaded.pages.set(loaded.db, "a", "hi");
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(7);
        assertThat(loaded.computations).hasValue(3);
    }

    @Test
    void staleResultsAreRecomputedAfterLoadNotTrusted() {
        // r[store.restore]: a memo that was stale when saved is not served as valid
        App saved = new App();
        saved.pages.set(saved.db, "a", "hello");
        saved.pages.set(saved.db, "b", "world");
        saved.total.get(saved.db, "t");
        saved.pages.set(saved.db, "a", "a much longer page");
        StateImage image = saved.db.exportState();

        App loaded = new App();
        loaded.db.importState(image);

        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(23);
        assertThat(loaded.computations).hasValue(2);
    }

    @Test
    void changeLogReplaysOnTopOfAFullSaveInRevisionOrder() {
        // r[store.log]
        App saved = new App();
        saved.pages.set(saved.db, "a", "one");
        saved.pages.set(saved.db, "b", "two");
        saved.total.get(saved.db, "t");
        StateImage full = saved.db.exportState();
        saved.pages.set(saved.db, "a", "three");
        InternId late = saved.words.intern(saved.db, "interned after the full save");
        StateImage first = saved.db.exportChangesSince(full.checkpoint());
        saved.pages.remove(saved.db, "b");
        saved.total.get(saved.db, "t");
        StateImage second = saved.db.exportChangesSince(first.checkpoint());

        assertThat(first.sections()).extracting(Section::ingredient).containsExactlyInAnyOrder("pages", "words");
        assertThat(second.sections()).extracting(Section::ingredient)
                .containsExactlyInAnyOrder("pages", "length", "total");

        App loaded = new App();
        loaded.db.importState(full);
        loaded.db.applyChanges(first);
        loaded.db.applyChanges(second);

        assertThat(loaded.db.revision()).isEqualTo(saved.db.revision());
        assertThat(loaded.pages.get(loaded.db, "a")).contains("three");
        assertThat(loaded.pages.get(loaded.db, "b")).isEmpty();
        assertThat(loaded.words.lookup(loaded.db, late)).isEqualTo("interned after the full save");
        assertThat(loaded.words.intern(loaded.db, "interned after the full save")).isEqualTo(late);
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(5);
        assertThat(loaded.computations).hasValue(0);
    }

    @Test
    void changeLogOutOfOrderIsRefused() {
        // r[store.log]
        App saved = new App();
        saved.pages.set(saved.db, "a", "one");
        StateImage full = saved.db.exportState();
        saved.pages.set(saved.db, "a", "two");
        StateImage change = saved.db.exportChangesSince(full.checkpoint());
        App loaded = new App();
        loaded.db.importState(full);
        loaded.db.applyChanges(change);

        assertThatThrownBy(() -> loaded.db.applyChanges(change))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("revision " + change.revision());
        assertThat(loaded.pages.get(loaded.db, "a")).contains("two");
    }

    @Test
    void sectionOfAnotherKindFailsTheLoadAndLoadsNothing() {
        // r[store.mismatch]
        App saved = new App();
        saved.pages.set(saved.db, "a", "one");
        StateImage image = saved.db.exportState();

        Database other = Database.create();
        InputIngredient<String, String> fine = other.input("config", String.class, String.class);
        other.derived("pages", String.class, String.class, (ctx, k) -> k);

        assertThatThrownBy(() -> other.importState(image))
                .isInstanceOf(StoreMismatchException.class)
                .hasMessageContaining("'pages'").hasMessageContaining("INPUT");
        assertThat(other.revision()).isEqualTo(new Revision(0));
        assertThat(fine.get(other, "scale")).isEmpty();
    }

    @Test
    void sectionOfOtherTypesFailsTheLoad() {
        // r[store.mismatch]
        App saved = new App();
        saved.pages.set(saved.db, "a", "one");
        StateImage image = saved.db.exportState();
        Database other = Database.create();
        other.input("pages", String.class, Integer.class);

        assertThatThrownBy(() -> other.importState(image))
                .isInstanceOf(StoreMismatchException.class)
                .hasMessageContaining("java.lang.String -> java.lang.String");
    }

    @Test
    void unknownSectionsAreSkippedAndReported() {
        // r[store.mismatch]
        App saved = new App();
        saved.pages.set(saved.db, "a", "one");
        saved.total.get(saved.db, "t");
        Database smaller = Database.create();
        InputIngredient<String, String> pages = smaller.input("pages", String.class, String.class);

        ImportReport report = smaller.importState(saved.db.exportState());

        assertThat(report.skippedSections()).containsExactlyInAnyOrder("config", "words", "length", "total");
        assertThat(pages.get(smaller, "a")).contains("one");
    }

    @Test
    void importIntoADatabaseThatHoldsStateIsRefused() {
        App saved = new App();
        saved.pages.set(saved.db, "a", "one");
        App busy = new App();
        busy.pages.set(busy.db, "b", "mine");

        assertThatThrownBy(() -> busy.db.importState(saved.db.exportState()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not new");
        assertThat(busy.pages.get(busy.db, "a")).isEmpty();
    }

    @Test
    void internedIdsSurviveAndMismatchingTablesAreRefused() {
        // r[store.restore] r[store.mismatch]
        App saved = new App();
        InternId x = saved.words.intern(saved.db, "x");
        InternId y = saved.words.intern(saved.db, "y");
        StateImage image = saved.db.exportState();

        App loaded = new App();
        loaded.db.importState(image);
        assertThat(loaded.words.intern(loaded.db, "y")).isEqualTo(y);
        assertThat(loaded.words.lookup(loaded.db, x)).isEqualTo("x");

        Section gap = new Section("words", SectionKind.INTERNED, InternId.class, String.class,
                List.of(new StoredRecord(new InternId(5), "z", 0, 0, List.of())));
        assertThatThrownBy(() -> new App().db.importState(new StateImage(1, List.of(gap),
                new StateImage.Checkpoint(1, java.util.Map.of()))))
                .isInstanceOf(StoreMismatchException.class).hasMessageContaining("id 5");
    }

    @Test
    void loadingPastTheStateByteLimitLoadsNothing() {
        // r[limit.enforced]
        App saved = new App();
        saved.pages.set(saved.db, "a", "x".repeat(10_000));
        StateImage image = saved.db.exportState();
        Database small = Database.builder().stateByteLimit(1_000).build();
        InputIngredient<String, String> pages = small.input("pages", String.class, String.class);

        assertThatThrownBy(() -> small.importState(image)).isInstanceOf(dev.picante.LimitExceededException.class);
        assertThat(pages.get(small, "a")).isEmpty();
        assertThat(small.revision()).isEqualTo(new Revision(0));
    }

    @Test
    void resultsThatReadRecordsMissingFromTheImageAreRecomputedNotServed() {
        // r[store.restore] r[store.corrupt]: a store that drops unreadable records must never yield a wrong value
        App saved = new App();
        saved.pages.set(saved.db, "a", "hello");
        saved.pages.set(saved.db, "b", "incremental");
        assertThat(saved.total.get(saved.db, "t")).isEqualTo(16);
        StateImage full = saved.db.exportState();
        List<Section> withoutPages = full.sections().stream().filter(s -> !s.ingredient().equals("pages")).toList();

        App loaded = new App();
        loaded.db.importState(new StateImage(full.revision(), withoutPages, full.checkpoint()));

        assertThat(loaded.length.get(loaded.db, "b")).isZero();
        assertThat(loaded.total.get(loaded.db, "t")).isZero();
        assertThat(loaded.computations).hasValue(3);
    }

    @Test
    void internOnlyChangesShareTheRevisionAndStillReplay() {
        // r[store.log]: interning does not advance the revision
        App saved = new App();
        saved.pages.set(saved.db, "a", "one");
        StateImage full = saved.db.exportState();
        InternId id = saved.words.intern(saved.db, "new word");
        StateImage change = saved.db.exportChangesSince(full.checkpoint());
        assertThat(change.revision()).isEqualTo(full.revision());

        App loaded = new App();
        loaded.db.importState(full);
        loaded.db.applyChanges(change);

        assertThat(loaded.words.lookup(loaded.db, id)).isEqualTo("new word");
    }

    @Test
    void resultsComputedAfterACheckpointAtTheSameRevisionReachTheLog() {
        // r[store.log] r[store.restore]
        App saved = new App();
        saved.pages.set(saved.db, "a", "hello");
        saved.pages.set(saved.db, "b", "world");
        StateImage full = saved.db.exportState();
        saved.total.get(saved.db, "t");
        StateImage change = saved.db.exportChangesSince(full.checkpoint());
        assertThat(change.sections()).extracting(Section::ingredient).containsExactlyInAnyOrder("length", "total");
        assertThat(saved.db.exportChangesSince(change.checkpoint()).isEmpty()).isTrue();

        App loaded = new App();
        loaded.db.importState(full);
        loaded.db.applyChanges(change);
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(10);
        assertThat(loaded.computations).hasValue(0);
    }

    @Test
    void changeExportsNameExactlyTheResultsStoredSinceTheirCheckpointAlsoWhenRetriedFromAnOlderOne() {
        // r[store.log]: a change export visits the results stored since its checkpoint, not every result;
        // an export from an older checkpoint (an append that failed and is retried) still has all since then
        App saved = new App();
        for (int i = 0; i < 50; i++) {
            saved.pages.set(saved.db, "k" + i, "page " + i);
            saved.length.get(saved.db, "k" + i);
        }
        StateImage full = saved.db.exportState();
        saved.pages.set(saved.db, "k3", "changed");
        assertThat(saved.length.get(saved.db, "k3")).isEqualTo(7);
        StateImage first = saved.db.exportChangesSince(full.checkpoint());
        saved.pages.set(saved.db, "k5", "changed again");
        assertThat(saved.length.get(saved.db, "k5")).isEqualTo(13);
        saved.length.get(saved.db, "new");
        StateImage second = saved.db.exportChangesSince(first.checkpoint());
        StateImage retried = saved.db.exportChangesSince(full.checkpoint());

        assertThat(keys(first, "length")).containsExactly("k3");
        assertThat(keys(second, "length")).containsExactlyInAnyOrder("k5", "new");
        assertThat(keys(retried, "length")).containsExactlyInAnyOrder("k3", "k5", "new");
        assertThat(keys(retried, "pages")).containsExactlyInAnyOrder("k3", "k5");

        App loaded = new App();
        loaded.db.importState(full);
        loaded.db.applyChanges(retried);
        assertThat(loaded.length.get(loaded.db, "k3")).isEqualTo(7);
        assertThat(loaded.length.get(loaded.db, "k5")).isEqualTo(13);
        assertThat(loaded.length.get(loaded.db, "new")).isZero();
        assertThat(loaded.length.get(loaded.db, "k7")).isEqualTo(6);
        assertThat(loaded.computations).hasValue(0);
    }

    private static List<Object> keys(StateImage image, String ingredient) {
        return image.sections().stream().filter(s -> s.ingredient().equals(ingredient))
                .flatMap(s -> s.records().stream()).map(StoredRecord::key).toList();
    }

    @Test
    void cellRevalidateMissing_aLoadedResultThatReadAnUnregisteredIngredientIsRecomputed() {
        // r[cell.revalidate-missing] r[store.mismatch]: the reproduction of issue 19
        Database a = Database.create();
        Database b = Database.create();
        InputIngredient<String, String> extra = a.input("Extra", String.class, String.class);
        DerivedIngredient<String, Long> len = a.derived("Len", String.class, Long.class,
                (c, k) -> (long) extra.get(c, k).orElse("").length());
        extra.set(a, "a", "zz");
        assertThat(len.get(a, "a")).isEqualTo(2L);
        b.input("Text", String.class, String.class);
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, Long> lenB = b.derived("Len", String.class, Long.class, (c, k) -> {
            runs.incrementAndGet();
            return 7L;
        });

        ImportReport report = b.importState(a.exportState());

        assertThat(report.skippedSections()).containsExactly("Extra");
        assertThat(lenB.get(b, "a")).isEqualTo(7L);
        assertThat(lenB.get(b, "a")).isEqualTo(7L);
        assertThat(runs).hasValue(1);
        b.input("Other", String.class, String.class).set(b, "x", "y");
        assertThat(lenB.get(b, "a")).as("still served at later revisions").isEqualTo(7L);
        assertThat(runs).hasValue(1);
    }
}
