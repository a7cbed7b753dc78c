package dev.picante.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.Snapshot;
import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * First results computed at one state of a view share one {@link Version} ({@code ViewState.newVersion}); a
 * result computed again at a state that already had one (after an eviction, here of a compute function that is
 * not deterministic) takes a version of its own, and so does a snapshot's, so that no dependent of an earlier
 * result takes a later one for it (r[changed-at.derived], r[cell.revalidate], r[revision.early-cutoff],
 * r[evict.derived], r[snapshot.memo-isolation], r[sharing.nonobservable]).
 *
 * <p>The dependency chain of the last two tests: {@code parity(k)} reads input {@code in(k)} and keeps its
 * value across an edit that leaves the parity (early cutoff), {@code counter(k)} reads {@code parity(k)} and
 * returns a new number at every run (not deterministic), {@code label(k)} reads {@code counter(k)}. After the
 * edit the marks reach {@code label} through {@code counter}, which revalidates unchanged, so {@code label} is
 * kept exactly when the version it recorded for {@code counter} is the one {@code counter} holds.
 */
@Timeout(30)
class VersionSharingTest {

    private Database db;
    private InputIngredient<Integer, Integer> in;
    private DerivedIngredient<Integer, Integer> parity;
    private DerivedIngredient<Integer, Integer> counter;
    private DerivedIngredient<Integer, String> label;
    private final AtomicInteger counterRuns = new AtomicInteger();
    private final AtomicInteger labelRuns = new AtomicInteger();

    @BeforeEach
    void setUp() {
        db = Database.builder().sharedCacheMaxEntries(0).build();
        in = db.input("in", Integer.class, Integer.class);
        parity = db.derived("parity", Integer.class, Integer.class, (ctx, k) -> in.require(ctx, k) % 2);
        counter = db.derived("counter", Integer.class, Integer.class, (ctx, k) -> {
            parity.get(ctx, k);
            return counterRuns.incrementAndGet();
        });
        label = db.derived("label", Integer.class, String.class, (ctx, k) -> {
            labelRuns.incrementAndGet();
            return "label of " + counter.get(ctx, k);
        });
        in.set(db, 1, 2);
        in.set(db, 2, 4);
    }

    private static Engine engine(Database db) throws ReflectiveOperationException {
        Field field = Database.class.getDeclaredField("engine");
        field.setAccessible(true);
        return (Engine) field.get(db);
    }

    private Version version(String ingredient, Object key) throws ReflectiveOperationException {
        Engine engine = engine(db);
        Cell cell = engine.primary().cell(engine.ingredient(ingredient).index, key);
        assertThat(cell).as("cell of %s(%s)", ingredient, key).isNotNull();
        return cell.version;
    }

    @Test
    void firstResultsAtOneStateShareOneVersionAndANewValueLaterTakesAnother() throws Exception {
        long revision = db.revision().value();
        label.get(db, 1);
        label.get(db, 2);
        Version shared = version("label", 1);
        assertThat(shared.changedAt()).isEqualTo(revision);
        for (String ingredient : new String[] {"parity", "counter", "label"}) {
            for (int key = 1; key <= 2; key++) {
                assertThat(version(ingredient, key)).as("%s(%d)", ingredient, key).isSameAs(shared);
            }
        }

        in.set(db, 1, 3); // parity(1) changes: everything of key 1 gets a new value at the new revision
        assertThat(label.get(db, 1)).isEqualTo("label of 3");
        Version later = version("label", 1);
        assertThat(later).isNotSameAs(shared);
        assertThat(later.changedAt()).isEqualTo(db.revision().value());
        assertThat(version("parity", 1)).isSameAs(later);
        assertThat(version("label", 2)).isSameAs(shared); // untouched

        in.set(db, 2, 6); // parity(2) equal: early cutoff keeps its version, nothing else of key 2 recomputes
        assertThat(label.get(db, 2)).isEqualTo("label of 2");
        assertThat(version("parity", 2)).isSameAs(shared);
        assertThat(version("label", 2)).isSameAs(shared);
    }

    @Test
    void aResultComputedAgainAfterAnEvictionAtTheSameRevisionIsNotTakenForTheFirst() throws Exception {
        assertThat(label.get(db, 1)).isEqualTo("label of 1");
        Version first = version("counter", 1);
        db.evict(counter);
        assertThat(counter.get(db, 1)).isEqualTo(2); // computed again at the same revision, another value
        assertThat(version("counter", 1)).isNotSameAs(first);

        in.set(db, 1, 4); // parity(1) unchanged: counter(1) revalidates unchanged and keeps its second result
        assertThat(counter.get(db, 1)).isEqualTo(2);
        // label(1) read the first counter(1): it must not be kept as if it had read the second
        assertThat(label.get(db, 1)).isEqualTo("label of 2");
        assertThat(labelRuns.get()).isEqualTo(2);
    }

    @Test
    void aSnapshotsResultAtTheStateItSharesWithTheDatabaseIsNotTakenForTheDatabasesResult() {
        assertThat(label.get(db, 1)).isEqualTo("label of 1");
        try (Snapshot snapshot = db.snapshot()) {
            db.evict(counter);
            in.set(db, 2, 5); // the database moves on: the snapshot resolves what it lacks on its own
            // the snapshot computes counter(1) at the state the database computed it at, another value
            assertThat(counter.get(snapshot, 1)).isEqualTo(2);
            // the database's label(1) read the database's counter(1): the snapshot must not adopt it as is
            assertThat(label.get(snapshot, 1)).isEqualTo("label of 2");
        }
    }
}
