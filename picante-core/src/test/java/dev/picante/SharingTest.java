package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sharing work between the views of one database, single-threaded: a view may reuse a result another view
 * computed, but every value must equal what a fresh database with the same inputs gives.
 */
@Timeout(10)
class SharingTest {

    /** One database with inputs {@code x(k)}, {@code y(k)} and {@code report(k) = x(k) * 10 + y(k)}. */
    private static final class World {
        final Database db;
        final InputIngredient<String, Integer> x;
        final InputIngredient<String, Integer> y;
        final AtomicInteger runs = new AtomicInteger();
        final DerivedIngredient<String, String> report;

        World() {
            this(Database.create());
        }

        World(Database db) {
            this.db = db;
            this.x = db.input("x", String.class, Integer.class);
            this.y = db.input("y", String.class, Integer.class);
            this.report = db.derived("report", String.class, String.class, (ctx, k) -> {
                runs.incrementAndGet();
                int sum = x.get(ctx, k).orElse(0) * 10 + y.get(ctx, k).orElse(0);
                return k + ":" + sum;
            });
        }

        long computations() {
            return db.inspector().ingredient("report").counters().computations();
        }
    }

    /** What a fresh database with exactly these inputs answers. */
    private static String fresh(Map<String, Integer> xs, Map<String, Integer> ys, String key) {
        World w = new World();
        xs.forEach((k, v) -> w.x.set(w.db, k, v));
        ys.forEach((k, v) -> w.y.set(w.db, k, v));
        return w.report.get(w.db, key);
    }

    @Test
    void snapshotReusesResultsThePrimaryComputed() {
        // r[sharing.nonobservable]
        World w = new World();
        Map<String, Integer> xs = new TreeMap<>(Map.of("a", 1, "b", 2, "c", 3));
        xs.forEach((k, v) -> w.x.set(w.db, k, v));
        for (String k : xs.keySet()) {
            w.report.get(w.db, k);
        }
        assertThat(w.runs).hasValue(3);

        Snapshot snapshot = w.db.snapshot();
        for (String k : xs.keySet()) {
            assertThat(w.report.get(snapshot, k)).isEqualTo(fresh(xs, Map.of(), k));
        }
        assertThat(w.runs).as("valid in the snapshot: no new computation").hasValue(3);
        assertThat(w.computations()).isEqualTo(3);
    }

    @Test
    void snapshotTakenBeforeTheComputationAdoptsItAtTheSameState() {
        // r[sharing.nonobservable]
        World w = new World();
        w.x.set(w.db, "a", 4);
        w.y.set(w.db, "a", 2);
        Snapshot early = w.db.snapshot(); // no results yet
        assertThat(w.report.get(w.db, "a")).isEqualTo("a:42");
        assertThat(w.report.get(early, "a")).isEqualTo("a:42");
        assertThat(w.runs).as("the snapshot's inputs are the same: adopted").hasValue(1);
    }

    @Test
    void primaryAdoptsAResultASnapshotComputed() {
        // r[sharing.nonobservable]
        World w = new World();
        w.x.set(w.db, "a", 7);
        Snapshot snapshot = w.db.snapshot();
        assertThat(w.report.get(snapshot, "a")).isEqualTo("a:70");
        assertThat(w.report.get(w.db, "a")).isEqualTo("a:70");
        assertThat(w.runs).hasValue(1);
        assertThat(w.computations()).isEqualTo(1);

        // still reused after an unrelated change on the primary
        w.x.set(w.db, "unrelated", 1);
        Snapshot later = w.db.snapshot();
        assertThat(w.report.get(later, "a")).isEqualTo("a:70");
        assertThat(w.report.get(w.db, "a")).isEqualTo("a:70");
        assertThat(w.runs).hasValue(1);
    }

    @Test
    void primaryNeverAdoptsAResultComputedFromASnapshotsOwnInputs() {
        // r[sharing.nonobservable]
        World w = new World();
        w.x.set(w.db, "a", 1);
        Snapshot snapshot = w.db.snapshot();
        w.x.set(snapshot, "a", 2); // only in the snapshot
        assertThat(w.report.get(snapshot, "a")).isEqualTo("a:20");

        // same revision line position as the snapshot's fork point
        assertThat(w.report.get(w.db, "a")).isEqualTo(fresh(Map.of("a", 1), Map.of(), "a")).isEqualTo("a:10");

        // after the primary moved past the snapshot's revision number
        w.y.set(w.db, "b", 5);
        w.y.set(w.db, "c", 6);
        assertThat(w.report.get(w.db, "a")).isEqualTo("a:10");
        assertThat(w.report.get(snapshot, "a")).isEqualTo("a:20");
    }

    @Test
    void primaryNeverAdoptsASnapshotResultForAKeyItNeverComputed() {
        // r[sharing.nonobservable]
        World w = new World();
        w.x.set(w.db, "a", 1);
        w.y.set(w.db, "a", 1);
        Snapshot snapshot = w.db.snapshot();
        w.x.set(snapshot, "a", 2);
        w.y.set(snapshot, "unrelated", 9);
        assertThat(w.report.get(snapshot, "a")).isEqualTo("a:21");
        w.y.set(w.db, "other", 3); // the primary moves on; its x(a) is still 1
        w.y.set(w.db, "other", 4);
        w.y.set(w.db, "other", 5);
        assertThat(w.report.get(w.db, "a")).isEqualTo("a:11");
        assertThat(w.report.get(w.db.snapshot(), "a")).isEqualTo("a:11");
    }

    @Test
    void snapshotNeverAdoptsAResultComputedFromLaterPrimaryInputs() {
        // r[sharing.nonobservable]
        World w = new World();
        w.x.set(w.db, "a", 1);
        Snapshot old = w.db.snapshot();
        w.x.set(w.db, "a", 3);
        assertThat(w.report.get(w.db, "a")).isEqualTo("a:30");
        assertThat(w.report.get(old, "a")).isEqualTo("a:10");
        w.y.set(old, "z", 0); // the snapshot moves on its own line
        w.y.set(old, "z", 1);
        assertThat(w.report.get(old, "a")).isEqualTo("a:10");
        assertThat(w.report.get(old.snapshot(), "a")).isEqualTo("a:10");
    }

    @Test
    void everyViewAnswersLikeAFreshDatabaseThroughAMixedScript() {
        // r[sharing.nonobservable]
        World w = new World();
        Map<String, Integer> px = new TreeMap<>();
        Map<String, Integer> py = new TreeMap<>();
        List<String> keys = List.of("a", "b", "c");
        for (String k : keys) {
            w.x.set(w.db, k, k.charAt(0) - 'a');
            px.put(k, k.charAt(0) - 'a');
        }
        keys.forEach(k -> w.report.get(w.db, k));
        Snapshot s1 = w.db.snapshot();
        Map<String, Integer> s1x = new TreeMap<>(px);
        Map<String, Integer> s1y = new TreeMap<>(py);

        w.x.set(s1, "b", 9);
        s1x.put("b", 9);
        w.y.set(w.db, "c", 4);
        py.put("c", 4);
        Snapshot s2 = w.db.snapshot();
        Map<String, Integer> s2x = new TreeMap<>(px);
        Map<String, Integer> s2y = new TreeMap<>(py);
        w.y.set(s1, "a", 5);
        s1y.put("a", 5);
        w.x.set(w.db, "a", 8);
        px.put("a", 8);
        w.x.set(s2, "c", 1);
        s2x.put("c", 1);

        for (int round = 0; round < 2; round++) {
            for (String k : keys) {
                assertThat(w.report.get(s1, k)).as("s1 %s", k).isEqualTo(fresh(s1x, s1y, k));
                assertThat(w.report.get(w.db, k)).as("db %s", k).isEqualTo(fresh(px, py, k));
                assertThat(w.report.get(s2, k)).as("s2 %s", k).isEqualTo(fresh(s2x, s2y, k));
            }
        }
    }
}
