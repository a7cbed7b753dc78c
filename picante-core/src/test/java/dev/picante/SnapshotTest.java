package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Snapshots: forks of a view at one revision, isolated both ways, with their own revision line and
 * derived results equal to a fresh evaluation over their own inputs.
 */
class SnapshotTest {

    private static final int KEYS = 5;

    private final Database db = Database.create();
    private final InputIngredient<Integer, Integer> cells = db.input("cells", Integer.class, Integer.class);
    /** Sum of all present cells. */
    private final DerivedIngredient<String, Integer> total = db.derived("total", String.class, Integer.class,
            (ctx, k) -> {
                int sum = 0;
                for (int i = 0; i < KEYS; i++) {
                    sum += cells.get(ctx, i).orElse(0);
                }
                return sum;
            });
    /** {@code "cell/total"}, failing when the cell is absent. */
    private final DerivedIngredient<Integer, String> share = db.derived("share", Integer.class, String.class,
            (ctx, k) -> cells.require(ctx, k) + "/" + total.get(ctx, "all"));

    // ---------------------------------------------------------------- r[snapshot.creation]

    @Test
    void snapshotStartsAtItsSourceRevisionAndReadsLikeTheSource() {
        // r[snapshot.creation]
        cells.set(db, 0, 10);
        cells.set(db, 1, 20);
        cells.set(db, 2, 30);
        cells.remove(db, 2);
        Revision r = db.revision();

        Snapshot s = db.snapshot();

        assertThat(s.revision()).isEqualTo(r);
        assertThat(s.database()).isSameAs(db);
        for (int i = 0; i < KEYS; i++) {
            assertThat(cells.get(s, i)).as("cell %d", i).isEqualTo(cells.get(db, i));
        }
        assertThatThrownBy(() -> cells.require(s, 2)).isInstanceOf(MissingInputException.class);
        assertThat(total.get(s, "all")).isEqualTo(30);
        assertThat(share.get(s, 1)).isEqualTo("20/30");
    }

    @Test
    void snapshotOfFreshDatabaseIsEmpty() {
        // r[snapshot.creation]
        Snapshot s = db.snapshot();

        assertThat(s.revision()).isEqualTo(db.revision());
        assertThat(cells.get(s, 0)).isEmpty();
        assertThat(total.get(s, "all")).isZero();
    }

    // ---------------------------------------------------------------- r[snapshot.isolation]

    @Test
    void snapshotSeesNoLaterChangeOfItsSource() {
        // r[snapshot.isolation]
        cells.set(db, 0, 1);
        cells.set(db, 1, 2);
        Snapshot s = db.snapshot();
        Revision sRev = s.revision();

        cells.set(db, 0, 100);
        cells.remove(db, 1);
        cells.set(db, 2, 3);
        db.batch().set(cells, 3, 4).set(cells, 0, 101).commit();

        assertThat(cells.get(s, 0)).contains(1);
        assertThat(cells.get(s, 1)).contains(2);
        assertThat(cells.get(s, 2)).isEmpty();
        assertThat(cells.get(s, 3)).isEmpty();
        assertThat(s.revision()).isEqualTo(sRev);
        assertThat(total.get(s, "all")).isEqualTo(3);
        assertThat(total.get(db, "all")).isEqualTo(108);
    }

    @Test
    void sourceSeesNoChangeMadeOnTheSnapshot() {
        // r[snapshot.isolation]
        cells.set(db, 0, 1);
        cells.set(db, 1, 2);
        assertThat(total.get(db, "all")).isEqualTo(3);
        Revision dbRev = db.revision();
        Snapshot s = db.snapshot();

        cells.set(s, 0, 100);
        cells.remove(s, 1);
        cells.set(s, 2, 5);
        s.batch().set(cells, 3, 7).commit();

        assertThat(cells.get(db, 0)).contains(1);
        assertThat(cells.get(db, 1)).contains(2);
        assertThat(cells.get(db, 2)).isEmpty();
        assertThat(cells.get(db, 3)).isEmpty();
        assertThat(db.revision()).isEqualTo(dbRev);
        assertThat(total.get(db, "all")).isEqualTo(3);
        assertThat(total.get(s, "all")).isEqualTo(112);
    }

    @Test
    void siblingSnapshotsAreIsolatedFromEachOther() {
        // r[snapshot.isolation]
        cells.set(db, 0, 1);
        Snapshot left = db.snapshot();
        Snapshot right = db.snapshot();

        cells.set(left, 0, 2);
        cells.remove(right, 0);

        assertThat(cells.get(left, 0)).contains(2);
        assertThat(cells.get(right, 0)).isEmpty();
        assertThat(cells.get(db, 0)).contains(1);
        assertThat(total.get(left, "all")).isEqualTo(2);
        assertThat(total.get(right, "all")).isZero();
        assertThat(total.get(db, "all")).isEqualTo(1);
    }

    // ---------------------------------------------------------------- r[snapshot.revisions]

    @Test
    void snapshotMutationsAdvanceOnlyTheSnapshotRevision() {
        // r[snapshot.revisions] r[revision.advance]
        cells.set(db, 0, 1);
        Revision dbRev = db.revision();
        Snapshot s = db.snapshot();

        Revision s1 = cells.set(s, 0, 2);
        Revision s2 = cells.remove(s, 0);
        Revision s3 = s.batch().set(cells, 1, 1).commit();

        assertThat(List.of(dbRev, s1, s2, s3)).doesNotHaveDuplicates();
        assertThat(s1).isGreaterThan(dbRev);
        assertThat(s2).isGreaterThan(s1);
        assertThat(s3).isGreaterThan(s2);
        assertThat(s.revision()).isEqualTo(s3);
        assertThat(db.revision()).isEqualTo(dbRev);
    }

    @Test
    void sourceMutationsDoNotAdvanceTheSnapshotRevisionAndNoOpsDoNotAdvanceEither() {
        // r[snapshot.revisions] r[input.set]
        cells.set(db, 0, 1);
        Snapshot s = db.snapshot();
        Revision sRev = s.revision();

        cells.set(db, 0, 2);
        cells.set(db, 1, 2);
        assertThat(s.revision()).isEqualTo(sRev);

        assertThat(cells.set(s, 0, 1)).isEqualTo(sRev);
        assertThat(cells.remove(s, 4)).isEqualTo(sRev);
        assertThat(s.batch().commit()).isEqualTo(sRev);
        assertThat(s.revision()).isEqualTo(sRev);
    }

    // ---------------------------------------------------------------- snapshot of a snapshot

    @Test
    void snapshotOfSnapshotForksTheSnapshotStateIncludingItsOwnChanges() {
        // r[snapshot.creation] r[snapshot.isolation] r[snapshot.revisions]
        cells.set(db, 0, 1);
        Snapshot s1 = db.snapshot();
        Revision afterSet = cells.set(s1, 1, 10);

        Snapshot s2 = s1.snapshot();

        assertThat(s2.revision()).isEqualTo(afterSet);
        assertThat(s2.database()).isSameAs(db);
        assertThat(cells.get(s2, 0)).contains(1);
        assertThat(cells.get(s2, 1)).contains(10);
        assertThat(total.get(s2, "all")).isEqualTo(11);

        cells.set(s1, 0, 5);
        cells.set(s2, 2, 100);
        cells.set(db, 3, 1000);

        assertThat(total.get(db, "all")).isEqualTo(1001);
        assertThat(total.get(s1, "all")).isEqualTo(15);
        assertThat(total.get(s2, "all")).isEqualTo(111);
        assertThat(share.get(s2, 2)).isEqualTo("100/111");
    }

    // ---------------------------------------------------------------- r[snapshot.memo-isolation]

    @Test
    void snapshotKeepsOldDerivedValueAfterSourceRecomputes() {
        // r[snapshot.memo-isolation]
        cells.set(db, 0, 1);
        assertThat(share.get(db, 0)).isEqualTo("1/1");
        Snapshot s = db.snapshot();

        cells.set(db, 0, 2);
        assertThat(share.get(db, 0)).isEqualTo("2/2");

        assertThat(share.get(s, 0)).isEqualTo("1/1");
        assertThat(share.get(db, 0)).isEqualTo("2/2");
    }

    @Test
    void olderSnapshotComputedLaterDoesNotReuseNewerSourceResult() {
        // r[snapshot.memo-isolation]
        cells.set(db, 0, 1);
        Snapshot s = db.snapshot();
        cells.set(db, 0, 2);
        cells.set(db, 1, 3);

        assertThat(total.get(db, "all")).isEqualTo(5);
        assertThat(total.get(s, "all")).isEqualTo(1);
        assertThat(share.get(s, 0)).isEqualTo("1/1");
        assertThat(share.get(db, 0)).isEqualTo("2/5");
    }

    @Test
    void failureInSnapshotDoesNotPoisonTheSourceAndViceVersa() {
        // r[snapshot.memo-isolation]
        cells.set(db, 0, 1);
        Snapshot before = db.snapshot();
        Snapshot broken = db.snapshot();
        cells.remove(broken, 0);

        assertThatThrownBy(() -> share.get(broken, 0)).isInstanceOf(QueryFailedException.class)
                .cause().isInstanceOf(MissingInputException.class);
        assertThat(share.get(db, 0)).isEqualTo("1/1");

        cells.remove(db, 0);
        assertThatThrownBy(() -> share.get(db, 0)).isInstanceOf(QueryFailedException.class);
        assertThat(share.get(before, 0)).isEqualTo("1/1");
        assertThatThrownBy(() -> share.get(broken, 0)).isInstanceOf(QueryFailedException.class);
    }

    @Test
    void snapshotReturningToSourceStateGivesSourceValues() {
        // r[snapshot.memo-isolation]
        cells.set(db, 0, 1);
        cells.set(db, 1, 2);
        Snapshot s = db.snapshot();
        cells.set(s, 0, 50);
        assertThat(total.get(s, "all")).isEqualTo(52);

        cells.set(s, 0, 1);

        assertThat(total.get(s, "all")).isEqualTo(3);
        assertThat(total.get(db, "all")).isEqualTo(3);
    }

    // ---------------------------------------------------------------- derived == fresh evaluation

    @Test
    void derivedValuesInEveryViewEqualFreshEvaluationOverThatViewsInputs() {
        // r[snapshot.creation] r[snapshot.memo-isolation] r[snapshot.isolation]
        Random random = new Random(20240611L);
        List<View> views = new ArrayList<>();
        List<Map<Integer, Integer>> models = new ArrayList<>();
        views.add(db);
        models.add(new HashMap<>());

        for (int step = 0; step < 250; step++) {
            int v = random.nextInt(views.size());
            View view = views.get(v);
            Map<Integer, Integer> model = models.get(v);
            int op = random.nextInt(10);
            int key = random.nextInt(KEYS);
            if (op < 4) {
                int value = random.nextInt(4);
                cells.set(view, key, value);
                model.put(key, value);
            } else if (op < 6) {
                cells.remove(view, key);
                model.remove(key);
            } else if (op < 8) {
                Batch batch = view.batch();
                for (int i = 0; i < 3; i++) {
                    int k = random.nextInt(KEYS);
                    if (random.nextBoolean()) {
                        int value = random.nextInt(4);
                        batch.set(cells, k, value);
                        model.put(k, value);
                    } else {
                        batch.remove(cells, k);
                        model.remove(k);
                    }
                }
                batch.commit();
            } else if (views.size() < 6) {
                views.add(view.snapshot());
                models.add(new HashMap<>(model));
            }
            for (int w = 0; w < views.size(); w++) {
                if (random.nextInt(3) == 0) {
                    continue; // leave some views unread for a while, so they revalidate across many changes
                }
                assertViewMatchesModel(views.get(w), models.get(w), "step " + step + ", view " + w);
            }
        }
        for (int w = 0; w < views.size(); w++) {
            assertViewMatchesFreshDatabase(views.get(w), models.get(w));
        }
    }

    private void assertViewMatchesModel(View view, Map<Integer, Integer> model, String where) {
        int sum = model.values().stream().mapToInt(Integer::intValue).sum();
        assertThat(total.get(view, "all")).as(where).isEqualTo(sum);
        for (int k = 0; k < KEYS; k++) {
            int key = k;
            if (model.containsKey(k)) {
                assertThat(share.get(view, k)).as(where + ", share " + k).isEqualTo(model.get(k) + "/" + sum);
            } else {
                assertThatThrownBy(() -> share.get(view, key)).as(where + ", share " + k)
                        .isInstanceOf(QueryFailedException.class);
            }
        }
    }

    /** Builds a new database holding only {@code model} and compares every derived result with {@code view}'s. */
    private void assertViewMatchesFreshDatabase(View view, Map<Integer, Integer> model) {
        Database fresh = Database.create();
        InputIngredient<Integer, Integer> freshCells = fresh.input("cells", Integer.class, Integer.class);
        DerivedIngredient<String, Integer> freshTotal = fresh.derived("total", String.class, Integer.class,
                (ctx, k) -> {
                    int sum = 0;
                    for (int i = 0; i < KEYS; i++) {
                        sum += freshCells.get(ctx, i).orElse(0);
                    }
                    return sum;
                });
        DerivedIngredient<Integer, String> freshShare = fresh.derived("share", Integer.class, String.class,
                (ctx, k) -> freshCells.require(ctx, k) + "/" + freshTotal.get(ctx, "all"));
        new TreeMap<>(model).forEach((k, v) -> freshCells.set(fresh, k, v));

        assertThat(total.get(view, "all")).isEqualTo(freshTotal.get(fresh, "all"));
        for (int k = 0; k < KEYS; k++) {
            Integer key = k;
            assertThat(outcome(() -> share.get(view, key))).as("share %d", k)
                    .isEqualTo(outcome(() -> freshShare.get(fresh, key)));
        }
    }

    private static String outcome(Supplier<String> call) {
        try {
            return "value " + call.get();
        } catch (QueryFailedException e) {
            return "failure " + e.getCause().getClass().getSimpleName();
        }
    }

    // ---------------------------------------------------------------- snapshot taken inside a computation

    @Test
    void snapshotTakenInsideComputationIsBoundToTheComputationRevision() {
        // r[snapshot.creation] r[revision.choose]
        AtomicReference<Snapshot> captured = new AtomicReference<>();
        AtomicReference<Revision> ctxRevision = new AtomicReference<>();
        DerivedIngredient<Integer, Integer> capture = db.derived("capture", Integer.class, Integer.class,
                (ctx, k) -> {
                    ctxRevision.set(ctx.revision());
                    captured.set(ctx.snapshot());
                    return cells.get(ctx, k).orElse(-1);
                });
        cells.set(db, 0, 7);
        Revision r = db.revision();

        assertThat(capture.get(db, 0)).isEqualTo(7);
        cells.set(db, 0, 8);
        cells.set(db, 1, 9);

        Snapshot s = captured.get();
        assertThat(ctxRevision.get()).isEqualTo(r);
        assertThat(s.revision()).isEqualTo(r);
        assertThat(s.database()).isSameAs(db);
        assertThat(cells.get(s, 0)).contains(7);
        assertThat(cells.get(s, 1)).isEmpty();
        assertThat(total.get(s, "all")).isEqualTo(7);

        cells.set(s, 2, 100);
        assertThat(cells.get(db, 2)).isEmpty();
        assertThat(total.get(s, "all")).isEqualTo(107);
        assertThat(total.get(db, "all")).isEqualTo(17);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void snapshotTakenInsideComputationIgnoresChangesMadeWhileItRuns() throws Exception {
        // r[snapshot.creation] r[derived.revision-binding]
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        AtomicReference<Snapshot> captured = new AtomicReference<>();
        DerivedIngredient<Integer, Integer> slow = db.derived("slow", Integer.class, Integer.class, (ctx, k) -> {
            int before = cells.get(ctx, k).orElse(-1);
            started.countDown();
            if (!proceed.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test timed out");
            }
            captured.set(ctx.snapshot());
            return before + cells.get(ctx, k).orElse(-1);
        });
        cells.set(db, 0, 1);
        Revision r = db.revision();

        CompletableFuture<Integer> future = slow.getAsync(db, 0);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        Revision moved = cells.set(db, 0, 50);
        proceed.countDown();

        assertThat(future.get(10, TimeUnit.SECONDS)).isEqualTo(2);
        Snapshot s = captured.get();
        assertThat(s.revision()).isEqualTo(r);
        assertThat(cells.get(s, 0)).contains(1);
        assertThat(db.revision()).isEqualTo(moved);
        assertThat(cells.get(db, 0)).contains(50);
        assertThat(slow.get(s, 0)).isEqualTo(2);
    }
}
