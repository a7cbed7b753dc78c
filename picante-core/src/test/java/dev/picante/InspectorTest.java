package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.picante.Inspector.CellInfo;
import dev.picante.Inspector.CellState;
import dev.picante.Inspector.Counters;
import dev.picante.Inspector.DependencyGraph;
import dev.picante.Inspector.DependencyGraph.Edge;
import dev.picante.Inspector.Explanation;
import dev.picante.Inspector.Outcome;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The inspector after scripted scenarios: exact counters, cells, the dependency graph and explanations.
 *
 * <p>Scenario: {@code len(k)} is the length of input {@code text(k)}; {@code other} is an input nobody reads;
 * {@code boom(k)} reads {@code text(k)} and throws.
 */
@Timeout(10)
class InspectorTest {

    private Database db;
    private Inspector inspector;
    private InputIngredient<String, String> text;
    private InputIngredient<String, String> other;
    private DerivedIngredient<String, Integer> len;
    private DerivedIngredient<String, Integer> boom;
    private final AtomicInteger lenRuns = new AtomicInteger();
    private final AtomicInteger boomRuns = new AtomicInteger();

    @BeforeEach
    void setUp() {
        db = Database.create();
        inspector = db.inspector();
        text = db.input("text", String.class, String.class);
        other = db.input("other", String.class, String.class);
        len = db.derived("len", String.class, Integer.class, (ctx, k) -> {
            lenRuns.incrementAndGet();
            return text.require(ctx, k).length();
        });
        boom = db.derived("boom", String.class, Integer.class, (ctx, k) -> {
            boomRuns.incrementAndGet();
            throw new IllegalStateException("boom on " + text.require(ctx, k));
        });
    }

    @Test
    void hitsFromManyThreadsAreCountedExactly() throws InterruptedException {
        // Hits are counted per thread; the counts of threads that ended must stay in the total.
        text.set(db, "alpha", "xx");
        assertThat(len.get(db, "alpha")).isEqualTo(2);
        int threads = 40;
        int hitsPerThread = 1_000;
        for (int round = 0; round < threads; round += 4) {
            Thread[] batch = new Thread[4];
            for (int t = 0; t < batch.length; t++) {
                batch[t] = new Thread(() -> {
                    for (int i = 0; i < hitsPerThread; i++) {
                        assertThat(len.get(db, "alpha")).isEqualTo(2);
                    }
                });
                batch[t].start();
            }
            for (Thread thread : batch) {
                thread.join();
            }
        }
        assertThat(len.get(db, "alpha")).isEqualTo(2);
        assertThat(inspector.ingredient("len").counters())
                .isEqualTo(new Counters((long) threads * hitsPerThread + 1, 1, 0, 0, 0));
    }

    @Test
    void countersAfterAScriptedScenario() {
        // r[cell.revalidate]
        // r[revision.early-cutoff]
        // r[cell.poison]
        text.set(db, "alpha", "xx");
        other.set(db, "o", "1");
        assertThat(len.get(db, "alpha")).isEqualTo(2); // computation
        assertThat(len.get(db, "alpha")).isEqualTo(2); // hit
        other.set(db, "o", "2");
        assertThat(len.get(db, "alpha")).isEqualTo(2); // revalidation
        text.set(db, "alpha", "yyy");
        assertThat(len.get(db, "alpha")).isEqualTo(3); // computation
        text.set(db, "alpha", "zzz");
        assertThat(len.get(db, "alpha")).isEqualTo(3); // computation with early cutoff
        assertThat(len.get(db, "alpha")).isEqualTo(3); // hit

        assertThat(inspector.ingredient("len").counters()).isEqualTo(new Counters(2, 3, 1, 1, 0));
        assertThat(lenRuns).hasValue(3);

        catchThrowableOfType(QueryFailedException.class, () -> boom.get(db, "alpha"));
        catchThrowableOfType(QueryFailedException.class, () -> boom.get(db, "alpha"));
        Counters boomCounters = inspector.ingredient("boom").counters();
        assertThat(boomCounters.computations()).isEqualTo(1);
        assertThat(boomCounters.failures()).isEqualTo(1);
        assertThat(boomCounters.revalidations()).isZero();
        assertThat(boomCounters.earlyCutoffs()).isZero();
        assertThat(boomRuns).hasValue(1);

        assertThat(inspector.ingredient("len").entries()).isEqualTo(1);
        assertThat(inspector.ingredient("boom").entries()).isEqualTo(1);
        assertThat(inspector.ingredient("text").entries()).isEqualTo(1);
        assertThat(inspector.ingredient("other").counters()).isEqualTo(new Counters(0, 0, 0, 0, 0));
        // counters are monotonic snapshots: inspecting changes nothing
        assertThat(inspector.ingredient("len").counters()).isEqualTo(new Counters(2, 3, 1, 1, 0));
    }

    @Test
    void countersAreDatabaseWideAcrossViews() {
        Database db2 = Database.builder().sharedCacheMaxEntries(0).build();
        InputIngredient<String, String> in = db2.input("in", String.class, String.class);
        DerivedIngredient<String, Integer> size = db2.derived("size", String.class, Integer.class,
                (ctx, k) -> in.require(ctx, k).length());
        in.set(db2, "k", "abc");
        Snapshot snapshot = db2.snapshot();
        in.set(snapshot, "k", "abcd");
        assertThat(size.get(db2, "k")).isEqualTo(3);
        assertThat(size.get(snapshot, "k")).isEqualTo(4);
        assertThat(db2.inspector().ingredient("size").counters().computations()).isEqualTo(2);
        assertThat(db2.inspector().ingredient("size").entries()).as("entries of the primary view").isEqualTo(1);
    }

    @Test
    void cellsShowRevisionsStatesAndDependencies() {
        // r[changed-at.meaning]
        // r[changed-at.derived]
        // r[dep.recording]
        text.set(db, "alpha", "xx");
        text.set(db, "gone", "soon");
        assertThat(len.get(db, "alpha")).isEqualTo(2);
        Revision changed = text.set(db, "alpha", "yyy");
        assertThat(len.get(db, "alpha")).isEqualTo(3);
        Revision cutoff = text.set(db, "alpha", "zzz");
        assertThat(len.get(db, "alpha")).isEqualTo(3);
        Revision removed = text.remove(db, "gone");
        assertThat(len.get(db, "alpha")).isEqualTo(3); // revalidated at `removed`
        IllegalStateException cause = (IllegalStateException) catchThrowableOfType(QueryFailedException.class,
                () -> boom.get(db, "alpha")).getCause();

        assertThat(inspector.cells("len")).containsExactly(new CellInfo(new QueryRef("len", "alpha"),
                CellState.READY, 3, removed, changed, List.of(new QueryRef("text", "alpha"))));
        assertThat(inspector.cells("text")).containsExactly(
                new CellInfo(new QueryRef("text", "alpha"), CellState.READY, "zzz", cutoff, cutoff, List.of()),
                new CellInfo(new QueryRef("text", "gone"), CellState.REMOVED, null, removed, removed, List.of()));
        CellInfo boomCell = inspector.cell("boom", "alpha").orElseThrow();
        assertThat(boomCell.state()).isEqualTo(CellState.POISONED);
        assertThat(boomCell.value()).isSameAs(cause);
        assertThat(inspector.cell("len", "never")).isEmpty();
        assertThat(inspector.cell("text", "never")).isEmpty();
    }

    @Test
    void graphHasANodePerRecordAndAnEdgePerRead() {
        // r[dep.recording]
        DerivedIngredient<String, String> describe = db.derived("describe", String.class, String.class,
                (ctx, k) -> k + " has " + len.get(ctx, k) + " chars" + other.get(ctx, k).map(o -> ", " + o).orElse(""));
        text.set(db, "alpha", "abc");
        assertThat(describe.get(db, "alpha")).isEqualTo("alpha has 3 chars");

        DependencyGraph graph = inspector.graph();
        QueryRef describeAlpha = new QueryRef("describe", "alpha");
        QueryRef lenAlpha = new QueryRef("len", "alpha");
        QueryRef textAlpha = new QueryRef("text", "alpha");
        QueryRef otherAlpha = new QueryRef("other", "alpha");
        assertThat(graph.nodes()).containsExactlyInAnyOrder(describeAlpha, lenAlpha, textAlpha, otherAlpha);
        assertThat(graph.edges()).containsExactlyInAnyOrder(new Edge(describeAlpha, lenAlpha),
                new Edge(describeAlpha, otherAlpha), new Edge(lenAlpha, textAlpha));
        assertThat(graph.toDot()).startsWith("digraph").contains("\"describe(alpha)\" -> \"len(alpha)\"")
                .contains("\"describe(alpha)\" -> \"other(alpha)\"").contains("\"len(alpha)\" -> \"text(alpha)\"");
        assertThat(inspector.graph(db)).isEqualTo(graph);
    }

    @Test
    void explainTellsWhyAResultIsHeld() {
        // r[cell.revalidate]
        // r[revision.early-cutoff]
        // r[changed-at.derived]
        assertThat(inspector.explain("len", "alpha").outcome()).isEqualTo(Outcome.NOT_COMPUTED);
        assertThat(inspector.explain("len", "alpha").changedAt()).isNull();
        assertThat(lenRuns).as("explaining never computes").hasValue(0);

        Revision r1 = text.set(db, "alpha", "xx");
        len.get(db, "alpha");
        Explanation computed = inspector.explain("len", "alpha");
        assertThat(computed.query()).isEqualTo(new QueryRef("len", "alpha"));
        assertThat(computed.outcome()).isEqualTo(Outcome.COMPUTED);
        assertThat(computed.revision()).isEqualTo(r1);
        assertThat(computed.changedAt()).isNotNull().isLessThanOrEqualTo(r1);
        assertThat(computed.message()).isNotBlank();

        Revision r2 = other.set(db, "o", "unrelated");
        len.get(db, "alpha");
        Explanation revalidated = inspector.explain("len", "alpha");
        assertThat(revalidated.outcome()).isEqualTo(Outcome.REVALIDATED);
        assertThat(revalidated.revision()).isEqualTo(r2);
        assertThat(revalidated.changedAt()).isEqualTo(computed.changedAt());

        Revision r3 = text.set(db, "alpha", "yyy");
        other.set(db, "o", "later"); // the view moves on before the access
        Revision r4 = db.revision();
        len.get(db, "alpha");
        Explanation recomputed = inspector.explain("len", "alpha");
        assertThat(recomputed.outcome()).isEqualTo(Outcome.RECOMPUTED);
        assertThat(recomputed.revision()).isEqualTo(r4);
        assertThat(recomputed.changedAt()).isEqualTo(r4);
        assertThat(recomputed.dependency()).isEqualTo(new QueryRef("text", "alpha"));
        assertThat(recomputed.dependencyChangedAt()).isEqualTo(r3);
        assertThat(recomputed.message()).contains("text").contains("alpha");

        Revision r5 = text.set(db, "alpha", "zzz");
        len.get(db, "alpha");
        Explanation unchanged = inspector.explain("len", "alpha");
        assertThat(unchanged.outcome()).isEqualTo(Outcome.RECOMPUTED_UNCHANGED);
        assertThat(unchanged.revision()).isEqualTo(r5);
        assertThat(unchanged.changedAt()).isEqualTo(r4);
        assertThat(unchanged.dependency()).isEqualTo(new QueryRef("text", "alpha"));
        assertThat(unchanged.dependencyChangedAt()).isEqualTo(r5);

        catchThrowableOfType(QueryFailedException.class, () -> boom.get(db, "alpha"));
        Explanation failed = inspector.explain("boom", "alpha");
        assertThat(failed.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(failed.revision()).isEqualTo(r5);

        assertThat(inspector.explain("len", "unknown-key").outcome()).isEqualTo(Outcome.NOT_COMPUTED);
        assertThat(inspector.explain("len", "unknown-key").query()).isEqualTo(new QueryRef("len", "unknown-key"));
        assertThat(lenRuns).hasValue(3);
    }

    @Test
    void unknownIngredientNamesAreRejected() {
        assertThatThrownBy(() -> inspector.explain("nope", "k")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> inspector.explain("text", "k")).as("explain needs a derived ingredient")
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> inspector.ingredient("nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> inspector.cells("nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope");
        Database another = Database.create();
        another.input("text", String.class, String.class);
        assertThatThrownBy(() -> inspector.cells(another, "text")).isInstanceOf(IllegalArgumentException.class);
        assertThat(inspector.database()).isSameAs(db);
    }

    @Test
    void inspectingSnapshotsShowsTheirOwnCells() {
        // r[changed-at.meaning]
        text.set(db, "alpha", "xx");
        Snapshot snapshot = db.snapshot();
        Revision snapshotChange = text.set(snapshot, "alpha", "xyz");
        assertThat(len.get(snapshot, "alpha")).isEqualTo(3);
        assertThat(inspector.cell(snapshot, "text", "alpha")).get().extracting(CellInfo::value).isEqualTo("xyz");
        assertThat(inspector.cell("text", "alpha")).get().extracting(CellInfo::value).isEqualTo("xx");
        assertThat(inspector.cell(snapshot, "len", "alpha")).get().extracting(CellInfo::verifiedAt)
                .isEqualTo(snapshotChange);
        assertThat(inspector.explain(snapshot, "len", "alpha").outcome()).isIn(Outcome.COMPUTED, Outcome.RECOMPUTED);
        assertThat(inspector.explain("len", "alpha").outcome()).isEqualTo(Outcome.NOT_COMPUTED);
    }

    @Test
    void inputEntriesCountSlotsHoldingAValueThroughSetsRemovesBatchesAndSnapshots() {
        // r[input.slot]: a removed slot holds nothing, so it is not an entry
        Database db = Database.create();
        InputIngredient<String, String> in = db.input("in", String.class, String.class);
        in.set(db, "a", "1");
        in.set(db, "b", "2");
        in.set(db, "b", "3");
        in.remove(db, "a");
        in.remove(db, "zz");
        db.batch().set(in, "c", "4").remove(in, "c").set(in, "d", "5").set(in, "a", "6").commit();
        Snapshot snapshot = db.snapshot();
        in.remove(snapshot, "b");

        assertThat(db.inspector().ingredient("in").entries()).isEqualTo(3);
        assertThat(db.inspector().cells("in").stream().filter(c -> c.state() == Inspector.CellState.READY))
                .hasSize(3);
        assertThat(db.inspector().cells(snapshot, "in").stream()
                .filter(c -> c.state() == Inspector.CellState.READY)).hasSize(2);
    }
}
