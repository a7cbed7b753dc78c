package dev.picante.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The lock of {@link Marking}'s reverse edges: taken without waiting, by one compare-and-set, by a computation that
 * registers its edges ({@link #tryLock}), and with waiting by a marking walk ({@link #lock}). Not reentrant.
 *
 * <p>Made for that use, where a {@code ReentrantLock} costs what nobody needs: its owner thread (a store, a card
 * mark and a check on release), and a queue of waiters to wake, so that its release is a volatile store with a
 * full fence. Here a take and a release are one compare-and-set each, and a waiting thread does not sleep on a
 * queue: it spins briefly, then yields, then parks for growing spans up to {@value #MAX_PARK_NANOS} ns, and looks
 * again. It also sets {@link #WAITING}, which only the thread that takes the lock next clears: until then every
 * {@link #tryLock} fails (registrations wait in {@link Marking}'s pending list instead), so once the holder (one
 * registration, or the registrations pending) releases, the lock stays free for the waiting thread: no stream of
 * registrations can keep a walk out.
 *
 * <p>Mutual exclusion and memory effects are those of a lock: what a thread did before {@link #unlock} is seen by
 * the next thread whose {@link #tryLock} or {@link #lock} succeeds (the release store is read by that thread's
 * compare-and-set, which is a volatile access). Thread-safe.
 */
final class EdgesLock {

    /** The lock is held. */
    private static final int HELD = 1;
    /** A thread waits in {@link #lock}: {@link #tryLock} fails. */
    private static final int WAITING = 2;
    /** Spins of a waiting thread before it yields, and yields before it parks. */
    private static final int SPINS = 64;
    private static final int YIELDS = 16;
    /** The longest a waiting thread parks before it looks again. */
    private static final long MAX_PARK_NANOS = 1_000_000;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(EdgesLock.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@link #HELD} and {@link #WAITING} bits; 0 when free with nobody waiting. */
    @SuppressWarnings("unused")
    private volatile int state;

    /** Takes the lock if it is free and nobody waits for it; returns whether it did. Never waits. */
    boolean tryLock() {
        return STATE.compareAndSet(this, 0, HELD);
    }

    /** Takes the lock, waiting as long as needed (not interruptible, as {@code ReentrantLock.lock()}). */
    void lock() {
        if (STATE.compareAndSet(this, 0, HELD)) {
            return;
        }
        long park = 1_000;
        for (int round = 0; ; round++) {
            int s = (int) STATE.getVolatile(this);
            if ((s & HELD) == 0) {
                if (STATE.compareAndSet(this, s, HELD)) { // clears WAITING: set again by any other waiter
                    return;
                }
                continue;
            }
            if ((s & WAITING) == 0 && !STATE.compareAndSet(this, s, s | WAITING)) {
                continue;
            }
            if (round < SPINS) {
                Thread.onSpinWait();
            } else if (round < SPINS + YIELDS) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(this, park);
                park = Math.min(2 * park, MAX_PARK_NANOS);
            }
        }
    }

    /**
     * Releases the lock (held by this thread: the callers pair every successful take with one release), keeping
     * {@link #WAITING} if a thread waits.
     */
    void unlock() {
        if (!STATE.compareAndSet(this, HELD, 0)) {
            // HELD | WAITING: while HELD is set no other thread changes the state but to set WAITING, which is set
            STATE.setRelease(this, WAITING);
        }
    }

    /** Whether the lock is held (by any thread; for tests and assertions). */
    boolean isLocked() {
        return ((int) STATE.getVolatile(this) & HELD) != 0;
    }
}
