package dev.picante;

import static dev.picante.ConcurrencyTestKit.await;
import static dev.picante.ConcurrencyTestKit.start;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.ConcurrencyTestKit.Call;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A computation bound to an older revision keeps reading that revision while the view moves on, even
 * when an input changes and then changes back (A-B-A) and a newer access recomputes a derived query to
 * its old value (early cutoff). Found by {@link ConcurrencyStressTest}; this is its deterministic form.
 *
 * <pre>
 * main: in=1 @R1; x.get -> 10 (computed at R1)
 * main: in=2 @R2
 * T:    y.get(db) @R2 -> compute y: entered.countDown(); release.await()
 * main: entered.await(); in=1 @R3; x.get -> 10 (recomputed at R3: equal, early cutoff)
 * main: release.countDown()
 * T:    compute y reads x at R2: x at R2 is 2 * 10 = 20, so y = 20
 * </pre>
 *
 * The value of {@code x} is the same at R1 and R3, but not at R2: early cutoff at R3 only proves the
 * value equals the R1 one at R3, not at the revisions in between, so a read bound to R2 must not be served
 * the cached 10.
 */
// r[derived.revision-binding]
// r[derived.concurrent]
// r[changed-at.meaning]
// r[revision.early-cutoff]
@Timeout(30)
class OlderRevisionReadTest {

    private static final Duration BOUND = Duration.ofSeconds(10);

    @Test
    void aComputationAtAnOlderRevisionReadsThatRevisionAfterAnABAChange() throws Exception {
        // r[derived.revision-binding]
        Database db = Database.create();
        InputIngredient<String, Integer> in = db.input("in", String.class, Integer.class);
        DerivedIngredient<String, Integer> x = db.derived("x", String.class, Integer.class,
                (ctx, k) -> 10 * in.require(ctx, k));
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger yRuns = new AtomicInteger();
        DerivedIngredient<String, Integer> y = db.derived("y", String.class, Integer.class, (ctx, k) -> {
            if (yRuns.incrementAndGet() == 1) {
                entered.countDown();
                if (!release.await(10, SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            }
            return x.get(ctx, k);
        });

        Revision r1 = in.set(db, "k", 1);
        assertThat(x.get(db, "k")).isEqualTo(10);
        Revision r2 = in.set(db, "k", 2);
        Call<Integer> atR2 = start("y-at-R2", () -> y.get(db, "k"));
        await(entered, BOUND, "y's compute at R2");
        Revision r3 = in.set(db, "k", 1);
        assertThat(x.get(db, "k")).as("x at R3").isEqualTo(10);
        release.countDown();

        atR2.await(BOUND);
        assertThat(r1.value()).isLessThan(r2.value());
        assertThat(r2.value()).isLessThan(r3.value());
        assertThat(atR2.failure()).isNull();
        assertThat(atR2.value()).as("y evaluated at R2 reads x at R2 (in = 2)").isEqualTo(20);
    }

    @Test
    void aComputationAtAnOlderRevisionReadsThatRevisionOnASnapshotToo() throws Exception {
        // r[derived.revision-binding]
        // r[snapshot.memo-isolation]
        Database db = Database.create();
        InputIngredient<String, Integer> in = db.input("in", String.class, Integer.class);
        DerivedIngredient<String, Integer> x = db.derived("x", String.class, Integer.class,
                (ctx, k) -> 10 * in.require(ctx, k));
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger yRuns = new AtomicInteger();
        DerivedIngredient<String, Integer> y = db.derived("y", String.class, Integer.class, (ctx, k) -> {
            if (yRuns.incrementAndGet() == 1) {
                entered.countDown();
                if (!release.await(10, SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            }
            return x.get(ctx, k);
        });
        Snapshot s = db.snapshot();

        in.set(s, "k", 1);
        assertThat(x.get(s, "k")).isEqualTo(10);
        in.set(s, "k", 2);
        Call<Integer> atR2 = start("y-at-R2", () -> y.get(s, "k"));
        await(entered, BOUND, "y's compute at the snapshot's second revision");
        in.set(s, "k", 1);
        assertThat(x.get(s, "k")).isEqualTo(10);
        release.countDown();

        atR2.await(BOUND);
        assertThat(atR2.failure()).isNull();
        assertThat(atR2.value()).as("y evaluated at the snapshot's second revision (in = 2)").isEqualTo(20);
    }
}
