package dev.picante.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Durability;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The in-flight table single flight relies on (r[sharing.nonobservable]: one evaluation per query and revision):
 * it answers as a concurrent map's {@code putIfAbsent} and {@code remove(key, value)} would, also for many
 * evaluations sharing a slot, and under racing claims exactly one caller leads.
 */
@Timeout(30)
class InFlightTableTest {

    private final Engine engine = new Engine(new Object(), new EngineOptions());
    private final InputImpl<String, Integer> first = new InputImpl<>(engine, 0, "first", String.class,
            Integer.class, Durability.LOW);
    private final InputImpl<String, Integer> second = new InputImpl<>(engine, 1, "second", String.class,
            Integer.class, Durability.LOW);
    private final InFlightTable table = new InFlightTable();

    @Test
    void aClaimFindsTheEvaluationOfTheSameQueryAndRevisionOnly() {
        InFlight a = new InFlight(first, "k", 3);
        assertThat(table.putIfAbsent(a)).isNull();
        assertThat(table.putIfAbsent(new InFlight(first, "k", 3))).isSameAs(a);
        assertThat(table.putIfAbsent(new InFlight(first, "k", 4))).as("another revision").isNull();
        assertThat(table.putIfAbsent(new InFlight(second, "k", 3))).as("another ingredient").isNull();
        assertThat(table.putIfAbsent(new InFlight(first, "other", 3))).as("another key").isNull();
        assertThat(table.size()).isEqualTo(4);
    }

    @Test
    void removeTakesOutExactlyTheGivenEvaluation() {
        InFlight a = new InFlight(first, "k", 3);
        InFlight sameQuery = new InFlight(first, "k", 3);
        table.putIfAbsent(a);
        table.remove(sameQuery); // never installed: nothing happens
        assertThat(table.putIfAbsent(new InFlight(first, "k", 3))).isSameAs(a);
        table.remove(a);
        table.remove(a); // twice: nothing more
        assertThat(table.size()).isZero();
        assertThat(table.putIfAbsent(sameQuery)).as("a retry leads once the first is gone").isNull();
    }

    @Test
    void manyEvaluationsSharingSlotsAreEachFoundAndRemoved() {
        // Far more evaluations than slots: every slot holds several.
        List<InFlight> all = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            InFlight evaluation = new InFlight(i % 2 == 0 ? first : second, "key" + i, i % 7);
            assertThat(table.putIfAbsent(evaluation)).isNull();
            all.add(evaluation);
        }
        assertThat(table.size()).isEqualTo(5_000);
        for (int i = 0; i < all.size(); i++) {
            InFlight again = new InFlight(i % 2 == 0 ? first : second, "key" + i, i % 7);
            assertThat(table.putIfAbsent(again)).as("evaluation %d", i).isSameAs(all.get(i));
        }
        for (int i = 0; i < all.size(); i += 2) {
            table.remove(all.get(i));
        }
        assertThat(table.size()).isEqualTo(2_500);
        for (int i = 0; i < all.size(); i++) {
            InFlight again = new InFlight(i % 2 == 0 ? first : second, "key" + i, i % 7);
            InFlight found = table.putIfAbsent(again);
            if (i % 2 == 0) {
                assertThat(found).as("removed %d", i).isNull();
            } else {
                assertThat(found).as("kept %d", i).isSameAs(all.get(i));
            }
        }
    }

    @Test
    void racingClaimsOfOneQueryHaveExactlyOneLeaderAtATime() throws Exception {
        int threads = 8;
        int rounds = 2_000;
        AtomicInteger leading = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger leads = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int offset = t;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int round = 0; round < rounds; round++) {
                    // other evaluations in the same table meanwhile, so slots change under the claims
                    InFlight noise = new InFlight(second, "noise" + offset + "-" + round, round);
                    table.putIfAbsent(noise);
                    InFlight mine = new InFlight(first, "hot", 1);
                    if (table.putIfAbsent(mine) == null) {
                        leads.incrementAndGet();
                        if (leading.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        leading.decrementAndGet();
                        table.remove(mine);
                    }
                    table.remove(noise);
                }
            });
            thread.start();
            all.add(thread);
        }
        start.countDown();
        for (Thread thread : all) {
            thread.join();
        }
        assertThat(overlaps).as("two leaders of one evaluation at once").hasValue(0);
        assertThat(leads.get()).isPositive();
        assertThat(table.size()).isZero();
    }
}
