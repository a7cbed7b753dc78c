package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Inspector.Outcome;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link Snapshot#promote()}: results a snapshot computed at its source's current state are handed to the
 * source, which then reuses them without computing; nothing is handed over once either side was written. A
 * snapshot of the database resolves its reads in the database while the database is at its state, so what it
 * could promote is there already; a snapshot of a snapshot computes for itself. The shared cache is off here,
 * so any reuse comes from promotion or from the database itself.
 */
class PromotionTest {

    // r[sharing.nonobservable] r[snapshot.memo-isolation]

    private final Database db = Database.builder().sharedCacheMaxEntries(0).build();
    private final InputIngredient<String, String> pages = db.input("pages", String.class, String.class);
    private final AtomicInteger wordCounts = new AtomicInteger();
    private final AtomicInteger reports = new AtomicInteger();
    private final DerivedIngredient<String, Integer> words = db.derived("words", String.class, Integer.class,
            (ctx, page) -> {
                wordCounts.incrementAndGet();
                return pages.require(ctx, page).split(" ").length;
            });
    private final DerivedIngredient<String, String> report = db.derived("report", String.class, String.class,
            (ctx, page) -> {
                reports.incrementAndGet();
                return page + ":" + words.get(ctx, page);
            });

    @Test
    void aSnapshotAtTheDatabasesStateResolvesItsReadsInTheDatabase() {
        // A request's snapshot taken while the database is at its state: what it computes is computed once, in
        // the database, which reuses it at once; there is nothing left to promote.
        pages.set(db, "a", "one two three");
        try (Snapshot request = db.snapshot()) {
            assertThat(report.get(request, "a")).isEqualTo("a:3");
            assertThat(db.inspector().explain("report", "a").outcome()).isEqualTo(Outcome.COMPUTED);
            assertThat(db.inspector().explain(request, "report", "a").outcome()).isEqualTo(Outcome.ADOPTED);
            assertThat(request.promote()).isZero();
        }
        assertThat(report.get(db, "a")).isEqualTo("a:3");
        assertThat(words.get(db, "a")).isEqualTo(3);
        assertThat(reports).hasValue(1);
        assertThat(wordCounts).hasValue(1);

        // The database's results carry their dependencies: a change still invalidates them.
        pages.set(db, "a", "one");
        assertThat(report.get(db, "a")).isEqualTo("a:1");
        assertThat(reports).hasValue(2);
    }

    @Test
    void aFailureAtTheDatabasesStateIsTheDatabasesForThatRevisionOnly() {
        // r[cell.poison]: the failure is resolved in the database, valid at its revision only.
        try (Snapshot request = db.snapshot()) {
            assertThatThrownBy(() -> words.get(request, "missing")).isInstanceOf(QueryFailedException.class);
            assertThat(request.promote()).isZero();
        }
        assertThat(db.inspector().explain("words", "missing").outcome()).isEqualTo(Outcome.FAILED);
        pages.set(db, "missing", "now here");
        assertThat(words.get(db, "missing")).isEqualTo(2);
        assertThat(wordCounts).hasValue(2);
    }

    @Test
    void promotingTwiceAdoptsNothingNew() {
        pages.set(db, "a", "x");
        try (Snapshot outer = db.snapshot(); Snapshot request = outer.snapshot()) {
            words.get(request, "a");
            assertThat(request.promote()).isEqualTo(1);
            assertThat(request.promote()).isZero();
        }
    }

    @Test
    void nothingIsPromotedAfterTheSourceWasWritten() {
        pages.set(db, "a", "one two");
        try (Snapshot outer = db.snapshot(); Snapshot request = outer.snapshot()) {
            assertThat(words.get(request, "a")).isEqualTo(2);
            pages.set(outer, "b", "unrelated");
            assertThat(request.promote()).isZero();
            assertThat(db.inspector().cell(outer, "words", "a")).isEmpty();
            assertThat(words.get(outer, "a")).isEqualTo(2);
        }
        assertThat(wordCounts).hasValue(2);
    }

    @Test
    void aSnapshotOfAMovedDatabaseComputesForItselfAndPromotesNothing() {
        pages.set(db, "a", "one two");
        try (Snapshot request = db.snapshot()) {
            pages.set(db, "b", "unrelated");
            assertThat(words.get(request, "a")).isEqualTo(2);
            assertThat(db.inspector().cell("words", "a")).isEmpty();
            assertThat(request.promote()).isZero();
        }
        assertThat(db.inspector().cell("words", "a")).isEmpty();
        assertThat(words.get(db, "a")).isEqualTo(2);
        assertThat(wordCounts).hasValue(2);
    }

    @Test
    void nothingIsPromotedAfterTheSnapshotWasWritten() {
        pages.set(db, "a", "one two");
        try (Snapshot request = db.snapshot()) {
            pages.set(request, "a", "only in the snapshot");
            assertThat(words.get(request, "a")).isEqualTo(4);
            assertThat(request.promote()).isZero();
        }
        assertThat(words.get(db, "a")).isEqualTo(2);
    }

    @Test
    void failuresAreNotPromoted() {
        try (Snapshot outer = db.snapshot(); Snapshot request = outer.snapshot()) {
            assertThatThrownBy(() -> words.get(request, "missing")).isInstanceOf(QueryFailedException.class);
            assertThat(request.promote()).isZero();
            assertThat(db.inspector().cell(outer, "words", "missing")).isEmpty();
        }
    }

    @Test
    void aResultTheSourceAlreadyHoldsIsKept() {
        pages.set(db, "a", "one two");
        words.get(db, "a");
        try (Snapshot request = db.snapshot()) {
            words.get(request, "a");   // the snapshot reuses its source's result
            assertThat(request.promote()).isZero();
        }
        assertThat(db.inspector().explain("words", "a").outcome()).isEqualTo(Outcome.COMPUTED);
    }

    @Test
    void aSnapshotOfASnapshotPromotesIntoItsOwnSource() {
        pages.set(db, "a", "one two");
        try (Snapshot outer = db.snapshot(); Snapshot inner = outer.snapshot()) {
            words.get(inner, "a");
            assertThat(inner.promote()).isEqualTo(1);
            assertThat(db.inspector().cell(outer, "words", "a")).isPresent();
            assertThat(db.inspector().cell("words", "a")).isEmpty();
            assertThat(outer.promote()).isEqualTo(1);
            assertThat(db.inspector().cell("words", "a")).isPresent();
        }
        assertThat(wordCounts).hasValue(1);
    }

    @Test
    void aClosedSnapshotCannotPromote() {
        Snapshot request = db.snapshot();
        request.close();
        assertThatThrownBy(request::promote).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("was closed");
    }
}
