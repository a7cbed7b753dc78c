package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Interned tables: one append-only table per ingredient and database, outside revisions and snapshots. */
class InternTest {

    private final Database db = Database.create();
    private final InternedIngredient<String> symbols = db.interned("symbols", String.class);
    private final List<RuntimeEvent> events = new CopyOnWriteArrayList<>();

    record Path(String dir, String file) {
    }

    // ---------------------------------------------------------------- r[intern.dedup]

    @Test
    void equalValuesGetTheSameIdAndDistinctValuesDistinctIds() {
        // r[intern.dedup]
        InternId a1 = symbols.intern(db, "alpha");
        InternId b = symbols.intern(db, "beta");
        InternId a2 = symbols.intern(db, new String("alpha"));

        assertThat(a2).isEqualTo(a1);
        assertThat(b).isNotEqualTo(a1);
        assertThat(symbols.lookup(db, a1)).isEqualTo("alpha");
        assertThat(symbols.lookup(db, b)).isEqualTo("beta");
    }

    @Test
    void structurallyEqualRecordsShareAnId() {
        // r[intern.dedup]
        InternedIngredient<Path> paths = db.interned("paths", Path.class);

        InternId first = paths.intern(db, new Path("src", "A.java"));
        InternId second = paths.intern(db, new Path(new String("src"), new String("A.java")));
        InternId other = paths.intern(db, new Path("src", "B.java"));

        assertThat(second).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void idsAreDenseFromZeroPerIngredient() {
        // r[intern.dedup]
        InternedIngredient<String> other = db.interned("other", String.class);

        assertThat(symbols.intern(db, "a")).isEqualTo(new InternId(0));
        assertThat(symbols.intern(db, "b")).isEqualTo(new InternId(1));
        assertThat(symbols.intern(db, "a")).isEqualTo(new InternId(0));
        assertThat(symbols.intern(db, "c")).isEqualTo(new InternId(2));
        assertThat(other.intern(db, "c")).isEqualTo(new InternId(0));
        assertThat(other.lookup(db, new InternId(0))).isEqualTo("c");
    }

    @Test
    void lookupOfAnIdNeverIssuedThrowsIllegalArgument() {
        // r[intern.immutable]
        symbols.intern(db, "only");

        assertThatThrownBy(() -> symbols.lookup(db, new InternId(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> symbols.lookup(db, new InternId(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThat(symbols.lookup(db, new InternId(0))).isEqualTo("only");
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void racingInternsOfEqualValuesFromManyViewsGetOneIdEach() throws Exception {
        // r[intern.dedup] r[intern.concurrent] r[intern.shared-visibility]
        int values = 300;
        int threads = 4;
        List<View> views = List.of(db, db.snapshot(), db, db.snapshot().snapshot());
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Map<String, InternId>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                View view = views.get(t);
                int seed = t;
                results.add(pool.submit(() -> {
                    List<String> order = new ArrayList<>();
                    for (int i = 0; i < values; i++) {
                        order.add("v" + i);
                    }
                    Collections.shuffle(order, new Random(seed));
                    start.await();
                    Map<String, InternId> ids = new HashMap<>();
                    for (String v : order) {
                        ids.put(v, symbols.intern(view, new String(v)));
                    }
                    return ids;
                }));
            }
            Map<String, InternId> first = results.get(0).get(10, TimeUnit.SECONDS);
            for (Future<Map<String, InternId>> result : results) {
                assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(first);
            }
            assertThat(new HashSet<>(first.values())).hasSize(values);
            assertThat(first.values()).allSatisfy(id -> assertThat(id.value()).isBetween(0, values - 1));
            first.forEach((v, id) -> assertThat(symbols.lookup(db, id)).isEqualTo(v));
        } finally {
            pool.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- r[intern.immutable], r[evict.interned]

    @Test
    void idKeepsItsValueWhileTheTableGrowsAndEverythingElseChanges() {
        // r[intern.immutable] r[evict.interned]
        InputIngredient<Integer, String> in = db.input("in", Integer.class, String.class);
        DerivedIngredient<Integer, InternId> internOf = db.derived("internOf", Integer.class, InternId.class,
                (ctx, k) -> symbols.intern(ctx, in.require(ctx, k)));
        List<InternId> early = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            early.add(symbols.intern(db, "early-" + i));
        }

        for (int i = 0; i < 2_000; i++) {
            symbols.intern(db, "later-" + i);
            if (i % 100 == 0) {
                in.set(db, i, "via-query-" + i);
                internOf.get(db, i);
                Snapshot s = db.snapshot();
                symbols.intern(s, "snap-" + i);
                in.remove(db, i);
            }
        }
        db.evict(internOf);
        System.gc();

        for (int i = 0; i < 20; i++) {
            assertThat(symbols.lookup(db, early.get(i))).isEqualTo("early-" + i);
            assertThat(symbols.intern(db, "early-" + i)).isEqualTo(early.get(i));
        }
        assertThat(symbols.lookup(db, symbols.intern(db, "snap-0"))).isEqualTo("snap-0");
    }

    @Test
    void everyLookupOfAnIdReturnsAnEqualValueInEveryView() {
        // r[intern.immutable]
        InternId id = symbols.intern(db, "stable");
        Snapshot before = db.snapshot();

        symbols.intern(db, "more");
        Snapshot after = db.snapshot();

        for (View v : List.of(db, before, after, before.snapshot())) {
            assertThat(symbols.lookup(v, id)).isEqualTo("stable");
        }
    }

    // ---------------------------------------------------------------- r[intern.no-revision]

    @Test
    void internAndLookupNeverAdvanceAnyRevisionNorEmitEvents() {
        // r[intern.no-revision]
        InputIngredient<String, String> in = db.input("in", String.class, String.class);
        in.set(db, "a", "1");
        Snapshot s = db.snapshot();
        in.set(s, "a", "2");
        Revision dbRev = db.revision();
        Revision sRev = s.revision();
        db.subscribe(events::add);

        InternId x = symbols.intern(db, "x");
        InternId y = symbols.intern(s, "y");
        symbols.intern(db, "x");
        symbols.lookup(db, y);
        symbols.lookup(s, x);

        assertThat(db.revision()).isEqualTo(dbRev);
        assertThat(s.revision()).isEqualTo(sRev);
        assertThat(events).isEmpty();
    }

    @Test
    void newInternsDoNotInvalidateQueriesOverExistingIds() {
        // r[intern.no-revision] r[changed-at.interned]
        InternId hello = symbols.intern(db, "hello");
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<InternId, Integer> length = db.derived("length", InternId.class, Integer.class,
                (ctx, id) -> {
                    runs.incrementAndGet();
                    return symbols.lookup(ctx, id).length();
                });
        assertThat(length.get(db, hello)).isEqualTo(5);
        db.subscribe(events::add);

        for (int i = 0; i < 50; i++) {
            symbols.intern(db, "new-" + i);
        }
        symbols.intern(db.snapshot(), "from-snapshot");

        assertThat(length.get(db, hello)).isEqualTo(5);
        assertThat(runs).hasValue(1);
        assertThat(events).isEmpty();
    }

    @Test
    void queryInterningInsideItsComputationGetsTheSharedId() {
        // r[intern.shared-visibility] r[intern.no-revision]
        InputIngredient<String, String> in = db.input("in", String.class, String.class);
        DerivedIngredient<String, InternId> idOf = db.derived("idOf", String.class, InternId.class,
                (ctx, k) -> symbols.intern(ctx, in.require(ctx, k)));
        in.set(db, "k", "shared");
        Revision r = db.revision();

        InternId fromQuery = idOf.get(db, "k");

        assertThat(fromQuery).isEqualTo(symbols.intern(db, "shared"));
        assertThat(symbols.lookup(db, fromQuery)).isEqualTo("shared");
        assertThat(db.revision()).isEqualTo(r);
    }

    // ---------------------------------------------------------------- r[intern.shared-visibility], r[snapshot.interned]

    @Test
    void internThroughSnapshotIsVisibleInSourceAndInOlderAndNewerSnapshots() {
        // r[intern.shared-visibility] r[snapshot.interned]
        Snapshot older = db.snapshot();
        Snapshot writer = db.snapshot();

        InternId id = symbols.intern(writer, "from-writer");

        Snapshot newer = db.snapshot();
        for (View v : List.of(db, older, writer, newer, older.snapshot())) {
            assertThat(symbols.lookup(v, id)).isEqualTo("from-writer");
            assertThat(symbols.intern(v, "from-writer")).isEqualTo(id);
        }
    }

    @Test
    void internsFromDifferentViewsShareOneTable() {
        // r[intern.shared-visibility] r[snapshot.interned]
        Snapshot s1 = db.snapshot();
        Snapshot s2 = s1.snapshot();

        InternId a = symbols.intern(db, "a");
        InternId b = symbols.intern(s1, "b");
        InternId c = symbols.intern(s2, "c");
        InternId a2 = symbols.intern(s2, "a");

        assertThat(List.of(a, b, c)).doesNotHaveDuplicates();
        assertThat(a2).isEqualTo(a);
        assertThat(symbols.lookup(s1, c)).isEqualTo("c");
        assertThat(symbols.lookup(s2, b)).isEqualTo("b");
    }

    @Test
    void snapshotQueriesSeeInternsMadeAfterTheSnapshot() {
        // r[snapshot.interned]
        Snapshot s = db.snapshot();
        DerivedIngredient<InternId, String> show = db.derived("show", InternId.class, String.class,
                (ctx, id) -> "<" + symbols.lookup(ctx, id) + ">");

        InternId late = symbols.intern(db, "late");

        assertThat(show.get(s, late)).isEqualTo("<late>");
    }

    // ---------------------------------------------------------------- r[durability.interned]

    @Test
    void internedTablesReportHighDurability() {
        // r[durability.interned]
        assertThat(db.inspector().ingredient("symbols").durability()).isEqualTo(Durability.HIGH);
    }

    @Test
    void queryOverInternedValuesAndDurableInputIsNotRecomputedWhenVolatileInputsChange() {
        // r[durability.interned] r[changed-at.interned]
        InputIngredient<String, String> cfg = db.input("cfg", String.class, String.class, Durability.HIGH);
        InputIngredient<String, String> edits = db.input("edits", String.class, String.class);
        cfg.set(db, "sep", ":");
        InternId name = symbols.intern(db, "main");
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<InternId, String> label = db.derived("label", InternId.class, String.class, (ctx, id) -> {
            runs.incrementAndGet();
            return symbols.lookup(ctx, id) + cfg.require(ctx, "sep");
        });
        assertThat(label.get(db, name)).isEqualTo("main:");

        for (int i = 0; i < 5; i++) {
            edits.set(db, "f", "v" + i);
            symbols.intern(db, "noise-" + i);
            assertThat(label.get(db, name)).isEqualTo("main:");
        }

        assertThat(runs).hasValue(1);
        cfg.set(db, "sep", "=");
        assertThat(label.get(db, name)).isEqualTo("main=");
        assertThat(runs).hasValue(2);
    }

    // ---------------------------------------------------------------- r[intern.limits]

    @Test
    void newValueOverTheLimitIsRefusedWithoutTraceWhileExistingValuesKeepTheirIds() {
        // r[intern.limits] r[limit.enforced]
        Database limited = Database.builder().stateByteLimit(20_000).build();
        InternedIngredient<String> table = limited.interned("table", String.class);
        InternId small = table.intern(limited, "small");
        long bytes = limited.stateBytes();
        Revision r = limited.revision();
        limited.subscribe(events::add);

        assertThatThrownBy(() -> table.intern(limited, "x".repeat(50_000)))
                .isInstanceOf(LimitExceededException.class);

        assertThat(limited.stateBytes()).isEqualTo(bytes);
        assertThat(limited.revision()).isEqualTo(r);
        assertThat(events).isEmpty();
        assertThat(table.intern(limited, "small")).isEqualTo(small);
        assertThat(table.intern(limited, "next")).as("the refused value took no id").isEqualTo(new InternId(1));
        assertThatThrownBy(() -> table.lookup(limited, new InternId(2))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void existingValueGetsItsIdEvenWhenTheStateIsFull() {
        // r[intern.limits]
        Database limited = Database.builder().stateByteLimit(30_000).build();
        InternedIngredient<String> table = limited.interned("table", String.class);
        InputIngredient<Integer, String> fill = limited.input("fill", Integer.class, String.class);
        InternId kept = table.intern(limited, "kept");
        boolean full = false;
        for (int i = 0; i < 1_000 && !full; i++) {
            try {
                fill.set(limited, i, "f".repeat(1_000) + i);
            } catch (LimitExceededException e) {
                full = true;
            }
        }
        assertThat(full).as("the state filled up").isTrue();

        assertThatThrownBy(() -> table.intern(limited, "g".repeat(5_000))).isInstanceOf(LimitExceededException.class);
        assertThat(table.intern(limited, new String("kept"))).isEqualTo(kept);
        assertThat(table.lookup(limited, kept)).isEqualTo("kept");
    }
}
