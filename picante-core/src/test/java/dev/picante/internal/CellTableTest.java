package dev.picante.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Durability;
import dev.picante.Inspector.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The memo table ({@link CellTable}) answers as a map of keys to cells would: random operations checked against
 * a {@code HashMap} (printed seed), probe chains kept through removals (tombstones) and resizes, iteration that
 * sees each key once, and readers that never miss a key present while writers remove, store and resize.
 */
@Timeout(60)
class CellTableTest {

    private static final Memo MEMO = Memo.value("v", Version.of(1), new Dependency[0], Durability.LOW);

    /** A key with a chosen hash code, so tests can make keys share probe chains. */
    record Key(int id, int hash) {
        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key k && k.id == id;
        }
    }

    private static Cell cell(Object key, long verifiedAt) {
        return new Cell(key, MEMO, verifiedAt, Outcome.COMPUTED, null, 0);
    }

    /** A hash code whose home slot in an 8-slot array is {@code slot}. */
    private static int hashWithHome(int slot, int skip) {
        int found = 0;
        for (int h = 0; ; h++) {
            if (CellTable.hash(h) >>> 29 == slot && found++ == skip) {
                return h;
            }
        }
    }

    @Test
    void randomOperationsAnswerAsAHashMap() {
        long base = new Random().nextLong();
        for (int run = 0; run < 40; run++) {
            long seed = base + run;
            checkAgainstHashMap(seed, run % 2 == 0 ? 16 : 500, run % 3 == 0 ? 4 : 1 << 20);
        }
    }

    /** {@code keys} distinct keys whose hash codes take {@code hashes} values (collisions when fewer). */
    private static void checkAgainstHashMap(long seed, int keys, int hashes) {
        String why = "seed " + seed + " (keys " + keys + ", hashes " + hashes + ")";
        Random random = new Random(seed);
        CellTable table = new CellTable(3);
        Map<Object, Cell> oracle = new HashMap<>();
        for (int op = 0; op < 20_000; op++) {
            int id = random.nextInt(keys);
            Key key = new Key(id, id % hashes);
            Cell current = oracle.get(key);
            Cell fresh = cell(new Key(id, id % hashes), random.nextInt(10));
            switch (random.nextInt(8)) {
                case 0, 1 -> assertThat(table.get(key)).as(why).isSameAs(current);
                case 2 -> {
                    assertThat(table.putIfAbsent(fresh)).as(why).isSameAs(current);
                    oracle.putIfAbsent(key, fresh);
                }
                case 3 -> {
                    Cell result = table.putUnlessNewer(fresh);
                    if (current != null && current.verifiedAt > fresh.verifiedAt) {
                        assertThat(result).as(why).isSameAs(CellTable.KEPT);
                    } else {
                        assertThat(result).as(why).isSameAs(current);
                        oracle.put(key, fresh);
                    }
                }
                case 4 -> {
                    assertThat(table.put(fresh)).as(why).isSameAs(current);
                    oracle.put(key, fresh);
                }
                case 5 -> {
                    Cell expected = current != null && random.nextBoolean() ? current : fresh;
                    Cell next = cell(key, 1);
                    assertThat(table.replace(expected, next)).as(why).isEqualTo(expected == current);
                    if (expected == current) {
                        oracle.put(key, next);
                    }
                }
                default -> {
                    Cell target = current != null && random.nextInt(4) > 0 ? current : fresh;
                    assertThat(table.remove(target)).as(why).isEqualTo(target == current);
                    if (target == current) {
                        oracle.remove(key);
                    }
                }
            }
            assertThat(table.size()).as(why).isEqualTo(oracle.size());
            if (op % 1_000 == 0) {
                assertSameCells(table, oracle, why);
            }
        }
        assertSameCells(table, oracle, why);
        for (Map.Entry<Object, Cell> entry : oracle.entrySet()) {
            assertThat(table.get(entry.getKey())).as(why).isSameAs(entry.getValue());
        }
    }

    private static void assertSameCells(CellTable table, Map<Object, Cell> oracle, String why) {
        Map<Object, Cell> seen = new HashMap<>();
        table.forEach(cell -> assertThat(seen.put(cell.key, cell)).as(why + ": a key seen twice").isNull());
        assertThat(seen).as(why).isEqualTo(oracle);
        assertThat(table.isEmpty()).as(why).isEqualTo(oracle.isEmpty());
    }

    @Test
    void aKeyPastARemovedCellOfItsChainIsStillFoundAndItsSlotIsReused() {
        CellTable table = new CellTable(0);
        int h = hashWithHome(2, 0);
        Cell a = cell(new Key(1, h), 1);
        Cell b = cell(new Key(2, h), 1);
        Cell c = cell(new Key(3, h), 1);
        table.putIfAbsent(a);
        table.putIfAbsent(b);
        table.putIfAbsent(c);
        assertThat(table.remove(b)).isTrue();
        assertThat(table.get(new Key(3, h))).as("past the removed cell").isSameAs(c);
        assertThat(table.get(new Key(2, h))).isNull();
        assertThat(table.remove(b)).as("removed once").isFalse();
        Cell again = cell(new Key(2, h), 2);
        assertThat(table.putIfAbsent(again)).isNull();
        assertThat(table.get(new Key(2, h))).isSameAs(again);
        assertThat(table.cells()).containsExactlyInAnyOrder(a, again, c);
        assertThat(table.remove(c)).isTrue();
        assertThat(table.remove(again)).isTrue();
        assertThat(table.remove(a)).isTrue();
        assertThat(table.isEmpty()).isTrue();
        assertThat(table.get(new Key(1, h))).isNull();
    }

    @Test
    void putUnlessNewerKeepsACellVerifiedLater() {
        CellTable table = new CellTable(0);
        Cell later = cell("k", 7);
        assertThat(table.putUnlessNewer(later)).isNull();
        assertThat(table.putUnlessNewer(cell("k", 5))).isSameAs(CellTable.KEPT);
        assertThat(table.get("k")).isSameAs(later);
        Cell same = cell("k", 7);
        assertThat(table.putUnlessNewer(same)).as("as recent: replaced").isSameAs(later);
        assertThat(table.get("k")).isSameAs(same);
    }

    @Test
    void writesDuringAnIterationDoNotDisturbIt() {
        // Eviction removes while it iterates. Here the action removes both keys of one chain, stores a new key
        // into the first's slot and the first key again, after it: the iteration still reports each key once.
        // (Keys moved by concurrent writers while the scan runs: readersNeverMiss... below.)
        CellTable table = new CellTable(0);
        int h = hashWithHome(2, 0);
        Cell first = cell(new Key(1, h), 1);
        Cell second = cell(new Key(2, h), 1);
        table.putIfAbsent(first);
        table.putIfAbsent(second);
        List<Object> seen = new ArrayList<>();
        Cell[] again = new Cell[1];
        table.forEach(cell -> {
            if (seen.isEmpty()) {
                table.remove(second);
                table.remove(first);
                table.putIfAbsent(cell(new Key(3, h), 1));
                again[0] = cell(new Key(1, h), 2);
                table.putIfAbsent(again[0]);
            }
            seen.add(cell.key);
        });
        assertThat(seen).containsExactly(new Key(1, h), new Key(2, h));
        assertThat(table.get(new Key(1, h))).isSameAs(again[0]);
    }

    @Test
    void manyRemovalsAndStoresKeepTheArraySmall() {
        // Tombstones are cleaned by rebuilding at the same size, not by growing, when few cells are live.
        CellTable table = new CellTable(0);
        for (int i = 0; i < 100_000; i++) {
            Cell c = cell(i, 1);
            table.putIfAbsent(c);
            if (i >= 3) {
                assertThat(table.remove(Objects.requireNonNull(table.get(i - 3)))).isTrue();
            }
        }
        assertThat(table.size()).isEqualTo(3);
        assertThat(table.capacity()).isLessThanOrEqualTo(16);
        for (int i = 100_000 - 3; i < 100_000; i++) {
            assertThat(table.get(i)).isNotNull();
        }
    }

    @Test
    void readersNeverMissAKeyThatStaysWhileWritersRemoveStoreAndResize() throws Exception {
        // r[concurrency.linearizable]: the lock-free get against removals (tombstones, chains ended early),
        // stores into reused slots and resizes, on keys sharing few hashes so chains are long.
        CellTable table = new CellTable(0);
        List<Cell> stable = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            Cell c = cell(new Key(i, i % 8), 1);
            stable.add(c);
            table.putIfAbsent(c);
        }
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread writer = new Thread(() -> {
            Random random = new Random(1);
            try {
                start.await();
                for (int round = 0; round < 200_000; round++) {
                    int id = 1_000 + random.nextInt(400);
                    Cell c = cell(new Key(id, id % 8), 1);
                    Cell there = table.putIfAbsent(c);
                    if (there != null) {
                        table.remove(there);
                    }
                }
            } catch (Throwable t) {
                failures.add(t);
            } finally {
                stop.set(true);
            }
        });
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(new Thread(() -> {
                try {
                    start.await();
                    while (!stop.get()) {
                        for (Cell c : stable) {
                            if (table.get(new Key(((Key) c.key).id(), c.key.hashCode())) != c) {
                                failures.add(new AssertionError("missed " + c.key));
                                return;
                            }
                        }
                        Set<Object> keys = new HashSet<>();
                        table.forEach(cell -> {
                            if (!keys.add(cell.key)) {
                                failures.add(new AssertionError("seen twice: " + cell.key));
                            }
                        });
                        if (!keys.containsAll(stable.stream().map(c -> c.key).toList())) {
                            failures.add(new AssertionError("an iteration missed a key present throughout"));
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        writer.start();
        readers.forEach(Thread::start);
        start.countDown();
        writer.join();
        for (Thread reader : readers) {
            reader.join();
        }
        assertThat(failures).isEmpty();
        assertThat(table.size()).isEqualTo(64 + table.cells().stream().filter(c -> ((Key) c.key).id() >= 1_000)
                .count());
    }

    /** A key whose {@code equals} blocks until released: a writer comparing with it holds the table's lock. */
    record SlowKey(int id, CountDownLatch entered, CountDownLatch release) {
        @Override
        public int hashCode() {
            return 7;
        }

        @Override
        public boolean equals(Object other) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return other instanceof SlowKey k && k.id == id;
        }
    }

    // r[derived.concurrent]: writers of one table wait for the one holding its lock (here, in a key's equals) and
    // then each write exactly once; a waiting writer is not interrupted out of its write, and keeps the interrupt.
    @Test
    void writersThatFindTheLockHeldWaitForItAndKeepAnInterrupt() throws Exception {
        CellTable table = new CellTable(0);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        SlowKey slow = new SlowKey(1, entered, release);
        table.put(cell(new SlowKey(1, new CountDownLatch(0), new CountDownLatch(0)), 1));
        Thread holder = new Thread(() -> table.put(cell(slow, 2))); // compares with the stored key: holds the lock
        holder.start();
        assertThat(entered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        int waiters = 3;
        List<Thread> threads = new ArrayList<>();
        AtomicBoolean keptInterrupt = new AtomicBoolean();
        for (int i = 0; i < waiters; i++) {
            int id = 100 + i;
            Thread waiter = new Thread(() -> {
                assertThat(table.putIfAbsent(cell(new Key(id, id), 3))).isNull();
                if (id == 100) {
                    keptInterrupt.set(Thread.currentThread().isInterrupted());
                }
            });
            threads.add(waiter);
            waiter.start();
        }
        // Until released, no waiter can have written: the lock is held by the holder. Each waiter blocks (a waiter
        // that stopped spinning waits on the table's monitor, WAITING).
        for (Thread waiter : threads) {
            while (waiter.getState() != Thread.State.WAITING && waiter.getState() != Thread.State.BLOCKED
                    && waiter.isAlive()) {
                Thread.onSpinWait();
            }
        }
        assertThat(table.size()).isEqualTo(1);
        threads.get(0).interrupt();
        release.countDown();
        holder.join(10_000);
        for (Thread waiter : threads) {
            waiter.join(10_000);
        }
        assertThat(keptInterrupt).isTrue();
        assertThat(table.size()).isEqualTo(1 + waiters);
        assertThat(table.get(new SlowKey(1, new CountDownLatch(0), new CountDownLatch(0))).verifiedAt).isEqualTo(2);
        for (int i = 0; i < waiters; i++) {
            assertThat(table.get(new Key(100 + i, 100 + i))).isNotNull();
        }
    }
}
