package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Inputs: reading, writing and removing slots, the revisions those writes produce, and what equal writes
 * do not do.
 */
class InputTest {

    private final Database db = Database.create();
    private final InputIngredient<String, String> files = db.input("files", String.class, String.class);
    private final List<RuntimeEvent> events = new CopyOnWriteArrayList<>();

    /** A value type with structural equality but distinct instances. */
    record Config(String name, List<String> flags) {
    }

    // ---------------------------------------------------------------- r[input.get]

    @Test
    void getIsEmptyForNeverSetSlotAndPresentAfterSet() {
        // r[input.get]
        assertThat(files.get(db, "a.txt")).isEmpty();

        files.set(db, "a.txt", "hello");

        assertThat(files.get(db, "a.txt")).contains("hello");
        assertThat(files.get(db, "b.txt")).isEmpty();
        assertThat(files.require(db, "a.txt")).isEqualTo("hello");
    }

    @Test
    void slotsOfDifferentIngredientsWithEqualKeysAreIndependent() {
        // r[input.get]
        InputIngredient<String, String> other = db.input("other", String.class, String.class);
        files.set(db, "k", "from files");

        assertThat(other.get(db, "k")).isEmpty();
        other.set(db, "k", "from other");

        assertThat(files.get(db, "k")).contains("from files");
        assertThat(other.get(db, "k")).contains("from other");
    }

    @Test
    void getInsideComputationRecordsDependencyOnTheSlot() {
        // r[input.get] r[dep.recording]
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> upper = db.derived("upper", String.class, String.class, (ctx, k) -> {
            runs.incrementAndGet();
            return files.get(ctx, k).map(String::toUpperCase).orElse("<none>");
        });
        files.set(db, "a", "x");
        assertThat(upper.get(db, "a")).isEqualTo("X");

        files.set(db, "a", "y");

        assertThat(upper.get(db, "a")).isEqualTo("Y");
        assertThat(runs).hasValue(2);
    }

    // ---------------------------------------------------------------- r[input.slot]

    @Test
    void readerRecomputesWhenAbsentSlotBecomesPresent() {
        // r[input.slot]
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> show = showQuery(runs);
        assertThat(show.get(db, "a")).isEqualTo("<none>");

        files.set(db, "a", "1");

        assertThat(show.get(db, "a")).isEqualTo("1");
        assertThat(runs).hasValue(2);
    }

    @Test
    void readerRecomputesWhenPresentSlotBecomesAbsent() {
        // r[input.slot]
        files.set(db, "a", "1");
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> show = showQuery(runs);
        assertThat(show.get(db, "a")).isEqualTo("1");

        files.remove(db, "a");

        assertThat(show.get(db, "a")).isEqualTo("<none>");
        assertThat(runs).hasValue(2);
    }

    @Test
    void readerRecomputesWhenValueChangesToNonEqualOne() {
        // r[input.slot]
        files.set(db, "a", "1");
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> show = showQuery(runs);
        assertThat(show.get(db, "a")).isEqualTo("1");

        files.set(db, "a", "2");

        assertThat(show.get(db, "a")).isEqualTo("2");
        assertThat(runs).hasValue(2);
    }

    @Test
    void readerOfAbsentSlotIsReusedWhenUnrelatedSlotChanges() {
        // r[input.slot] r[changed-at.input]
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> show = showQuery(runs);
        assertThat(show.get(db, "a")).isEqualTo("<none>");

        files.set(db, "b", "unrelated");
        files.remove(db, "a"); // already absent: a no-op

        assertThat(show.get(db, "a")).isEqualTo("<none>");
        assertThat(runs).hasValue(1);
    }

    @Test
    void readerFollowsAbsentPresentChangedAbsentCycle() {
        // r[input.slot]
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> show = showQuery(runs);
        List<String> seen = new ArrayList<>();
        seen.add(show.get(db, "a"));
        files.set(db, "a", "1");
        seen.add(show.get(db, "a"));
        files.set(db, "a", "2");
        seen.add(show.get(db, "a"));
        files.remove(db, "a");
        seen.add(show.get(db, "a"));
        files.set(db, "a", "2");
        seen.add(show.get(db, "a"));

        assertThat(seen).containsExactly("<none>", "1", "2", "<none>", "2");
        assertThat(runs).hasValue(5);
    }

    // ---------------------------------------------------------------- r[input.missing-access]

    @Test
    void requireOfNeverSetSlotThrowsMissingInputNamingTheSlot() {
        // r[input.missing-access]
        assertThatThrownBy(() -> files.require(db, "nope.txt"))
                .isInstanceOfSatisfying(MissingInputException.class, e -> {
                    assertThat(e.input()).isEqualTo(new QueryRef("files", "nope.txt"));
                    assertThat(e.revision()).isEqualTo(db.revision());
                })
                .hasMessageContaining("files")
                .hasMessageContaining("nope.txt");
    }

    @Test
    void requireOfRemovedSlotThrowsMissingInputEveryTime() {
        // r[input.missing-access]
        files.set(db, "a", "1");
        files.remove(db, "a");

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> files.require(db, "a")).isInstanceOf(MissingInputException.class);
        }
        assertThat(files.get(db, "a")).isEmpty();
    }

    @Test
    void requireOfMissingSlotInsideComputationFailsTheQueryWithMissingInputCause() {
        // r[input.missing-access]
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, Integer> length = db.derived("length", String.class, Integer.class, (ctx, k) -> {
            runs.incrementAndGet();
            return files.require(ctx, k).length();
        });

        assertThatThrownBy(() -> length.get(db, "a"))
                .isInstanceOf(QueryFailedException.class)
                .cause().isInstanceOf(MissingInputException.class);

        files.set(db, "a", "four");
        assertThat(length.get(db, "a")).isEqualTo(4);
        assertThat(runs).hasValue(2);
    }

    @Test
    void inputReadsThroughAContextAfterItsComputationReturnedAreRefusedWhateverTheSlot() {
        // r[jvm.explicit-context]: a context is valid only while its computation runs, for present, absent
        // and removed slots alike (the refusal comes before any MissingInputException)
        files.set(db, "present", "p");
        files.set(db, "removed", "r");
        files.remove(db, "removed");
        AtomicReference<QueryContext> leaked = new AtomicReference<>();
        DerivedIngredient<String, String> read = db.derived("read", String.class, String.class, (ctx, k) -> {
            leaked.set(ctx);
            return files.require(ctx, k);
        });
        assertThat(read.get(db, "present")).isEqualTo("p");

        QueryContext ctx = leaked.get();
        for (String key : List.of("present", "never-set", "removed")) {
            assertThatThrownBy(() -> files.require(ctx, key)).as("require %s", key)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("the QueryContext of read(present) at revision")
                    .hasMessageContaining("was used after its computation returned; read only while computing");
            assertThatThrownBy(() -> files.get(ctx, key)).as("get %s", key)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("was used after its computation returned");
        }
        // The refused reads recorded nothing: the memo still depends on its one slot only.
        assertThat(db.inspector().cell("read", "present").orElseThrow().dependencies())
                .containsExactly(new QueryRef("files", "present"));
    }

    // ---------------------------------------------------------------- r[input.set]

    @Test
    void setOfAbsentSlotCreatesItAtNewRevision() {
        // r[input.set] r[revision.advance]
        Revision before = db.revision();

        Revision after = files.set(db, "a", "1");

        assertThat(after).isGreaterThan(before);
        assertThat(db.revision()).isEqualTo(after);
        assertThat(files.get(db, "a")).contains("1");
    }

    @Test
    void setOfEqualValueDoesNothing() {
        // r[input.set] r[equality.relation]
        Revision first = files.set(db, "a", "1");

        Revision second = files.set(db, "a", new String("1"));

        assertThat(second).isEqualTo(first);
        assertThat(db.revision()).isEqualTo(first);
        assertThat(files.get(db, "a")).contains("1");
    }

    @Test
    void setOfDifferentValueReplacesItAtNewRevision() {
        // r[input.set] r[revision.advance]
        Revision first = files.set(db, "a", "1");

        Revision second = files.set(db, "a", "2");

        assertThat(second).isGreaterThan(first);
        assertThat(db.revision()).isEqualTo(second);
        assertThat(files.require(db, "a")).isEqualTo("2");
    }

    @Test
    void setOnOneKeyLeavesOtherKeysAlone() {
        // r[input.set]
        files.set(db, "a", "1");
        files.set(db, "b", "2");

        files.set(db, "a", "3");

        assertThat(files.get(db, "a")).contains("3");
        assertThat(files.get(db, "b")).contains("2");
    }

    // ---------------------------------------------------------------- r[input.remove]

    @Test
    void removeOfAbsentSlotDoesNothing() {
        // r[input.remove]
        files.set(db, "other", "x");
        Revision before = db.revision();

        Revision after = files.remove(db, "a");

        assertThat(after).isEqualTo(before);
        assertThat(db.revision()).isEqualTo(before);
        assertThat(files.get(db, "other")).contains("x");
    }

    @Test
    void removeOfPresentSlotEmptiesItAtNewRevision() {
        // r[input.remove] r[revision.advance]
        Revision set = files.set(db, "a", "1");

        Revision removed = files.remove(db, "a");

        assertThat(removed).isGreaterThan(set);
        assertThat(db.revision()).isEqualTo(removed);
        assertThat(files.get(db, "a")).isEmpty();

        Revision again = files.remove(db, "a");
        assertThat(again).isEqualTo(removed);
    }

    @Test
    void slotCanBeSetAgainAfterRemove() {
        // r[input.remove] r[input.set]
        files.set(db, "a", "1");
        Revision removed = files.remove(db, "a");

        Revision reset = files.set(db, "a", "1");

        assertThat(reset).isGreaterThan(removed);
        assertThat(files.get(db, "a")).contains("1");
    }

    // ---------------------------------------------------------------- r[changed-at.input]

    @Test
    void slotChangedAtIsTheRevisionOfItsLastRealChange() {
        // r[changed-at.input]
        Revision setA = files.set(db, "a", "1");
        files.set(db, "b", "2");
        files.set(db, "a", "1"); // equal: a no-op
        files.remove(db, "c"); // absent: a no-op

        assertThat(db.inspector().cell("files", "a"))
                .hasValueSatisfying(cell -> assertThat(cell.changedAt()).isEqualTo(setA));

        Revision changeA = files.set(db, "a", "3");

        assertThat(db.inspector().cell("files", "a"))
                .hasValueSatisfying(cell -> assertThat(cell.changedAt()).isEqualTo(changeA));
    }

    @Test
    void readerIsReusedWhenOnlyOtherSlotsChangeAndRecomputedWhenItsSlotChanges() {
        // r[changed-at.input] r[dep.invalidation]
        files.set(db, "a", "1");
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> show = showQuery(runs);
        assertThat(show.get(db, "a")).isEqualTo("1");

        files.set(db, "b", "x");
        files.set(db, "b", "y");
        files.remove(db, "b");
        files.set(db, "a", "1");
        assertThat(show.get(db, "a")).isEqualTo("1");
        assertThat(runs).hasValue(1);

        files.set(db, "a", "2");
        assertThat(show.get(db, "a")).isEqualTo("2");
        assertThat(runs).hasValue(2);
    }

    @Test
    void readerIsRecomputedAfterRemoveOfItsSlotButNotAfterRemoveOfAbsentOne() {
        // r[changed-at.input]
        files.set(db, "a", "1");
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> show = showQuery(runs);
        show.get(db, "a");
        show.get(db, "zz");

        files.remove(db, "zz");
        files.remove(db, "a");

        assertThat(show.get(db, "zz")).isEqualTo("<none>");
        assertThat(show.get(db, "a")).isEqualTo("<none>");
        assertThat(runs).hasValue(3);
    }

    // ---------------------------------------------------------------- revisions

    @Test
    void newDatabaseStartsAtRevisionZeroAndReadsDoNotAdvanceIt() {
        // r[revision.type]
        assertThat(db.revision()).isEqualTo(new Revision(0));

        files.get(db, "a");
        assertThatThrownBy(() -> files.require(db, "a")).isInstanceOf(MissingInputException.class);

        assertThat(db.revision()).isEqualTo(new Revision(0));
    }

    @Test
    void revisionIsAValueTokenStableWhileNothingChanges() {
        // r[revision.type]
        files.set(db, "a", "1");
        Revision r1 = db.revision();
        Revision r2 = db.revision();

        assertThat(r1).isEqualTo(r2).hasSameHashCodeAs(r2);
        assertThat(r1.compareTo(r2)).isZero();
    }

    @Test
    void databasesHaveIndependentRevisions() {
        // r[revision.type] r[revision.advance]
        Database other = Database.create();
        InputIngredient<String, String> otherFiles = other.input("files", String.class, String.class);

        files.set(db, "a", "1");
        files.set(db, "b", "1");

        assertThat(other.revision()).isEqualTo(new Revision(0));
        assertThat(otherFiles.get(other, "a")).isEmpty();
    }

    @Test
    void revisionsGrowStrictlyInTheOrderOfChangingMutations() {
        // r[revision.order] r[revision.advance]
        InputIngredient<Integer, Integer> numbers = db.input("numbers", Integer.class, Integer.class);
        List<Revision> revisions = new ArrayList<>();
        revisions.add(db.revision());
        revisions.add(files.set(db, "a", "1"));
        revisions.add(numbers.set(db, 1, 1));
        revisions.add(files.set(db, "a", "2"));
        revisions.add(files.remove(db, "a"));
        revisions.add(numbers.set(db, 1, 2));
        Batch batch = db.batch();
        batch.set(files, "b", "1");
        batch.set(numbers, 2, 2);
        revisions.add(batch.commit());

        assertThat(revisions).doesNotHaveDuplicates().isSorted();
        assertThat(db.revision()).isEqualTo(revisions.get(revisions.size() - 1));
    }

    @Test
    void noOpMutationsDoNotAdvanceTheRevision() {
        // r[revision.advance] r[revision.order]
        files.set(db, "a", "1");
        Revision r = db.revision();

        assertThat(files.set(db, "a", "1")).isEqualTo(r);
        assertThat(files.remove(db, "absent")).isEqualTo(r);
        assertThat(db.batch().commit()).isEqualTo(r);
        assertThat(db.batch().set(files, "a", "1").remove(files, "absent").commit()).isEqualTo(r);
        assertThat(db.revision()).isEqualTo(r);
    }

    @Test
    void computationIsBoundToTheViewRevisionAtTheAccess() {
        // r[revision.choose]
        AtomicReference<Revision> seen = new AtomicReference<>();
        DerivedIngredient<String, String> probe = db.derived("probe", String.class, String.class, (ctx, k) -> {
            seen.set(ctx.revision());
            return files.get(ctx, k).orElse("<none>");
        });
        Revision r1 = files.set(db, "a", "1");

        assertThat(probe.get(db, "a")).isEqualTo("1");
        assertThat(seen.get()).isEqualTo(r1);

        Revision r2 = files.set(db, "a", "2");
        assertThat(probe.get(db, "a")).isEqualTo("2");
        assertThat(seen.get()).isEqualTo(r2);
    }

    @Test
    void missingInputReportsTheRevisionItWasReadAt() {
        // r[revision.choose] r[input.missing-access]
        files.set(db, "a", "1");
        Revision r = files.remove(db, "a");

        assertThatThrownBy(() -> files.require(db, "a"))
                .isInstanceOfSatisfying(MissingInputException.class, e -> assertThat(e.revision()).isEqualTo(r));
    }

    // ---------------------------------------------------------------- r[equality.relation]

    @Test
    void equalStructuredValueIsANoOpWithoutEventsOrRecomputation() {
        // r[equality.relation] r[input.set]
        InputIngredient<String, Config> configs = db.input("configs", String.class, Config.class);
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, Integer> flagCount = db.derived("flagCount", String.class, Integer.class,
                (ctx, k) -> {
                    runs.incrementAndGet();
                    return configs.require(ctx, k).flags().size();
                });
        Revision r = configs.set(db, "app", new Config("app", List.of("a", "b")));
        assertThat(flagCount.get(db, "app")).isEqualTo(2);
        db.subscribe(events::add);

        Revision again = configs.set(db, "app", new Config(new String("app"), new ArrayList<>(List.of("a", "b"))));

        assertThat(again).isEqualTo(r);
        assertThat(db.revision()).isEqualTo(r);
        assertThat(events).isEmpty();
        assertThat(flagCount.get(db, "app")).isEqualTo(2);
        assertThat(runs).hasValue(1);
    }

    @Test
    void equalArrayValueIsANoOp() {
        // r[equality.relation]
        InputIngredient<String, int[]> vectors = db.input("vectors", String.class, int[].class);
        Revision r = vectors.set(db, "v", new int[] {1, 2, 3});
        db.subscribe(events::add);

        Revision again = vectors.set(db, "v", new int[] {1, 2, 3});

        assertThat(again).isEqualTo(r);
        assertThat(events).isEmpty();
        assertThat(vectors.require(db, "v")).containsExactly(1, 2, 3);

        Revision changed = vectors.set(db, "v", new int[] {1, 2, 4});
        assertThat(changed).isGreaterThan(r);
        assertThat(vectors.require(db, "v")).containsExactly(1, 2, 4);
    }

    @Test
    void equalNestedArrayValueIsANoOp() {
        // r[equality.relation]
        InputIngredient<String, String[][]> grids = db.input("grids", String.class, String[][].class);
        Revision r = grids.set(db, "g", new String[][] {{"a", "b"}, {"c"}});

        assertThat(grids.set(db, "g", new String[][] {{"a", "b"}, {new String("c")}})).isEqualTo(r);
        assertThat(grids.set(db, "g", new String[][] {{"a", "b"}, {"d"}})).isGreaterThan(r);
    }

    @Test
    void equalSetAfterRealChangeDoesNotRecomputeDependentsAgain() {
        // r[equality.relation] r[changed-at.input]
        files.set(db, "a", "1");
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> show = showQuery(runs);
        show.get(db, "a");
        files.set(db, "a", "2");
        show.get(db, "a");
        db.subscribe(events::add);

        for (int i = 0; i < 3; i++) {
            files.set(db, "a", new String("2"));
            assertThat(show.get(db, "a")).isEqualTo("2");
        }

        assertThat(runs).hasValue(2);
        assertThat(events).isEmpty();
    }

    // ---------------------------------------------------------------- r[evict.inputs]

    @Test
    void inputsSurviveMemoEvictionTightMemoBoundsAndGarbageCollection() {
        // r[evict.inputs]
        Database small = Database.builder().maxMemosPerIngredient(1).sharedCacheMaxEntries(0).build();
        InputIngredient<Integer, String> in = small.input("in", Integer.class, String.class);
        DerivedIngredient<Integer, Integer> len = small.derived("len", Integer.class, Integer.class,
                (ctx, k) -> in.get(ctx, k).map(String::length).orElse(-1));
        int n = 2_000;
        for (int i = 0; i < n; i++) {
            in.set(small, i, "value-" + i + "-" + "x".repeat(200));
        }
        for (int i = 0; i < n; i += 7) {
            len.get(small, i);
            len.get(small.snapshot(), i);
        }
        small.evict(len);
        small.evict("len");
        System.gc();

        for (int i = 0; i < n; i++) {
            assertThat(in.get(small, i)).as("slot %d", i).contains("value-" + i + "-" + "x".repeat(200));
        }
        assertThat(len.get(small, 5)).isEqualTo(("value-5-" + "x".repeat(200)).length());
    }

    @Test
    void onlyExplicitRemoveMakesASlotAbsent() {
        // r[evict.inputs] r[input.remove]
        files.set(db, "keep", "1");
        files.set(db, "drop", "2");
        Snapshot s = db.snapshot();
        files.remove(s, "keep");
        db.batch().remove(files, "drop").commit();

        assertThat(files.get(db, "keep")).contains("1");
        assertThat(files.get(db, "drop")).isEmpty();
        assertThat(files.get(s, "drop")).contains("2");
        assertThat(files.get(s, "keep")).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    private DerivedIngredient<String, String> showQuery(AtomicInteger runs) {
        return db.derived("show", String.class, String.class, (ctx, k) -> {
            runs.incrementAndGet();
            Optional<String> v = files.get(ctx, k);
            return v.orElse("<none>");
        });
    }
}
