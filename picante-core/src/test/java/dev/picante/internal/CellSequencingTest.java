package dev.picante.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.Revision;
import dev.picante.persist.StateImage;
import dev.picante.persist.StoredRecord;
import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Cells carry a sequence number only once a change export may ask what is new: a database never exported or
 * loaded makes plain cells (8 bytes less each, no shared atomic increment), and what a change export contains is
 * the same either way (r[store.log]: derived records changed after a save, a reused result with the revision it was
 * verified at, are appended).
 */
@Timeout(30)
class CellSequencingTest {

    private Database db;
    private InputIngredient<String, String> pages;
    private DerivedIngredient<String, String> title;
    private final AtomicInteger titleRuns = new AtomicInteger();

    @BeforeEach
    void setUp() {
        register();
        pages.set(db, "a", "# A\nbody");
        pages.set(db, "b", "# B\nbody");
    }

    private void register() {
        db = Database.create();
        pages = db.input("pages", String.class, String.class);
        title = db.derived("title", String.class, String.class, (ctx, page) -> {
            titleRuns.incrementAndGet();
            return pages.require(ctx, page).lines().findFirst().orElse("");
        });
    }

    private static Engine engine(Database db) throws ReflectiveOperationException {
        Field field = Database.class.getDeclaredField("engine");
        field.setAccessible(true);
        return (Engine) field.get(db);
    }

    private Cell cell(String page) throws ReflectiveOperationException {
        Engine engine = engine(db);
        return engine.primary().cell(engine.ingredient("title").index, page);
    }

    @Test
    void aDatabaseNeverExportedOrLoadedMakesNoSequencedCell() throws Exception {
        assertThat(title.get(db, "a")).isEqualTo("# A");
        assertThat(cell("a")).isNotInstanceOf(Cell.Sequenced.class);
        pages.set(db, "b", "# B\nchanged body");
        assertThat(title.get(db, "a")).isEqualTo("# A");
        assertThat(title.get(db, "b")).isEqualTo("# B");
        assertThat(cell("a")).as("reverified in place").isNotInstanceOf(Cell.Sequenced.class);
        assertThat(cell("b")).as("recomputed").isNotInstanceOf(Cell.Sequenced.class);
        assertThat(titleRuns).hasValue(2);
    }

    @Test
    void aCellMadeBeforeTheFirstExportAndReusedAfterItIsInTheNextChangeExport() throws Exception {
        assertThat(title.get(db, "a")).isEqualTo("# A");
        assertThat(title.get(db, "b")).isEqualTo("# B");
        StateImage full = db.exportState();
        Revision edit = pages.set(db, "b", "# B\nchanged body");
        titleRuns.set(0);
        assertThat(title.get(db, "a")).isEqualTo("# A");
        assertThat(titleRuns).as("a reused, not recomputed").hasValue(0);
        assertThat(cell("a")).as("a sequenced copy took the plain cell's place").isInstanceOf(Cell.Sequenced.class);
        assertThat(cell("a").verifiedAt).isEqualTo(edit.value());

        StateImage change = db.exportChangesSince(full.checkpoint());
        assertThat(verifiedIn(change, "a")).containsExactly(edit.value());
        assertThat(verifiedIn(change, "b")).as("not read since the edit").isEmpty();

        StateImage none = db.exportChangesSince(change.checkpoint());
        assertThat(verifiedIn(none, "a")).as("exported once").isEmpty();
    }

    @Test
    void cellsMadeAfterALoadAreSequenced() throws Exception {
        assertThat(title.get(db, "a")).isEqualTo("# A");
        StateImage full = db.exportState();
        register();
        db.importState(full);
        assertThat(cell("a")).as("restored").isNotInstanceOf(Cell.Sequenced.class);
        assertThat(title.get(db, "b")).isEqualTo("# B");
        assertThat(cell("b")).isInstanceOf(Cell.Sequenced.class);
        assertThat(verifiedIn(db.exportChangesSince(full.checkpoint()), "b")).hasSize(1);
    }

    private static List<Long> verifiedIn(StateImage image, String key) {
        return image.sections().stream().filter(s -> s.ingredient().equals("title"))
                .flatMap(s -> s.records().stream()).filter(r -> r.key().equals(key))
                .map(StoredRecord::verifiedAt).toList();
    }
}
