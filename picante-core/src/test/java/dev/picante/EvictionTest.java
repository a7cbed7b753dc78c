package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Inspector.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Eviction of derived memos and their dependency metadata, by {@link Database#evict} or by the
 * {@code maxMemosPerIngredient} bound: results never change, only work may rise, and only for what was dropped.
 *
 * <p>Most databases here turn the shared cache off ({@code sharedCacheMaxEntries(0)}), so that a dropped result
 * cannot be adopted back and has to be recomputed: that makes "work rises only for evicted entries" exact.
 */
@Timeout(10)
class EvictionTest {

    /** Counts compute runs per key. */
    private static final class Runs {
        private final Map<Object, AtomicInteger> byKey = new ConcurrentHashMap<>();

        void hit(Object key) {
            byKey.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        }

        int of(Object key) {
            AtomicInteger n = byKey.get(key);
            return n == null ? 0 : n.get();
        }
    }

    private static Database noSharedCache() {
        return Database.builder().sharedCacheMaxEntries(0).build();
    }

    @Test
    void evictedResultsRecomputeToEqualValuesAndOthersAreUntouched() {
        // r[evict.derived]
        Database db = noSharedCache();
        InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        Runs squareRuns = new Runs();
        Runs cubeRuns = new Runs();
        DerivedIngredient<Integer, Integer> square = db.derived("square", Integer.class, Integer.class, (ctx, k) -> {
            squareRuns.hit(k);
            int v = in.require(ctx, k);
            return v * v;
        });
        DerivedIngredient<Integer, Integer> cube = db.derived("cube", Integer.class, Integer.class, (ctx, k) -> {
            cubeRuns.hit(k);
            int v = in.require(ctx, k);
            return v * v * v;
        });
        for (int k = 1; k <= 3; k++) {
            in.set(db, k, k + 1);
        }
        List<Integer> squares = List.of(square.get(db, 1), square.get(db, 2), square.get(db, 3));
        List<Integer> cubes = List.of(cube.get(db, 1), cube.get(db, 2), cube.get(db, 3));
        assertThat(squares).containsExactly(4, 9, 16);
        Revision before = db.revision();

        assertThat(db.evict(square)).isEqualTo(3);
        assertThat(db.revision()).as("eviction is not a mutation").isEqualTo(before);
        assertThat(db.inspector().ingredient("square").entries()).isZero();
        assertThat(db.inspector().explain("square", 2).outcome()).isEqualTo(Outcome.NOT_COMPUTED);

        assertThat(List.of(square.get(db, 1), square.get(db, 2), square.get(db, 3))).isEqualTo(squares);
        assertThat(List.of(cube.get(db, 1), cube.get(db, 2), cube.get(db, 3))).isEqualTo(cubes);
        for (int k = 1; k <= 3; k++) {
            assertThat(squareRuns.of(k)).as("square(%s) evicted", k).isEqualTo(2);
            assertThat(cubeRuns.of(k)).as("cube(%s) kept", k).isEqualTo(1);
        }
        assertThat(db.inspector().explain("square", 2).outcome()).isEqualTo(Outcome.COMPUTED);
    }

    @Test
    void evictedResultIsRecomputedAsOfTheCurrentRevision() {
        // r[evict.derived]
        Database db = noSharedCache();
        InputIngredient<String, String> in = db.input("in", String.class, String.class);
        DerivedIngredient<String, String> echo = db.derived("echo", String.class, String.class,
                (ctx, k) -> k + "=" + in.get(ctx, k).orElse("?"));
        in.set(db, "k", "old");
        assertThat(echo.get(db, "k")).isEqualTo("k=old");
        Snapshot old = db.snapshot();
        assertThat(echo.get(old, "k")).isEqualTo("k=old");

        in.set(db, "k", "new");
        db.evict(echo);
        assertThat(echo.get(db, "k")).isEqualTo("k=new");
        // the snapshot still answers as of its own revision
        assertThat(echo.get(old, "k")).isEqualTo("k=old");
    }

    @Test
    void evictWithTheSharedCacheOnGivesEqualResults() {
        // r[evict.derived]
        Database db = Database.create();
        InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        Runs runs = new Runs();
        DerivedIngredient<Integer, Integer> twice = db.derived("twice", Integer.class, Integer.class, (ctx, k) -> {
            runs.hit(k);
            return 2 * in.require(ctx, k);
        });
        in.set(db, 1, 5);
        in.set(db, 2, 6);
        assertThat(twice.get(db, 1)).isEqualTo(10);
        assertThat(twice.get(db, 2)).isEqualTo(12);
        db.evict("twice");
        assertThat(twice.get(db, 1)).isEqualTo(10);
        assertThat(twice.get(db, 2)).isEqualTo(12);
        // recomputed or adopted back: at most one more run each
        assertThat(runs.of(1)).isBetween(1, 2);
        assertThat(runs.of(2)).isBetween(1, 2);
        in.set(db, 1, 7);
        assertThat(twice.get(db, 1)).isEqualTo(14);
        assertThat(twice.get(db, 2)).isEqualTo(12);
    }

    @Test
    void evictByUnknownNameIsRejected() {
        // r[evict.derived]
        Database db = Database.create();
        db.input("in", String.class, String.class);
        assertThatThrownBy(() -> db.evict("nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> db.evict("in")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("in");
    }

    /** in(k) <- b(k) = in(k) * 2 <- c(k) = b(k) + 1. */
    private static final class Chain {
        final Database db;
        final InputIngredient<Integer, Integer> in;
        final Runs bRuns = new Runs();
        final Runs cRuns = new Runs();
        final DerivedIngredient<Integer, Integer> b;
        final DerivedIngredient<Integer, Integer> c;

        Chain(Database db) {
            this.db = db;
            this.in = db.input("in", Integer.class, Integer.class);
            this.b = db.derived("b", Integer.class, Integer.class, (ctx, k) -> {
                bRuns.hit(k);
                return in.require(ctx, k) * 2;
            });
            this.c = db.derived("c", Integer.class, Integer.class, (ctx, k) -> {
                cRuns.hit(k);
                return b.get(ctx, k) + 1;
            });
        }
    }

    @Test
    void evictingADependencyLeavesItsDependentsCorrect() {
        // r[evict.deps]
        // r[evict.derived]
        Chain chain = new Chain(noSharedCache());
        Database db = chain.db;
        chain.in.set(db, 1, 10);
        assertThat(chain.c.get(db, 1)).isEqualTo(21);

        db.evict(chain.b);
        assertThat(chain.c.get(db, 1)).as("c is still valid at this revision").isEqualTo(21);
        assertThat(chain.cRuns.of(1)).isEqualTo(1);
        assertThat(chain.b.get(db, 1)).isEqualTo(20);
        assertThat(chain.bRuns.of(1)).isEqualTo(2);

        db.evict(chain.b);
        chain.in.set(db, 1, 11);
        assertThat(chain.c.get(db, 1)).isEqualTo(23);
        assertThat(chain.cRuns.of(1)).isEqualTo(2);

        // dropping the dependent alone recomputes only the dependent
        int bRunsBefore = chain.bRuns.of(1);
        db.evict(chain.c);
        assertThat(chain.c.get(db, 1)).isEqualTo(23);
        assertThat(chain.cRuns.of(1)).isEqualTo(3);
        assertThat(chain.bRuns.of(1)).isEqualTo(bRunsBefore);
    }

    @Test
    void memoBoundRecomputesOnlyTheEntriesItDropped() {
        // r[evict.derived]
        // r[evict.deps]
        Database db = Database.builder().sharedCacheMaxEntries(0).maxMemosPerIngredient(4).build();
        InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        Runs runs = new Runs();
        DerivedIngredient<Integer, Integer> plus = db.derived("plus", Integer.class, Integer.class, (ctx, k) -> {
            runs.hit(k);
            return in.require(ctx, k) + 1000;
        });
        for (int k = 0; k < 12; k++) {
            in.set(db, k, k);
        }
        for (int k = 0; k < 12; k++) {
            assertThat(plus.get(db, k)).isEqualTo(k + 1000);
        }
        assertThat(db.inspector().ingredient("plus").entries()).isBetween(1L, 4L);
        assertThat(in.get(db, 0)).as("inputs are never evicted").contains(0);

        List<Integer> kept = new ArrayList<>();
        List<Integer> dropped = new ArrayList<>();
        for (int k = 0; k < 12; k++) {
            (db.inspector().cell("plus", k).isPresent() ? kept : dropped).add(k);
        }
        assertThat(dropped).isNotEmpty();
        for (int k : kept) {
            assertThat(plus.get(db, k)).isEqualTo(k + 1000);
            assertThat(runs.of(k)).as("kept plus(%s)", k).isEqualTo(1);
        }
        for (int k : dropped) {
            assertThat(plus.get(db, k)).isEqualTo(k + 1000);
            assertThat(runs.of(k)).as("dropped plus(%s)", k).isEqualTo(2);
        }
    }

    @Test
    void memoBoundKeepsDependentsCorrectAcrossChanges() {
        // r[evict.deps]
        // r[evict.derived]
        Chain chain = new Chain(Database.builder().maxMemosPerIngredient(2).build());
        Database db = chain.db;
        Map<Integer, Integer> inputs = new HashMap<>();
        int[][] script = {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {1, 5}, {0, 1}, {2, 9}, {3, 4}, {0, 7}, {1, 5}};
        for (int k = 0; k < 4; k++) {
            chain.in.set(db, k, 0);
            inputs.put(k, 0);
        }
        for (int[] step : script) {
            chain.in.set(db, step[0], step[1]);
            inputs.put(step[0], step[1]);
            // read in an order that keeps pushing other entries out
            for (int k : List.of(3, 1, 0, 2, 1, 3)) {
                assertThat(chain.c.get(db, k)).as("c(%s) after %s", k, inputs).isEqualTo(inputs.get(k) * 2 + 1);
            }
            assertThat(db.inspector().ingredient("c").entries()).isLessThanOrEqualTo(2);
        }
    }
}
