package dev.picante.persist;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.InputIngredient;
import dev.picante.Revision;
import dev.picante.RuntimeEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * What {@link InputChangeLogTest} and {@link InputChangeGateTest} write through: a database built with the hook
 * under test (and a state-byte limit of 10,000), two inputs, and a derived query over one of them that counts its
 * computations.
 *
 * @param <H> the hook's type
 */
abstract class InputWritesFixture<H> {

    final H hook;
    final Database db;
    final InputIngredient<String, String> pages;
    final InputIngredient<String, Integer> counts;
    final AtomicInteger computations = new AtomicInteger();
    final DerivedIngredient<String, Integer> length;
    final List<RuntimeEvent> events = new CopyOnWriteArrayList<>();

    /**
     * The effective changes of {@link #writeThree()}, in write order: of the batch, "a" is unchanged and "none"
     * absent, so only "b" and "c" are changes.
     */
    static final List<List<InputChange>> THREE_WRITES_CHANGES = List.of(
            List.of(new InputChange("pages", "a", "one")),
            List.of(new InputChange("pages", "b", "two"), new InputChange("counts", "c", 3)),
            List.of(new InputChange("pages", "a", null)));

    InputWritesFixture(H hook, BiFunction<Database.Builder, H, Database.Builder> install) {
        this.hook = hook;
        this.db = install.apply(Database.builder(), hook).stateByteLimit(10_000).build();
        this.pages = db.input("pages", String.class, String.class);
        this.counts = db.input("counts", String.class, Integer.class);
        this.length = db.derived("length", String.class, Integer.class, (ctx, key) -> {
            computations.incrementAndGet();
            return pages.require(ctx, key).length();
        });
    }

    /**
     * Three primary writes: a set, a batch of four calls of which two change something, and a removal. Returns
     * their revisions.
     */
    List<Revision> writeThree() {
        Revision first = pages.set(db, "a", "one");
        Revision second = db.batch().set(pages, "a", "one").set(pages, "b", "two").remove(counts, "none")
                .set(counts, "c", 3).commit();
        Revision third = pages.remove(db, "a");
        return List.of(first, second, third);
    }
}
