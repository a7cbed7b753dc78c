package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Inspector.Outcome;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shared cache (on by default) as users see it: a result the database dropped is taken back after a check
 * of what it read instead of being recomputed, and a result never changes because of it
 * (r[sharing.nonobservable]). The database does not write its new results into the shared cache while it
 * holds them (a cold computation then costs no shared-cache write); these tests pin that it still finds them
 * there once it has dropped them.
 */
@Timeout(10)
class SharedCacheTest {

    private final Database db = Database.create();
    private final InputIngredient<String, Integer> in = db.input("in", String.class, Integer.class);
    private final AtomicInteger runs = new AtomicInteger();
    private final DerivedIngredient<String, Integer> doubled = db.derived("doubled", String.class, Integer.class,
            (ctx, k) -> {
                runs.incrementAndGet();
                int v = in.require(ctx, k);
                if (v < 0) {
                    throw new IllegalArgumentException("negative " + k);
                }
                return 2 * v;
            });

    @Test
    void aResultTheDatabaseEvictedIsTakenBackWithoutRecomputing() {
        // r[evict.derived] r[sharing.nonobservable]
        in.set(db, "a", 3);
        assertThat(doubled.get(db, "a")).isEqualTo(6);
        assertThat(db.evict(doubled)).isEqualTo(1);

        assertThat(doubled.get(db, "a")).isEqualTo(6);
        assertThat(runs).as("adopted from the shared cache, not recomputed").hasValue(1);
        assertThat(db.inspector().explain("doubled", "a").outcome()).isEqualTo(Outcome.ADOPTED);
    }

    @Test
    void anEvictedResultWhoseInputChangedIsRecomputed() {
        // r[sharing.nonobservable]: the shared cache never changes a result
        in.set(db, "a", 3);
        assertThat(doubled.get(db, "a")).isEqualTo(6);
        db.evict(doubled);
        in.set(db, "a", 4);

        assertThat(doubled.get(db, "a")).isEqualTo(8);
        assertThat(runs).hasValue(2);
    }

    @Test
    void aResultTheBoundEvictedIsTakenBackWithoutRecomputing() {
        // r[evict.derived]: the bound drops "a" when "b" is stored; reading "a" again adopts it
        Database bounded = Database.builder().maxMemosPerIngredient(1).build();
        InputIngredient<String, Integer> input = bounded.input("in", String.class, Integer.class);
        AtomicInteger computed = new AtomicInteger();
        DerivedIngredient<String, Integer> plusOne = bounded.derived("plusOne", String.class, Integer.class,
                (ctx, k) -> {
                    computed.incrementAndGet();
                    return input.require(ctx, k) + 1;
                });
        input.set(bounded, "a", 1);
        input.set(bounded, "b", 2);
        assertThat(plusOne.get(bounded, "a")).isEqualTo(2);
        assertThat(plusOne.get(bounded, "b")).isEqualTo(3);
        assertThat(bounded.inspector().ingredient("plusOne").entries()).isEqualTo(1);

        assertThat(plusOne.get(bounded, "a")).isEqualTo(2);
        assertThat(computed).as("a: computed once, then adopted back").hasValue(2);
    }

    @Test
    void aSnapshotFromBeforeAFailureTakesTheSuccessTheDatabaseReplaced() {
        // r[sharing.nonobservable] r[cell.poison]: the database's failure replaces its success; a snapshot still at
        // the old inputs adopts that success from the shared cache instead of computing it again
        in.set(db, "a", 3);
        assertThat(doubled.get(db, "a")).isEqualTo(6);
        try (Snapshot before = db.snapshot()) {
            in.set(db, "a", -1);
            assertThatThrownBy(() -> doubled.get(db, "a")).isInstanceOf(QueryFailedException.class)
                    .hasMessageContaining("negative a");
            assertThat(runs).hasValue(2);

            assertThat(doubled.get(before, "a")).isEqualTo(6);
            assertThat(runs).as("the snapshot adopted the replaced success").hasValue(2);
        }
    }
}
