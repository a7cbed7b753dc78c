package dev.picante.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Database;
import dev.picante.Inspector.IngredientInfo;
import dev.picante.InternId;
import dev.picante.LimitExceededException;
import dev.picante.Revision;
import dev.picante.RuntimeEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * {@link Database#load(StateImage, List)} is atomic (issue 14, item 2): everything (sections against the
 * registry, the order of the change images, the records) is checked before anything is touched, and a load
 * that fails anywhere, even at its last change image, leaves the database exactly as it was: revision 0, no
 * inputs, no results, nothing interned, no events, the same inspector counters, no state bytes. It can then
 * load again.
 */
// r[store.log] r[store.mismatch] r[store.restore]
class AtomicLoadTest {

    /** A saved database, its full image and two change images after it. */
    private final PersistenceTest.App saved = new PersistenceTest.App();
    private final StateImage full;
    private final StateImage first;
    private final StateImage second;

    AtomicLoadTest() {
        saved.pages.set(saved.db, "a", "hello");
        saved.pages.set(saved.db, "b", "world");
        saved.config.set(saved.db, "scale", 2);
        saved.words.intern(saved.db, "x");
        assertThat(saved.total.get(saved.db, "t")).isEqualTo(20);
        full = saved.db.exportState();
        saved.pages.set(saved.db, "a", "hello again");
        assertThat(saved.total.get(saved.db, "t")).isEqualTo(32);
        first = saved.db.exportChangesSince(full.checkpoint());
        saved.pages.set(saved.db, "b", "w");
        saved.pages.remove(saved.db, "a");
        saved.words.intern(saved.db, "y");
        assertThat(saved.total.get(saved.db, "t")).isEqualTo(2);
        second = saved.db.exportChangesSince(first.checkpoint());
    }

    /** A new database to load into, with a listener and its counters before the load. */
    private static final class Target {
        final PersistenceTest.App app = new PersistenceTest.App();
        final List<RuntimeEvent> events = new CopyOnWriteArrayList<>();
        final List<IngredientInfo> before;

        Target() {
            app.db.subscribe(events::add);
            before = app.db.inspector().ingredients();
        }

        void assertUntouched() {
            Database db = app.db;
            assertThat(db.revision()).isEqualTo(new Revision(0));
            for (String ingredient : List.of("pages", "config", "words", "length", "total")) {
                assertThat(db.inspector().cells(ingredient)).as(ingredient).isEmpty();
            }
            assertThat(events).isEmpty();
            assertThat(db.inspector().ingredients()).usingRecursiveComparison().isEqualTo(before);
            assertThat(db.stateBytes()).isZero();
            assertThat(app.computations).hasValue(0);
        }
    }

    @Test
    void aFullImageAndItsLogLoadAsOneStepLikeAReplayInOrder() {
        Target target = new Target();

        ImportReport report = target.app.db.load(full, List.of(first, second));

        PersistenceTest.App replayed = new PersistenceTest.App();
        replayed.db.importState(full);
        replayed.db.applyChanges(first);
        replayed.db.applyChanges(second);
        assertThat(report.revision()).isEqualTo(saved.db.revision().value());
        assertThat(target.app.db.revision()).isEqualTo(saved.db.revision());
        assertThat(report.skippedSections()).isEmpty();
        assertThat(report.droppedSections()).isEmpty();
        assertThat(report.records()).isEqualTo(List.of(full, first, second).stream()
                .flatMap(i -> i.sections().stream()).mapToLong(s -> s.records().size()).sum());
        for (String ingredient : List.of("pages", "config", "words", "length", "total")) {
            assertThat(target.app.db.inspector().cells(ingredient)).as(ingredient).usingRecursiveComparison()
                    .isEqualTo(replayed.db.inspector().cells(ingredient));
        }
        assertThat(target.app.total.get(target.app.db, "t")).isEqualTo(2);
        assertThat(target.app.pages.get(target.app.db, "a")).isEmpty();
        assertThat(target.app.words.intern(target.app.db, "y")).isEqualTo(new InternId(1));
        assertThat(target.app.computations).as("the log's results are served as saved").hasValue(0);
        assertThat(target.events).singleElement().isInstanceOf(RuntimeEvent.RevisionBumped.class);
    }

    @Test
    void aLastChangeImageOutOfOrderLeavesTheDatabaseUntouched() {
        Target target = new Target();

        assertThatThrownBy(() -> target.app.db.load(full, List.of(first, second, first)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("change image at revision " + first.revision())
                .hasMessageContaining("revision " + second.revision())
                .hasMessageContaining("nothing was loaded");

        target.assertUntouched();
        assertLoadsAfterwards(target);
    }

    @Test
    void aMismatchingInputSectionInTheLastChangeImageLeavesTheDatabaseUntouched() {
        Target target = new Target();
        Section wrong = new Section("config", SectionKind.INPUT, String.class, String.class,
                List.of(new StoredRecord("scale", "two", 9, 9, List.of())));
        StateImage bad = new StateImage(second.revision() + 1, List.of(wrong), second.checkpoint());

        assertThatThrownBy(() -> target.app.db.load(full, List.of(first, second, bad)))
                .isInstanceOf(StoreMismatchException.class)
                .hasMessageContaining("'config'")
                .hasMessageContaining("java.lang.String -> java.lang.String")
                .hasMessageContaining("java.lang.String -> java.lang.Integer");

        target.assertUntouched();
        assertLoadsAfterwards(target);
    }

    @Test
    void anInternedValueThatContradictsTheImageLeavesTheDatabaseUntouched() {
        Target target = new Target();
        Section other = new Section("words", SectionKind.INTERNED, InternId.class, String.class,
                List.of(new StoredRecord(new InternId(0), "not x", 0, 0, List.of())));
        StateImage bad = new StateImage(second.revision(), List.of(other), second.checkpoint());

        assertThatThrownBy(() -> target.app.db.load(full, List.of(first, second, bad)))
                .isInstanceOf(StoreMismatchException.class).hasMessageContaining("id 0");

        target.assertUntouched();
        assertLoadsAfterwards(target);
    }

    @Test
    void aLoadPastTheStateByteLimitLeavesTheDatabaseUntouched() {
        // r[limit.enforced]
        Database small = Database.builder().stateByteLimit(30).build();
        var pages = small.input("pages", String.class, String.class);
        List<RuntimeEvent> events = new ArrayList<>();
        small.subscribe(events::add);

        assertThatThrownBy(() -> small.load(full, List.of(first, second))).isInstanceOf(LimitExceededException.class);

        assertThat(small.revision()).isEqualTo(new Revision(0));
        assertThat(pages.get(small, "b")).isEmpty();
        assertThat(small.stateBytes()).isZero();
        assertThat(events).isEmpty();
    }

    @Test
    void aLoadIntoADatabaseThatIsNotNewIsRefusedBeforeAnything() {
        Target target = new Target();
        target.app.db.load(full, List.of());

        assertThatThrownBy(() -> target.app.db.load(full, List.of(first)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not new");
        assertThat(target.app.db.revision()).isEqualTo(new Revision(full.revision()));
    }

    private void assertLoadsAfterwards(Target target) {
        target.app.db.load(full, List.of(first, second));
        assertThat(target.app.db.revision()).isEqualTo(saved.db.revision());
        assertThat(target.app.total.get(target.app.db, "t")).isEqualTo(2);
        assertThat(target.app.length.get(target.app.db, "b")).isEqualTo(2);
        assertThat(target.app.computations).hasValue(0);
    }
}
