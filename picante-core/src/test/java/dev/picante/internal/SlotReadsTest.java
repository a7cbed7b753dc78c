package dev.picante.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.Inspector;
import dev.picante.MissingInputException;
import dev.picante.QueryFailedException;
import dev.picante.QueryRef;
import dev.picante.Snapshot;
import dev.picante.persist.Section;
import dev.picante.persist.StateImage;
import dev.picante.persist.StoredDependency;
import dev.picante.persist.StoredRecord;
import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A memo whose every dependency is a read of an existing input slot keeps just the slots (one reference per
 * dependency: the slot names its ingredient and key); any other read (a derived result, a slot never set) keeps
 * the general layout. Either way a memo reads back the same dependencies, is revalidated, marked, explained,
 * saved and loaded the same.
 */
@Timeout(30)
class SlotReadsTest {

    private Database db;
    private InputIngredient<String, String> pages;
    private InputIngredient<String, Integer> config;
    private DerivedIngredient<String, Integer> length;
    private DerivedIngredient<String, Integer> mixed;
    private final AtomicInteger lengthRuns = new AtomicInteger();
    private final AtomicInteger mixedRuns = new AtomicInteger();

    @BeforeEach
    void setUp() {
        db = register();
    }

    private Database register() {
        Database database = Database.create();
        pages = database.input("pages", String.class, String.class);
        config = database.input("config", String.class, Integer.class);
        length = database.derived("length", String.class, Integer.class, (ctx, page) -> {
            lengthRuns.incrementAndGet();
            int scale = config.get(ctx, "scale").orElse(1);
            int n = pages.require(ctx, page).length();
            pages.require(ctx, page); // a repeat: recorded once
            return n * scale;
        });
        mixed = database.derived("mixed", String.class, Integer.class, (ctx, page) -> {
            mixedRuns.incrementAndGet();
            return pages.require(ctx, page).length() + length.get(ctx, "b") + config.get(ctx, "offset").orElse(0);
        });
        return database;
    }

    private static Engine engine(Database db) throws ReflectiveOperationException {
        Field field = Database.class.getDeclaredField("engine");
        field.setAccessible(true);
        return (Engine) field.get(db);
    }

    private static Cell cell(Database db, String ingredient, String key) throws ReflectiveOperationException {
        Engine engine = engine(db);
        return engine.primary().cell(engine.ingredient(ingredient).index, key);
    }

    private static InputSlot slot(Database db, String ingredient, String key) throws ReflectiveOperationException {
        Engine engine = engine(db);
        return engine.primary().current().slot(engine.ingredient(ingredient).index, key);
    }

    @Test
    void aComputationThatReadsOnlyExistingSlotsKeepsJustTheSlotsOnceEach() throws Exception {
        // r[dep.recording]: the dependencies in the order read, each record once.
        config.set(db, "scale", 2);
        pages.set(db, "a", "hello");
        assertThat(length.get(db, "a")).isEqualTo(10);

        Cell cell = cell(db, "length", "a");
        InputSlot scale = slot(db, "config", "scale");
        InputSlot page = slot(db, "pages", "a");
        assertThat(cell.reads()).containsExactly(scale, page);
        assertThat(cell.dependencyCount()).isEqualTo(2);
        assertThat(cell.ingredientAt(0)).isEqualTo(engine(db).ingredient("config").index);
        assertThat(cell.keyAt(0)).isEqualTo("scale");
        assertThat(cell.seenAt(0)).isSameAs(scale);
        assertThat(cell.ingredientAt(1)).isEqualTo(engine(db).ingredient("pages").index);
        assertThat(cell.keyAt(1)).isEqualTo("a");
        assertThat(cell.seenAt(1)).isSameAs(page);
        assertThat(db.inspector().cell("length", "a")).get().extracting(Inspector.CellInfo::dependencies)
                .isEqualTo(List.of(new QueryRef("config", "scale"), new QueryRef("pages", "a")));
    }

    @Test
    void slotOnlyMemosAreRevalidatedAndMarkedThroughTheirSlots() throws Exception {
        // r[dep.invalidation], r[cell.revalidate]
        pages.set(db, "a", "hello");
        pages.set(db, "b", "world!");
        config.set(db, "scale", 1);
        assertThat(length.get(db, "a")).isEqualTo(5);
        assertThat(length.get(db, "b")).isEqualTo(6);
        pages.set(db, "b", "other page");
        assertThat(length.get(db, "a")).isEqualTo(5);
        assertThat(lengthRuns).as("an edit of another page leaves it valid").hasValue(2);
        assertThat(length.get(db, "b")).isEqualTo(10);
        assertThat(lengthRuns).hasValue(3);
        assertThat(db.inspector().explain("length", "b").dependency()).isEqualTo(new QueryRef("pages", "b"));

        Snapshot before = db.snapshot();
        config.set(db, "scale", 3);
        assertThat(length.get(db, "a")).isEqualTo(15);
        assertThat(length.get(db, "b")).isEqualTo(30);
        assertThat(lengthRuns).hasValue(5);
        assertThat(db.inspector().explain("length", "a").dependency()).isEqualTo(new QueryRef("config", "scale"));
        try (before) {
            assertThat(length.get(before, "a")).as("a snapshot from before the edit").isEqualTo(5);
        }
        config.set(db, "scale", 1);
        int runs = lengthRuns.get();
        assertThat(length.get(db, "a")).isEqualTo(5);
        assertThat(lengthRuns).hasValue(runs + 1);
        assertThat(cell(db, "length", "a").reads()).containsExactly(slot(db, "config", "scale"), slot(db, "pages", "a"));
    }

    @Test
    void aReadOfAResultOrOfASlotNeverSetKeepsTheGeneralLayoutInTheOrderRead() throws Exception {
        // r[dep.recording]
        pages.set(db, "a", "abc");
        pages.set(db, "b", "hello");
        assertThat(mixed.get(db, "a")).isEqualTo(3 + 5);

        Cell cell = cell(db, "mixed", "a");
        Cell inner = cell(db, "length", "b");
        assertThat(Memo.slotsOnly(cell.reads())).isFalse();
        assertThat(cell.dependencyCount()).isEqualTo(3);
        assertThat(cell.seenAt(0)).isSameAs(slot(db, "pages", "a"));
        assertThat(cell.keyAt(0)).isEqualTo("a");
        assertThat(cell.seenAt(1)).isSameAs(inner.version);
        assertThat(cell.keyAt(1)).isEqualTo("b");
        assertThat(cell.ingredientAt(2)).isEqualTo(engine(db).ingredient("config").index);
        assertThat(cell.keyAt(2)).isEqualTo("offset");
        assertThat(cell.seenAt(2)).as("a slot never set").isNull();
        assertThat(Memo.slotsOnly(inner.reads())).as("config.scale never set either").isFalse();
        assertThat(inner.seenAt(0)).isNull();
        assertThat(inner.seenAt(1)).isSameAs(slot(db, "pages", "b"));

        config.set(db, "offset", 10); // the slot never set is now set
        assertThat(mixed.get(db, "a")).isEqualTo(3 + 5 + 10);
        assertThat(mixedRuns).hasValue(2);
        assertThat(lengthRuns).as("length(b) did not read offset").hasValue(1);
    }

    @Test
    void aReadOfARemovedSlotIsASlotReadAndItsFailureRecomputesWhenTheSlotIsSetAgain() throws Exception {
        // r[cell.poison], r[dep.invalidation]: a removed slot is a slot object of its own, read like any other.
        config.set(db, "scale", 1);
        pages.set(db, "a", "hello");
        pages.remove(db, "a");
        assertThatThrownBy(() -> length.get(db, "a")).isInstanceOf(QueryFailedException.class).hasCauseInstanceOf(MissingInputException.class);
        Cell cell = cell(db, "length", "a");
        assertThat(cell.failed()).isTrue();
        InputSlot removed = slot(db, "pages", "a");
        assertThat(removed.present()).isFalse();
        assertThat(cell.reads()).containsExactly(slot(db, "config", "scale"), removed);
        assertThatThrownBy(() -> length.get(db, "a")).isInstanceOf(QueryFailedException.class).hasCauseInstanceOf(MissingInputException.class);
        assertThat(lengthRuns).as("the failure is reused while the slot stays removed").hasValue(1);
        pages.set(db, "a", "back");
        assertThat(length.get(db, "a")).isEqualTo(4);
        assertThat(lengthRuns).hasValue(2);
    }

    @Test
    void manyReadsOfSlotsWithRepeatsAreKeptOnceInOrder() throws Exception {
        // r[dep.recording]: more reads than the few removed without a set, repeats among them.
        DerivedIngredient<String, Integer> sum = db.derived("sum", String.class, Integer.class, (ctx, unused) -> {
            int total = 0;
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 40; i++) {
                    total += pages.require(ctx, "p" + i).length();
                }
            }
            return total;
        });
        for (int i = 0; i < 40; i++) {
            pages.set(db, "p" + i, "x".repeat(i));
        }
        assertThat(sum.get(db, "s")).isEqualTo(3 * (39 * 40 / 2));
        Cell cell = cell(db, "sum", "s");
        assertThat(cell.reads()).hasSize(40);
        for (int i = 0; i < 40; i++) {
            assertThat(cell.seenAt(i)).isSameAs(slot(db, "pages", "p" + i));
            assertThat(cell.keyAt(i)).isEqualTo("p" + i);
        }
        pages.set(db, "p7", "changed");
        assertThat(sum.get(db, "s")).isEqualTo(3 * (39 * 40 / 2 - 7 + 7));
    }

    @Test
    void everySequenceOfUpToSixReadsOfFourSlotsIsKeptOnceEachInTheOrderFirstRead() throws Exception {
        // r[dep.recording]: the repeat removal of a few slots (compared in a straight line up to four, in a loop
        // above), every position of a repeat: each key names the pages read, in order ("0120" reads p0 p1 p2 p0).
        DerivedIngredient<String, Integer> reader = db.derived("reader", String.class, Integer.class,
                (ctx, order) -> {
                    int total = 0;
                    for (char c : order.toCharArray()) {
                        total += pages.require(ctx, "p" + c).length();
                    }
                    return total;
                });
        for (int i = 0; i < 4; i++) {
            pages.set(db, "p" + i, "x".repeat(i + 1));
        }
        List<String> orders = new java.util.ArrayList<>(List.of(""));
        for (int length = 1; length <= 6; length++) {
            List<String> longer = new java.util.ArrayList<>();
            for (String order : orders) {
                if (order.length() == length - 1) {
                    for (char c = '0'; c < '4'; c++) {
                        longer.add(order + c);
                    }
                }
            }
            orders.addAll(longer);
        }
        assertThat(orders).hasSize(1 + 4 + 16 + 64 + 256 + 1024 + 4096);
        for (String order : orders) {
            int expected = order.chars().map(c -> c - '0' + 1).sum();
            assertThat(reader.get(db, order)).isEqualTo(expected);
            List<Object> firstReads = new java.util.ArrayList<>();
            order.chars().distinct().forEach(c -> firstReads.add(slotUnchecked("p" + (char) c)));
            assertThat(cell(db, "reader", order).reads()).as(order).containsExactlyElementsOf(firstReads);
        }
    }

    @Test
    void aComputationsBufferOfReadsHasTheLengthItsHintAsksForAtLeastOne() {
        // The buffer a computation records into has exactly the hinted length (the constant-length allocations of
        // the usual small hints and the general one alike), empty, so that reads of the hinted count are kept in it
        // without a copy.
        for (int hint = 0; hint <= 10; hint++) {
            Object[] buffer = Evaluation.buffer(hint);
            assertThat(buffer).as("hint %d", hint).hasSize(Math.max(1, hint)).containsOnlyNulls();
        }
    }

    private InputSlot slotUnchecked(String page) {
        try {
            return slot(db, "pages", page);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aSaveOfSlotOnlyMemosIsTheSameFormatAndLoadsBackAsSlotOnlyMemos() throws Exception {
        // r[store.restore]: dependencies are saved by ingredient name, key and changed_at, whatever the layout.
        config.set(db, "scale", 2);
        pages.set(db, "a", "hello");
        assertThat(length.get(db, "a")).isEqualTo(10);
        StateImage image = db.exportState();

        StoredRecord saved = record(image, "length", "a");
        long scaleAt = slot(db, "config", "scale").changedAt;
        long pageAt = slot(db, "pages", "a").changedAt;
        assertThat(saved.dependencies()).containsExactly(new StoredDependency("config", "scale", scaleAt),
                new StoredDependency("pages", "a", pageAt));

        lengthRuns.set(0);
        Database loaded = register();
        loaded.importState(image);
        assertThat(length.get(loaded, "a")).isEqualTo(10);
        assertThat(lengthRuns).as("restored valid").hasValue(0);
        Cell cell = cell(loaded, "length", "a");
        assertThat(cell.reads()).containsExactly(slot(loaded, "config", "scale"), slot(loaded, "pages", "a"));
        assertThat(record(loaded.exportState(), "length", "a").dependencies()).isEqualTo(saved.dependencies());

        pages.set(loaded, "a", "hello again");
        assertThat(length.get(loaded, "a")).isEqualTo(22);
        assertThat(lengthRuns).hasValue(1);
    }

    @Test
    void aLoadedResultWhoseSlotChangedSinceItsSaveKeepsTheGeneralLayoutAndRecomputes() throws Exception {
        // r[store.restore]: a dependency whose slot is not as it was read is restored as unknown, never as a slot.
        pages.set(db, "a", "hello");
        assertThat(length.get(db, "a")).isEqualTo(5);
        StateImage image = db.exportState();
        StoredRecord saved = record(image, "length", "a");
        List<Section> sections = image.sections().stream().map(section -> !section.ingredient().equals("pages")
                ? section
                : new Section(section.ingredient(), section.kind(), section.keyType(), section.valueType(),
                        section.codeVersion(), section.records().stream()
                                .map(r -> new StoredRecord(r.key(), "changed", r.verifiedAt(), r.changedAt() + 100,
                                        r.dependencies()))
                                .toList())).toList();

        lengthRuns.set(0);
        Database loaded = register();
        loaded.importState(new StateImage(image.revision() + 100, sections, image.checkpoint()));
        Cell cell = cell(loaded, "length", "a");
        assertThat(Memo.slotsOnly(cell.reads())).isFalse();
        assertThat(cell.dependencyCount()).isEqualTo(saved.dependencies().size());
        assertThat(length.get(loaded, "a")).isEqualTo(7);
        assertThat(lengthRuns).hasValue(1);
    }

    private static StoredRecord record(StateImage image, String ingredient, Object key) {
        return image.sections().stream().filter(s -> s.ingredient().equals(ingredient))
                .flatMap(s -> s.records().stream()).filter(r -> r.key().equals(key)).findFirst().orElseThrow();
    }
}
