package dev.picante.internal;

import dev.picante.QueryCancelledException;

/**
 * Tells cancellation from failure (r[jvm.interrupt]): what a compute function throws because its thread
 * was interrupted (an {@code InterruptedException}, or anything thrown while the interrupt flag is set,
 * such as a {@code CancellationException}), or because a read it waited for was cancelled, is
 * cancellation and is never memoized as a failure (r[derived.cancel]).
 */
final class Cancellation {

    private Cancellation() {
    }

    static boolean isCancellation(Throwable thrown) {
        return thrown instanceof QueryCancelledException
                || thrown instanceof InterruptedException
                || Thread.currentThread().isInterrupted();
    }

    static QueryCancelledException cancelled(InFlight evaluation, Throwable thrown) {
        if (thrown instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new QueryCancelledException("evaluation of " + evaluation.ref() + " at revision "
                + evaluation.key.revision() + " was cancelled", thrown);
    }
}
