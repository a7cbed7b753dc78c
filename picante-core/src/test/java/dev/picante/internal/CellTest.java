package dev.picante.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Durability;
import dev.picante.Inspector.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A cell's verified revision only moves forward, however reverifications race. */
@Timeout(30)
class CellTest {

    private static Cell.Sequenced cell(long verifiedAt) {
        Memo memo = Memo.value("v", Version.of(1), new Dependency[0], Durability.LOW);
        return new Cell.Sequenced("k", memo, verifiedAt, Outcome.COMPUTED, null, 0);
    }

    @Test
    void reverifyingAtAnOlderOrTheSameRevisionChangesNothing() {
        // r[cell.revalidate]: a read bound to an older revision must not move a cell back.
        Cell.Sequenced cell = cell(5);
        long sequence = cell.sequence();
        assertThat(cell.reverify(5, Outcome.REVALIDATED, true)).isFalse();
        assertThat(cell.reverify(3, Outcome.REVALIDATED, true)).isFalse();
        assertThat(cell.verifiedAt).isEqualTo(5);
        assertThat(cell.how.outcome()).isEqualTo(Outcome.COMPUTED);
        assertThat(cell.sequence()).isEqualTo(sequence);

        assertThat(cell.reverify(8, Outcome.DURABILITY_SHORTCUT, true)).isTrue();
        assertThat(cell.verifiedAt).isEqualTo(8);
        assertThat(cell.how.outcome()).isEqualTo(Outcome.DURABILITY_SHORTCUT);
        assertThat(cell.how.cause()).isNull();
        assertThat(cell.sequence()).as("a change export must see it again").isGreaterThan(sequence);
    }

    @Test
    void aPlainCellHasNoSequenceAndTakesNoneWhenReverified() {
        Memo memo = Memo.value("v", Version.of(1), new Dependency[0], Durability.LOW);
        Cell cell = new Cell("k", memo, 5, Outcome.COMPUTED, null, 0);
        long before = Cell.lastSequence();
        assertThat(cell.sequence()).isZero();
        assertThat(cell.reverify(8, Outcome.REVALIDATED, true)).isTrue();
        assertThat(cell.verifiedAt).isEqualTo(8);
        assertThat(cell.sequence()).isZero();
        assertThat(Cell.lastSequence()).as("no shared increment for a plain cell").isEqualTo(before);
    }

    @Test
    void racingReverificationsLeaveTheNewestRevision() throws InterruptedException {
        for (int round = 0; round < 200; round++) {
            Cell cell = cell(1);
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long revision = 2 + t;
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    cell.reverify(revision, Outcome.REVALIDATED, true);
                });
                thread.start();
                threads.add(thread);
            }
            start.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(cell.verifiedAt).isEqualTo(5);
        }
    }
}
