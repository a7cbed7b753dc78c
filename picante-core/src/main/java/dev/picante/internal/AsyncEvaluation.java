package dev.picante.internal;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One {@code getAsync} call running on the executor. Cancelling its future interrupts the evaluation it
 * runs, which is cancellation for this caller only (r[jvm.interrupt], r[derived.cancel]).
 */
final class AsyncEvaluation<V> implements Runnable {

    /** The call running on this thread, so an evaluation can tell whether its future was cancelled. */
    private static final ThreadLocal<AsyncEvaluation<?>> RUNNING = new ThreadLocal<>();

    private final Supplier<V> evaluation;
    private final CompletableFuture<V> future = new CompletableFuture<>();
    private @Nullable Thread runner;
    private boolean finished;
    private boolean interruptSent;

    AsyncEvaluation(Supplier<V> evaluation) {
        this.evaluation = evaluation;
        future.whenComplete((value, failure) -> {
            if (future.isCancelled()) {
                interruptRunner();
            }
        });
    }

    CompletableFuture<V> future() {
        return future;
    }

    private synchronized void interruptRunner() {
        if (runner != null && !finished) {
            interruptSent = true;
            runner.interrupt();
        }
    }

    /**
     * Whether the {@code getAsync} call running on this thread had its future cancelled, which interrupts
     * the thread (r[jvm.interrupt]).
     */
    static boolean cancelledOnThisThread() {
        AsyncEvaluation<?> running = RUNNING.get();
        if (running == null) {
            return false;
        }
        synchronized (running) {
            return running.interruptSent;
        }
    }

    @Override
    public void run() {
        synchronized (this) {
            if (future.isDone()) {
                return;
            }
            runner = Thread.currentThread();
        }
        AsyncEvaluation<?> outer = RUNNING.get();
        RUNNING.set(this);
        try {
            future.complete(evaluation.get());
        } catch (Throwable t) {
            future.completeExceptionally(t);
        } finally {
            if (outer == null) {
                RUNNING.remove();
            } else {
                RUNNING.set(outer);
            }
            boolean clear;
            synchronized (this) {
                finished = true;
                runner = null;
                clear = interruptSent;
            }
            if (clear) {
                // The interrupt was meant for this evaluation; it must not leak into the executor's next task.
                Thread.interrupted();
            }
        }
    }
}
