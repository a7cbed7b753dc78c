package dev.picante.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The lock of the reverse edges: mutual exclusion with what it guards seen by the next holder, a registration's
 * take that never waits, and a walk's take that no stream of registrations keeps out (what rule 1 of
 * {@link Marking} and a walk's progress rely on; r[dep.invalidation]).
 */
class EdgesLockTest {

    @Test
    void tryLockTakesAFreeLockOnlyAndUnlockFreesIt() {
        EdgesLock lock = new EdgesLock();
        assertTrue(lock.tryLock());
        assertTrue(lock.isLocked());
        assertFalse(lock.tryLock(), "not reentrant: a held lock is not taken again");
        lock.unlock();
        assertFalse(lock.isLocked());
        assertTrue(lock.tryLock());
        lock.unlock();
        lock.lock();
        assertFalse(lock.tryLock());
        lock.unlock();
        assertTrue(lock.tryLock());
        lock.unlock();
    }

    /** Threads taking it both ways: no two hold it at once, and each sees what the one before wrote under it. */
    @Test
    void holdersExcludeEachOtherAndSeeThePreviousHoldersWrites() throws InterruptedException {
        EdgesLock lock = new EdgesLock();
        long[] plain = new long[1]; // written under the lock only, with plain accesses
        AtomicLong taken = new AtomicLong();
        AtomicBoolean overlap = new AtomicBoolean();
        AtomicBoolean inside = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            boolean blocking = t % 2 == 0;
            threads.add(new Thread(() -> {
                for (int i = 0; i < 50_000; i++) {
                    if (blocking) {
                        lock.lock();
                    } else if (!lock.tryLock()) {
                        continue;
                    }
                    if (!inside.compareAndSet(false, true)) {
                        overlap.set(true);
                    }
                    plain[0]++;
                    taken.incrementAndGet();
                    inside.set(false);
                    lock.unlock();
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        assertFalse(overlap.get(), "two threads held the lock at once");
        assertEquals(taken.get(), plain[0], "an increment made under the lock was lost");
        assertTrue(taken.get() >= 100_000, "every blocking take succeeds");
    }

    /**
     * Once a thread waits in {@code lock()}, {@code tryLock} fails until that thread has had the lock: the
     * holder's release leaves it to the waiting thread, however many registrations try meanwhile.
     */
    @Test
    void aWaitingThreadGetsTheLockBeforeAnyLaterTryLock() throws InterruptedException {
        EdgesLock lock = new EdgesLock();
        assertTrue(lock.tryLock());
        CountDownLatch acquired = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread walk = new Thread(() -> {
            lock.lock();
            acquired.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            lock.unlock();
        });
        walk.start();
        // Give the walk time to find the lock held and wait (spin, yield, park).
        while (walk.getState() != Thread.State.TIMED_WAITING) {
            Thread.onSpinWait();
        }
        lock.unlock();
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        while (System.nanoTime() < until) {
            assertFalse(lock.tryLock(), "a registration took the lock while a walk waited for it, or held it");
        }
        assertTrue(acquired.await(10, TimeUnit.SECONDS));
        release.countDown();
        walk.join();
        assertTrue(lock.tryLock(), "free again once the walk released it");
        lock.unlock();
    }

    /** A walk's take ends while two threads take and release the lock as fast as they can. */
    @Test
    void aStreamOfTryLocksDoesNotKeepAWaitingThreadOut() throws InterruptedException {
        EdgesLock lock = new EdgesLock();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> registrations = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            registrations.add(new Thread(() -> {
                while (!stop.get()) {
                    if (lock.tryLock()) {
                        lock.unlock();
                    }
                }
            }));
        }
        registrations.forEach(Thread::start);
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                for (int i = 0; i < 200; i++) {
                    lock.lock();
                    lock.unlock();
                }
            });
        } finally {
            stop.set(true);
            for (Thread thread : registrations) {
                thread.join();
            }
        }
    }
}
