package dev.picante;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Cycles within one logical evaluation: they fail with a {@link CycleException} naming the path, never hang,
 * and leave the database usable.
 */
@Timeout(10)
class CycleTest {

    @Test
    void queryAskingForItselfFailsWithACycle() {
        // r[cycle.detect]
        Database db = Database.create();
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<DerivedIngredient<Integer, Integer>> self = new AtomicReference<>();
        self.set(db.derived("self", Integer.class, Integer.class, (ctx, k) -> {
            runs.incrementAndGet();
            return self.get().get(ctx, k) + 1;
        }));
        Revision r = db.revision();

        CycleException e = catchThrowableOfType(CycleException.class, () -> self.get().get(db, 1));

        assertThat(e).as("a CycleException, not wrapped").isNotNull();
        assertThat(e.path()).containsExactly(new QueryRef("self", 1), new QueryRef("self", 1));
        assertThat(e.revision()).isEqualTo(r);
        assertThat(e.getMessage()).startsWith("cycle at revision " + r.value() + ": self(1) -> self(1)");
        assertThat(runs).hasValue(1);

        // a key that does not recurse is unaffected
        DerivedIngredient<Integer, Integer> plain = db.derived("plain", Integer.class, Integer.class,
                (ctx, k) -> k * 2);
        assertThat(plain.get(db, 21)).isEqualTo(42);
    }

    /** Three queries a -> b -> c -> a, each reading the next through a holder set after registration. */
    private static final class Triangle {
        final Database db = Database.create();
        final InputIngredient<String, String> next = db.input("next", String.class, String.class);
        final AtomicInteger runs = new AtomicInteger();
        final DerivedIngredient<Integer, String> a = step("a");
        final DerivedIngredient<Integer, String> b = step("b");
        final DerivedIngredient<Integer, String> c = step("c");

        private DerivedIngredient<Integer, String> step(String name) {
            return db.derived(name, Integer.class, String.class, (ctx, k) -> {
                runs.incrementAndGet();
                String target = next.get(ctx, name).orElse("none");
                DerivedIngredient<Integer, String> ingredient = switch (target) {
                    case "a" -> a;
                    case "b" -> b;
                    case "c" -> c;
                    default -> null;
                };
                return ingredient == null ? name : name + "->" + ingredient.get(ctx, k);
            });
        }
    }

    @Test
    void threeQueryCycleReportsItsPath() {
        // r[cycle.detect]
        Triangle t = new Triangle();
        t.next.set(t.db, "a", "b");
        t.next.set(t.db, "b", "c");
        Revision r = t.next.set(t.db, "c", "a");

        CycleException e = catchThrowableOfType(CycleException.class, () -> t.a.get(t.db, 1));

        assertThat(e).isNotNull();
        assertThat(e.path()).containsExactly(new QueryRef("a", 1), new QueryRef("b", 1), new QueryRef("c", 1),
                new QueryRef("a", 1));
        assertThat(e.revision()).isEqualTo(r);
        assertThat(e.getMessage()).startsWith("cycle at revision " + r.value() + ": a(1) -> b(1) -> c(1) -> a(1)");

        // entering the cycle elsewhere also fails with a cycle made of the same queries
        CycleException fromB = catchThrowableOfType(CycleException.class, () -> t.b.get(t.db, 1));
        assertThat(fromB).isNotNull();
        assertThat(fromB.path()).hasSize(4).containsOnly(new QueryRef("a", 1), new QueryRef("b", 1),
                new QueryRef("c", 1));
        assertThat(fromB.path().get(0)).isEqualTo(fromB.path().get(3));
    }

    @Test
    void pathListsOnlyTheQueriesOfTheCycle() {
        // r[cycle.detect]
        Triangle t = new Triangle();
        t.next.set(t.db, "a", "b");
        t.next.set(t.db, "b", "c");
        Revision r = t.next.set(t.db, "c", "b"); // a enters the cycle b -> c -> b

        CycleException e = catchThrowableOfType(CycleException.class, () -> t.a.get(t.db, 7));

        assertThat(e).isNotNull();
        assertThat(e.path()).containsExactly(new QueryRef("b", 7), new QueryRef("c", 7), new QueryRef("b", 7));
        assertThat(e.getMessage()).startsWith("cycle at revision " + r.value() + ": b(7) -> c(7) -> b(7)");
    }

    @Test
    void databaseStaysUsableAndTheQuerySucceedsOnceTheCycleIsBroken() {
        // r[cycle.detect]
        Triangle t = new Triangle();
        t.next.set(t.db, "a", "b");
        t.next.set(t.db, "b", "a");
        assertThat(catchThrowableOfType(CycleException.class, () -> t.a.get(t.db, 1))).isNotNull();

        // other queries and other keys are fine at the same revision
        assertThat(t.c.get(t.db, 1)).isEqualTo("c");
        assertThat(t.next.get(t.db, "a")).contains("b");

        Revision broken = t.next.set(t.db, "b", "c");
        assertThat(t.db.revision()).isEqualTo(broken);
        assertThat(t.a.get(t.db, 1)).isEqualTo("a->b->c");
        assertThat(t.b.get(t.db, 1)).isEqualTo("b->c");
        int runs = t.runs.get();
        assertThat(t.a.get(t.db, 1)).isEqualTo("a->b->c");
        assertThat(t.runs).as("memoized once the cycle is gone").hasValue(runs);

        // closing it again fails again, at the new revision
        Revision closed = t.next.set(t.db, "c", "a");
        CycleException again = catchThrowableOfType(CycleException.class, () -> t.a.get(t.db, 1));
        assertThat(again).isNotNull();
        assertThat(again.revision()).isEqualTo(closed);
        assertThat(again.path()).containsExactly(new QueryRef("a", 1), new QueryRef("b", 1), new QueryRef("c", 1),
                new QueryRef("a", 1));
    }

    @Test
    void queryCanCatchACycleAndTreatItAsData() {
        // r[cycle.detect]
        Triangle t = new Triangle();
        t.next.set(t.db, "a", "b");
        t.next.set(t.db, "b", "a");
        DerivedIngredient<Integer, String> guard = t.db.derived("guard", Integer.class, String.class, (ctx, k) -> {
            try {
                return t.a.get(ctx, k);
            } catch (CycleException e) {
                return "cycle of " + (e.path().size() - 1);
            }
        });
        assertThat(guard.get(t.db, 1)).isEqualTo("cycle of 2");
        t.next.remove(t.db, "b");
        assertThat(guard.get(t.db, 1)).isEqualTo("a->b");
    }

    @Test
    void asyncAccessOfACycleFailsInsteadOfHanging() {
        // r[cycle.detect]
        Triangle t = new Triangle();
        t.next.set(t.db, "a", "b");
        t.next.set(t.db, "b", "c");
        t.next.set(t.db, "c", "a");
        assertThat(t.a.getAsync(t.db, 3)).failsWithin(5, SECONDS).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(CycleException.class)
                .withMessageContaining("a(3) -> b(3) -> c(3) -> a(3)");
    }

    @Test
    @Timeout(value = 5, unit = SECONDS)
    void aCycleThroughTheViewInsteadOfTheContextEndsInsteadOfBlockingForever() {
        // r[liveness.scope]: completion is not promised in general, but r[cycle.detect] says otherwise for a
        // cycle: even a compute function that (wrongly) reads through the Database instead of its ctx, and so
        // re-enters its own evaluation from the same thread, gets an exception instead of waiting on itself.
        Database db = Database.create();
        AtomicReference<DerivedIngredient<Integer, Integer>> self = new AtomicReference<>();
        AtomicInteger runs = new AtomicInteger();
        self.set(db.derived("selfViaView", Integer.class, Integer.class, (ctx, k) -> {
            runs.incrementAndGet();
            return self.get().get(db, k) + 1;
        }));

        Throwable thrown = catchThrowableOfType(CycleException.class, () -> self.get().get(db, 1));

        assertThat(thrown).hasMessageContaining("selfViaView(1)");
        assertThat(runs).hasValue(1);
    }
}
