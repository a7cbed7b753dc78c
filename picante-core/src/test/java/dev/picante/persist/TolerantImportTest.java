package dev.picante.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.InternId;
import dev.picante.Revision;
import dev.picante.persist.ImportReport.DroppedSection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Loading derived results that no longer fit (issue 13, item 3). Derived results are a cache: a derived
 * section whose types changed, whose ingredient is now of another kind or gone, and derived records that
 * read an ingredient not registered or a record left out are dropped with everything that read them,
 * reported in the {@link ImportReport}, and computed again when asked for; never an exception, never a
 * wrong value. Inputs and interned values are data: a section of them that does not fit still fails the
 * load, naming the ingredient, both types and a way out, and loads nothing.
 */
// r[store.mismatch] r[store.restore] r[cell.revalidate-missing]
class TolerantImportTest {

    /** The saved application: {@code length(p) = |pages(p)|}, {@code total = length(a) + length(b)}. */
    private final PersistenceTest.App saved = new PersistenceTest.App();
    private final StateImage image;

    TolerantImportTest() {
        saved.pages.set(saved.db, "a", "hello");
        saved.pages.set(saved.db, "b", "world!");
        assertThat(saved.total.get(saved.db, "t")).isEqualTo(11);
        image = saved.db.exportState();
    }

    /** The next version of the application, with {@code length} registered by {@code lengthAs}. */
    private static final class Next {
        final Database db = Database.create();
        final InputIngredient<String, String> pages = db.input("pages", String.class, String.class);
        final AtomicInteger totalRuns = new AtomicInteger();
        final DerivedIngredient<String, Integer> total;

        Next(java.util.function.Function<Next, java.util.function.ToIntFunction<dev.picante.QueryContext>> lengths) {
            var sum = lengths.apply(this);
            total = db.derived("total", String.class, Integer.class, (ctx, k) -> {
                totalRuns.incrementAndGet();
                return sum.applyAsInt(ctx);
            });
        }
    }

    @Test
    void aDerivedSectionWhoseValueTypeChangedIsDroppedWithItsReaders() {
        AtomicInteger lengthRuns = new AtomicInteger();
        Next next = new Next(n -> {
            DerivedIngredient<String, Long> length = n.db.derived("length", String.class, Long.class, (ctx, p) -> {
                lengthRuns.incrementAndGet();
                return (long) n.pages.get(ctx, p).map(String::length).orElse(0);
            });
            return ctx -> (int) (length.get(ctx, "a") + length.get(ctx, "b"));
        });

        ImportReport report = next.db.importState(image);

        assertThat(report.skippedSections()).containsExactlyInAnyOrder("config", "words");
        assertThat(report.droppedSections()).hasSize(2);
        assertThat(report.droppedSections().get(0)).satisfies(d -> {
            assertThat(d.ingredient()).isEqualTo("length");
            assertThat(d.records()).isEqualTo(2);
            assertThat(d.entire()).isTrue();
            assertThat(d.reason()).contains("java.lang.String -> java.lang.Integer")
                    .contains("java.lang.String -> java.lang.Long");
        });
        assertThat(report.droppedSections().get(1))
                .isEqualTo(new DroppedSection("total", 1, false, "records that read results that were left out"));
        assertThat(report.droppedRecords()).isEqualTo(3);
        assertThat(report.records()).as("the two pages").isEqualTo(2);
        assertThat(next.db.revision()).isEqualTo(saved.db.revision());

        assertThat(next.total.get(next.db, "t")).isEqualTo(11);
        assertThat(lengthRuns).hasValue(2);
        assertThat(next.totalRuns).hasValue(1);
        assertThat(next.db.inspector().cells("length")).hasSize(2);
    }

    @Test
    void aDerivedSectionOfAnIngredientThatIsNowAnInputIsDroppedWithItsReaders() {
        Next next = new Next(n -> {
            InputIngredient<String, Integer> length = n.db.input("length", String.class, Integer.class);
            return ctx -> length.get(ctx, "a").orElse(-1) + length.get(ctx, "b").orElse(-1);
        });

        ImportReport report = next.db.importState(image);

        assertThat(report.droppedSections()).extracting(DroppedSection::ingredient, DroppedSection::records,
                DroppedSection::entire).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("length", 2L, true),
                        org.assertj.core.groups.Tuple.tuple("total", 1L, false));
        assertThat(report.droppedSections().get(0).reason()).contains("input 'length'");
        assertThat(next.total.get(next.db, "t")).isEqualTo(-2);
        assertThat(next.totalRuns).hasValue(1);
    }

    @Test
    void resultsThatReadARemovedIngredientAreDroppedAndComputedAgain() {
        // r[cell.revalidate-missing]: no result that read what is gone is kept
        Next next = new Next(n -> ctx -> n.pages.get(ctx, "a").orElse("").length() * 100);

        ImportReport report = next.db.importState(image);

        assertThat(report.skippedSections()).containsExactlyInAnyOrder("config", "words", "length");
        assertThat(report.droppedSections()).containsExactly(new DroppedSection("total", 1, false,
                "records that read 'length', which is not registered"));
        assertThat(next.total.get(next.db, "t")).isEqualTo(500);
        assertThat(next.totalRuns).hasValue(1);
    }

    @Test
    void recordsWhoseValuesOrDependencyKeysHaveTheWrongTypeAreDroppedNotServed() {
        // What a codec that decodes loosely (JSON: a Long as an Integer) would give.
        PersistenceTest.App loaded = new PersistenceTest.App();
        StateImage damaged = rewrite(image, "length", record -> record.key().equals("a")
                ? new StoredRecord("a", 5L, record.verifiedAt(), record.changedAt(), record.dependencies())
                : new StoredRecord("b", record.value(), record.verifiedAt(), record.changedAt(),
                        List.of(new StoredDependency("pages", 42, 1))));

        ImportReport report = loaded.db.importState(damaged);

        assertThat(report.droppedSections()).extracting(DroppedSection::ingredient, DroppedSection::records)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("length", 1L),
                        org.assertj.core.groups.Tuple.tuple("length", 1L),
                        org.assertj.core.groups.Tuple.tuple("total", 1L));
        assertThat(report.droppedSections().get(0).reason()).contains("not of the registered types");
        assertThat(report.droppedSections().get(1).reason()).contains("input 'pages'").contains("java.lang.String");
        assertThat(report.droppedRecords()).isEqualTo(3);
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(11);
        assertThat(loaded.computations).hasValue(3);
        loaded.pages.set(loaded.db, "b", "w");
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(6);
    }

    @Test
    void anInputSectionOfOtherTypesFailsNamingBothTypesAndAWayOut() {
        // r[store.mismatch]: inputs are data, never dropped or reinterpreted
        Database other = Database.create();
        InputIngredient<String, Integer> pages = other.input("pages", String.class, Integer.class);
        other.derived("length", String.class, Integer.class, (ctx, p) -> 0);

        assertThatThrownBy(() -> other.importState(image))
                .isInstanceOf(StoreMismatchException.class)
                .hasMessageContaining("'pages'")
                .hasMessageContaining("holds java.lang.String -> java.lang.String")
                .hasMessageContaining("registered as java.lang.String -> java.lang.Integer")
                .hasMessageContaining("nothing was loaded")
                .hasMessageContaining("delete the stored records of 'pages'");
        assertThat(other.revision()).isEqualTo(new Revision(0));
        assertThat(pages.get(other, "a")).isEmpty();
        assertThat(other.inspector().cells("length")).isEmpty();
    }

    @Test
    void anInputSectionOfAnIngredientNowDerivedOrInternedFails() {
        // r[store.mismatch]
        Database derivedNow = Database.create();
        derivedNow.derived("pages", String.class, String.class, (ctx, p) -> p);
        assertThatThrownBy(() -> derivedNow.importState(image))
                .isInstanceOf(StoreMismatchException.class)
                .hasMessageContaining("'pages' is of kind INPUT").hasMessageContaining("derived 'pages'")
                .hasMessageContaining("Register 'pages' as it was stored");

        Database internedNow = Database.create();
        internedNow.interned("words", Integer.class);
        assertThatThrownBy(() -> internedNow.importState(saved.db.exportState()))
                .isInstanceOf(StoreMismatchException.class)
                .hasMessageContaining("'words'").hasMessageContaining("java.lang.String")
                .hasMessageContaining("java.lang.Integer");
        assertThat(internedNow.revision()).isEqualTo(new Revision(0));
    }

    @Test
    void anInternedSectionStoredAsDerivedResultsOfTheSameNameIsDroppedNotAnError() {
        PersistenceTest.App loaded = new PersistenceTest.App();
        Section renamed = new Section("words", SectionKind.DERIVED, String.class, String.class,
                List.of(new StoredRecord("x", "y", 1, 1, List.of())));
        ImportReport report = loaded.db.importState(new StateImage(image.revision(), List.of(renamed),
                image.checkpoint()));

        assertThat(report.droppedSections()).singleElement().satisfies(d -> {
            assertThat(d.ingredient()).isEqualTo("words");
            assertThat(d.reason()).contains("interned 'words'");
        });
        assertThat(loaded.words.intern(loaded.db, "x")).isEqualTo(new InternId(0));
    }

    private static StateImage rewrite(StateImage image, String ingredient, UnaryOperator<StoredRecord> change) {
        List<Section> sections = new ArrayList<>();
        for (Section section : image.sections()) {
            if (!section.ingredient().equals(ingredient)) {
                sections.add(section);
                continue;
            }
            List<StoredRecord> records = section.records().stream().map(change).toList();
            sections.add(new Section(section.ingredient(), section.kind(), section.keyType(), section.valueType(),
                    section.codeVersion(), records));
        }
        return new StateImage(image.revision(), sections, image.checkpoint());
    }
}
