package dev.picante.internal;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One {@code getAsync} call running on the executor. Cancelling its future interrupts the evaluation it
 * runs, which is cancellation for this caller only (r[jvm.interrupt], r[derived.cancel]).
 */
final class AsyncEvaluation<V> implements Runnable {

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

    @Override
    public void run() {
        synchronized (this) {
            if (future.isDone()) {
                return;
            }
            runner = Thread.currentThread();
        }
        try {
            future.complete(evaluation.get());
        } catch (Throwable t) {
            future.completeExceptionally(t);
        } finally {
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
