package dev.picante;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Helpers of the concurrency tests: calls on daemon threads whose outcome is captured, bounded waits
 * that fail with a thread dump instead of hanging, and a bounded wait for threads to park.
 */
final class ConcurrencyTestKit {

    private ConcurrencyTestKit() {
    }

    /** A call running on its own daemon thread. */
    static final class Call<T> {

        final Thread thread;
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile @Nullable T value;
        private volatile @Nullable Throwable failure;
        private volatile boolean interruptFlagAfter;

        private Call(String name, Callable<T> body) {
            thread = new Thread(() -> {
                try {
                    value = body.call();
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    interruptFlagAfter = Thread.currentThread().isInterrupted();
                    done.countDown();
                }
            }, name);
            thread.setDaemon(true);
        }

        /** Waits at most {@code limit} for the call to return; fails with a thread dump otherwise. */
        Call<T> await(Duration limit) throws InterruptedException {
            if (!done.await(limit.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new AssertionError(thread.getName() + " did not finish within " + limit + "\n" + dumpAll());
            }
            return this;
        }

        boolean isDone() {
            return done.getCount() == 0;
        }

        @Nullable T value() {
            return value;
        }

        @Nullable Throwable failure() {
            return failure;
        }

        /** Whether the thread's interrupt status was set when the call returned. */
        boolean interruptFlagAfter() {
            return interruptFlagAfter;
        }

        @Override
        public String toString() {
            return thread.getName() + (isDone() ? (failure != null ? " threw " + failure : " returned " + value)
                    : " running");
        }
    }

    /** Starts {@code body} on a new daemon thread. */
    static <T> Call<T> start(String name, Callable<T> body) {
        Call<T> call = new Call<>(name, body);
        call.thread.start();
        return call;
    }

    /** Waits on {@code latch} at most {@code limit}; fails with a thread dump otherwise. */
    static void await(CountDownLatch latch, Duration limit, String what) throws InterruptedException {
        if (!latch.await(limit.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new AssertionError("timed out after " + limit + " waiting for " + what + "\n" + dumpAll());
        }
    }

    /**
     * Waits at most {@code limit} until every thread is parked (WAITING or TIMED_WAITING) or finished.
     *
     * @return whether they all were seen parked
     */
    static boolean awaitParked(Duration limit, Thread... threads) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            boolean all = true;
            for (Thread t : threads) {
                Thread.State s = t.getState();
                if (s != Thread.State.WAITING && s != Thread.State.TIMED_WAITING && s != Thread.State.TERMINATED) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
    }

    /** A dump of every live thread's stack, for hang reports. */
    static String dumpAll() {
        StringBuilder sb = new StringBuilder("thread dump:\n");
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Thread t = e.getKey();
            sb.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
            for (StackTraceElement frame : e.getValue()) {
                sb.append("    at ").append(frame).append('\n');
            }
        }
        return sb.toString();
    }
}
