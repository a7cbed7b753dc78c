package dev.picante.spring.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.Inspector.IngredientInfo;
import dev.picante.persist.Section;
import dev.picante.persist.SectionKind;
import dev.picante.persist.StateImage;
import dev.picante.persist.StoreMismatchException;
import dev.picante.persist.StoredRecord;
import dev.picante.spring.jdbc.JdbcStateStoreTests.App;
import dev.picante.spring.jdbc.TestDatabases.Vendor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Sections that no longer fit the application (issue 13 item 3): a derived section whose types or shape
 * changed, or that read an ingredient no longer registered, is dropped, reported and recomputed, never a
 * startup failure nor a wrong value; an input whose shape changed fails the load with a way out that works
 * ({@code picante.store.discard-inputs}). Code versions and shapes are stored per section.
 */
class StoreShapeTests {

    private static App populated() {
        App app = new App();
        app.pages.set(app.db, "a", "hello");
        app.pages.set(app.db, "b", "incremental");
        app.config.set(app.db, "scale", 2);
        assertThat(app.total.get(app.db, "t")).isEqualTo(32);
        return app;
    }

    /** The application after a redeploy: "length" now returns a Long. */
    static final class LongApp {
        final Database db = Database.create();
        final InputIngredient<String, String> pages = db.input("pages", String.class, String.class);
        final InputIngredient<String, Integer> config = db.input("config", String.class, Integer.class);
        final AtomicInteger computations = new AtomicInteger();
        final DerivedIngredient<String, Long> length = db.derived("length", String.class, Long.class,
                (ctx, page) -> {
                    computations.incrementAndGet();
                    return (long) pages.get(ctx, page).map(String::length).orElse(0) * config.get(ctx, "scale")
                            .orElse(1);
                });
        final DerivedIngredient<String, Long> total = db.derived("total", String.class, Long.class,
                (ctx, unused) -> {
                    computations.incrementAndGet();
                    return length.get(ctx, "a") + length.get(ctx, "b");
                });
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aDerivedSectionWhoseTypesChangedIsDroppedAndRecomputed(Vendor vendor) {
        DataSource ds = vendor.fresh();
        JdbcStateStore.builder(ds).build().save(populated().db);

        LongApp app = new LongApp();
        JdbcStateStore store = JdbcStateStore.builder(ds).build();
        StoreLoadReport report = store.load(app.db);

        assertThat(report.dropped()).anySatisfy(d -> assertThat(d).contains("derived 'length'")
                .contains("java.lang.String -> java.lang.Integer").contains("java.lang.String -> java.lang.Long"));
        assertThat(report.dropped()).anySatisfy(d -> assertThat(d).contains("derived 'total'"));
        assertThat(store.status().droppedAtLoad()).isEqualTo(report.dropped());
        assertThat(app.total.get(app.db, "t")).isEqualTo(32L);
        assertThat(app.length.get(app.db, "a")).isEqualTo(10L);
        assertThat(app.computations.get()).as("length(a), length(b), total").isEqualTo(3);
        assertThat(app.pages.get(app.db, "a")).contains("hello");
    }

    /** Writes a shape into a section row and the manifest, as a save by an older class would have. */
    private static void storedShape(DataSource ds, String section, String shape) {
        new JdbcTemplate(ds).update("UPDATE PICANTE_SECTIONS SET SHAPE = ? WHERE SECTION_NAME = ?", shape, section);
        StoredChunks.rebuildManifests(ds);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aDerivedSectionWhoseShapeChangedIsDroppedAndRecomputed(Vendor vendor) {
        // a value class that gained a field is not decoded into a wrong object
        DataSource ds = vendor.fresh();
        JdbcStateStore.builder(ds).build().save(populated().db);
        storedShape(ds, "length", "0123456789abcdef0123456789abcdef");

        App app = new App();
        StoreLoadReport report = JdbcStateStore.builder(ds).build().load(app.db);

        assertThat(report.dropped()).anySatisfy(d -> assertThat(d).contains("derived 'length'").contains("shape"));
        assertThat(report.corruptRecords()).isEmpty();
        assertThat(app.total.get(app.db, "t")).isEqualTo(32);
        assertThat(app.computations.get()).isEqualTo(3);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void anInputWhoseShapeChangedFailsNamingItAndDiscardInputsGetsOut(Vendor vendor) {
        DataSource ds = vendor.fresh();
        JdbcStateStore.builder(ds).build().save(populated().db);
        storedShape(ds, "pages", "0123456789abcdef0123456789abcdef");

        App failing = new App();
        assertThatThrownBy(() -> JdbcStateStore.builder(ds).build().load(failing.db))
                .isInstanceOf(StoreMismatchException.class)
                .hasMessageContaining("store 'picante'").hasMessageContaining("'pages'")
                .hasMessageContaining("java.lang.String -> java.lang.String").hasMessageContaining("shape")
                .hasMessageContaining("picante.store.discard-inputs=pages");
        assertThat(failing.db.revision().value()).isZero();

        App app = new App();
        StoreLoadReport report = JdbcStateStore.builder(ds).discardInputs(Set.of("pages")).build().load(app.db);
        assertThat(report.dropped()).anySatisfy(d -> assertThat(d).contains("input 'pages'")
                .contains("discard-inputs"));
        assertThat(app.pages.get(app.db, "a")).isEmpty();
        assertThat(app.config.get(app.db, "scale")).contains(2);
        assertThat(app.total.get(app.db, "t")).as("recomputed without the pages").isZero();
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void anInputWhoseTypeChangedNamesBothTypesAndTheWayOut(Vendor vendor) {
        DataSource ds = vendor.fresh();
        JdbcStateStore.builder(ds).build().save(populated().db);
        Database other = Database.create();
        InputIngredient<String, Long> config = other.input("config", String.class, Long.class);
        other.input("pages", String.class, String.class);
        assertThatThrownBy(() -> JdbcStateStore.builder(ds).build().load(other))
                .isInstanceOf(StoreMismatchException.class).hasMessageContaining("'config'")
                .hasMessageContaining("java.lang.Integer").hasMessageContaining("java.lang.Long")
                .hasMessageContaining("picante.store.discard-inputs=config");
        Database again = Database.create();
        InputIngredient<String, Long> config2 = again.input("config", String.class, Long.class);
        again.input("pages", String.class, String.class);
        JdbcStateStore.builder(ds).discardInputs(Set.of("config")).build().load(again);
        assertThat(config2.get(again, "scale")).isEmpty();
        assertThat(config.get(other, "scale")).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void derivedRecordsThatReadAGoneIngredientAreDropped(Vendor vendor) {
        DataSource ds = vendor.fresh();
        JdbcStateStore.builder(ds).build().save(populated().db);

        // "config" is gone; "length" now reads the pages only.
        Database db = Database.create();
        InputIngredient<String, String> pages = db.input("pages", String.class, String.class);
        AtomicInteger computations = new AtomicInteger();
        DerivedIngredient<String, Integer> length = db.derived("length", String.class, Integer.class,
                (ctx, page) -> {
                    computations.incrementAndGet();
                    return pages.get(ctx, page).map(String::length).orElse(0);
                });
        StoreLoadReport report = JdbcStateStore.builder(ds).build().load(db);

        assertThat(report.skippedSections()).contains("config");
        assertThat(report.dropped()).anySatisfy(d -> assertThat(d).contains("derived 'length'")
                .contains("'config'").contains("no longer registered"));
        assertThat(length.get(db, "a")).isEqualTo(5);
        assertThat(length.get(db, "b")).isEqualTo(11);
        assertThat(computations.get()).isEqualTo(2);
    }

    @Test
    void codeVersionsAndShapesAreStoredPerSectionAndComeBack() {
        DataSource ds = Vendor.H2.fresh();
        App app = populated();
        Map<String, IngredientInfo> registry = new LinkedHashMap<>();
        app.db.inspector().ingredients().forEach(info -> registry.put(info.name(), info));
        StateImage exported = app.db.exportState();
        List<Section> versioned = exported.sections().stream().map(s -> s.kind() != SectionKind.DERIVED ? s
                : new Section(s.ingredient(), s.kind(), s.keyType(), s.valueType(), "v7-" + s.ingredient(),
                        s.records())).toList();
        JdbcStateStore store = JdbcStateStore.builder(ds).build();
        store.saveImage(new StateImage(exported.revision(), versioned, exported.checkpoint()), registry);

        JdbcTemplate jdbc = new JdbcTemplate(ds);
        assertThat(jdbc.queryForObject("SELECT CODE_VERSION FROM PICANTE_SECTIONS WHERE SECTION_NAME = 'length'",
                String.class)).isEqualTo("v7-length");
        assertThat(jdbc.queryForObject("SELECT CODE_VERSION FROM PICANTE_SECTIONS WHERE SECTION_NAME = 'pages'",
                String.class)).isEmpty();
        assertThat(jdbc.queryForObject("SELECT SHAPE FROM PICANTE_SECTIONS WHERE SECTION_NAME = 'length'",
                String.class)).isEqualTo(TypeShapes.fingerprint(String.class, Integer.class)).hasSize(32);

        // In the log too.
        app.pages.set(app.db, "a", "changed");
        app.total.get(app.db, "t");
        StateImage changes = app.db.exportChangesSince(exported.checkpoint());
        store.appendImage(new StateImage(changes.revision(), changes.sections().stream()
                .map(s -> s.kind() != SectionKind.DERIVED ? s : new Section(s.ingredient(), s.kind(), s.keyType(),
                        s.valueType(), "v8", s.records())).toList(), changes.checkpoint()), registry);

        Map<String, IngredientInfo> fresh = new LinkedHashMap<>();
        App restarted = new App();
        restarted.db.inspector().ingredients().forEach(info -> fresh.put(info.name(), info));
        StoreLoader.Prepared prepared = JdbcStateStore.builder(ds).build().prepareLoad(fresh);
        assertThat(prepared).isNotNull();
        assertThat(prepared.base().sections()).filteredOn(s -> s.ingredient().equals("total"))
                .singleElement().extracting(Section::codeVersion).isEqualTo("v7-total");
        assertThat(prepared.replay()).singleElement().satisfies(image -> assertThat(image.sections())
                .filteredOn(s -> s.ingredient().equals("length")).singleElement()
                .extracting(Section::codeVersion).isEqualTo("v8"));
    }

    /** A value class of an application, nested. */
    record Inner(String name, List<Integer> counts) {
    }

    record Outer(Inner inner, long id) {
    }

    record OuterWithAField(Inner inner, long id, String added) {
    }

    enum Colour { RED, GREEN }

    enum ColourWithAConstant { RED, GREEN, BLUE }

    @Test
    void shapesDescribeComponentsAndFieldsRecursively() {
        assertThat(TypeShapes.describe(Outer.class)).contains("inner:" + Inner.class.getName())
                .contains("name:java.lang.String").contains("counts:java.util.List<java.lang.Integer>")
                .contains("id:long");
        assertThat(TypeShapes.describe(OuterWithAField.class)).contains("added:java.lang.String");
        // An enum counts by name: a constant added keeps the shape (stored values still decode).
        assertThat(TypeShapes.describe(Colour.class)).isEqualTo(Colour.class.getName() + "{enum}");
        assertThat(TypeShapes.describe(ColourWithAConstant.class).replace("ColourWithAConstant", "Colour"))
                .isEqualTo(TypeShapes.describe(Colour.class));
        assertThat(TypeShapes.describe(String.class)).isEqualTo("java.lang.String");
        assertThat(TypeShapes.fingerprint(String.class, Outer.class))
                .isNotEqualTo(TypeShapes.fingerprint(String.class, OuterWithAField.class))
                .isEqualTo(TypeShapes.fingerprint(String.class, Outer.class));
    }
}
