package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The eviction policy behind {@code maxMemosPerIngredient} and {@code memoByteLimit}: results in steady
 * use survive a scan, the byte budget holds, and eviction never changes a value, only work.
 */
@Timeout(60)
class EvictionPolicyTest {

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

    @Test
    void resultsInSteadyUseSurviveAScanOfResultsUsedOnce() {
        // r[evict.derived]: which results a bound drops is the engine's choice; frequency and recency decide it
        Database db = Database.builder().sharedCacheMaxEntries(0).maxMemosPerIngredient(100).build();
        InputIngredient<Integer, Integer> in = db.input("in", Integer.class, Integer.class);
        Runs runs = new Runs();
        DerivedIngredient<Integer, Integer> twice = db.derived("twice", Integer.class, Integer.class, (ctx, k) -> {
            runs.hit(k);
            return in.get(ctx, k % 50).orElse(0) * 2 + k;
        });
        for (int k = 0; k < 50; k++) {
            in.set(db, k, k);
        }
        List<Integer> hot = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
            hot.add(k);
        }
        for (int round = 0; round < 10; round++) {
            for (int k : hot) {
                assertThat(twice.get(db, k)).isEqualTo((k % 50) * 2 + k);
            }
        }
        for (int k = 1_000; k < 3_000; k++) { // a scan: 2,000 results used once, 20 times the bound
            assertThat(twice.get(db, k)).isEqualTo((k % 50) * 2 + k);
        }
        assertThat(db.inspector().ingredient("twice").entries()).isBetween(1L, 100L);
        for (int k : hot) {
            assertThat(twice.get(db, k)).isEqualTo((k % 50) * 2 + k);
            assertThat(runs.of(k)).as("runs of twice(%s), used ten times before the scan", k).isEqualTo(1);
        }
    }

    @Test
    void theByteBudgetHolds() {
        long budget = 60_000;
        Database db = Database.builder().sharedCacheMaxEntries(0).memoByteLimit(budget).build();
        InputIngredient<Integer, String> in = db.input("in", Integer.class, String.class);
        DerivedIngredient<Integer, String> padded = db.derived("padded", Integer.class, String.class,
                (ctx, k) -> in.require(ctx, k % 10) + "-" + k + "x".repeat(200));
        DerivedIngredient<Integer, Integer> length = db.derived("length", Integer.class, Integer.class,
                (ctx, k) -> padded.get(ctx, k).length());
        for (int k = 0; k < 10; k++) {
            in.set(db, k, "v" + k);
        }
        // A value weighs at least 40 + 200 bytes as the default weigher counts a String, so the budget holds
        // fewer than budget / 240 results of "padded".
        long most = budget / 240;
        for (int k = 0; k < 3_000; k++) {
            assertThat(length.get(db, k)).isEqualTo(("v" + (k % 10) + "-" + k).length() + 200);
            assertThat(db.inspector().ingredient("padded").entries()).isLessThanOrEqualTo(most);
        }
        assertThat(db.inspector().ingredient("padded").entries()).isPositive();
        in.set(db, 3, "changed");
        assertThat(length.get(db, 13)).isEqualTo("changed-13".length() + 200);
    }

    @Test
    void aByteBudgetBelowOneIsRejected() {
        assertThatThrownBy(() -> Database.builder().memoByteLimit(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("memoByteLimit must be >= 1, was 0");
    }

    /** A small graph: inputs, derived reading inputs, derived reading derived, one reading many. */
    private static final class Graph {
        final Database db;
        final InputIngredient<Integer, Integer> in;
        final DerivedIngredient<Integer, Integer> pair;
        final DerivedIngredient<Integer, Integer> mix;
        final DerivedIngredient<Integer, Integer> total;

        Graph(Database db) {
            this.db = db;
            in = db.input("in", Integer.class, Integer.class);
            pair = db.derived("pair", Integer.class, Integer.class,
                    (ctx, k) -> in.get(ctx, k).orElse(-1) + in.get(ctx, (k + 1) % 20).orElse(-1));
            mix = db.derived("mix", Integer.class, Integer.class, (ctx, k) -> {
                int a = pair.get(ctx, k);
                if (a % 3 == 0) {
                    throw new IllegalStateException("multiple of three: " + a);
                }
                return a * 31 + pair.get(ctx, (k * 7) % 20) % 5; // equal results are common: early cutoff
            });
            total = db.derived("total", Integer.class, Integer.class, (ctx, k) -> {
                int sum = 0;
                for (int i = 0; i < 20; i += 1 + k % 3) {
                    try {
                        sum += mix.get(ctx, i);
                    } catch (QueryFailedException e) {
                        sum += 1;
                    }
                }
                return sum;
            });
        }

        String read(View view, int which, int key) {
            try {
                return String.valueOf(switch (which) {
                    case 0 -> pair.get(view, key);
                    case 1 -> mix.get(view, key);
                    default -> total.get(view, key % 3);
                });
            } catch (QueryFailedException e) {
                return "failed: " + e.getCause().getMessage();
            }
        }
    }

    @Test
    void evictionNeverChangesAResult() {
        // r[evict.derived] r[evict.poison] r[evict.deps]: a bounded database answers exactly like an unbounded one
        for (long seed = 0; seed < 40; seed++) {
            Random random = new Random(seed);
            Database.Builder bounded = Database.builder().sharedCacheMaxEntries(seed % 2 == 0 ? 0 : 10_000);
            if (seed % 4 < 2) {
                bounded.maxMemosPerIngredient(1 + seed % 5);
            } else {
                bounded.memoByteLimit(300 + 100 * (seed % 7));
            }
            Graph expected = new Graph(Database.builder().build());
            Graph actual = new Graph(bounded.build());
            List<Snapshot[]> snapshots = new ArrayList<>();
            for (int step = 0; step < 400; step++) {
                int op = random.nextInt(10);
                if (op < 3) {
                    int key = random.nextInt(20);
                    int value = random.nextInt(9);
                    if (value == 0) {
                        expected.in.remove(expected.db, key);
                        actual.in.remove(actual.db, key);
                    } else {
                        expected.in.set(expected.db, key, value);
                        actual.in.set(actual.db, key, value);
                    }
                } else if (op == 3 && snapshots.size() < 3) {
                    snapshots.add(new Snapshot[] {expected.db.snapshot(), actual.db.snapshot()});
                } else if (op == 4 && !snapshots.isEmpty()) {
                    Snapshot[] pair = snapshots.remove(random.nextInt(snapshots.size()));
                    pair[0].close();
                    pair[1].close();
                } else {
                    int which = random.nextInt(3);
                    int key = random.nextInt(20);
                    boolean inSnapshot = !snapshots.isEmpty() && random.nextBoolean();
                    Snapshot[] pair = inSnapshot ? snapshots.get(random.nextInt(snapshots.size())) : null;
                    View e = pair == null ? expected.db : pair[0];
                    View a = pair == null ? actual.db : pair[1];
                    assertThat(actual.read(a, which, key)).as("seed %s step %s", seed, step)
                            .isEqualTo(expected.read(e, which, key));
                }
            }
            for (Snapshot[] pair : snapshots) {
                pair[0].close();
                pair[1].close();
            }
        }
    }
}
