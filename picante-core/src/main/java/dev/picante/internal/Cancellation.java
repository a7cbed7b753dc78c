package dev.picante.internal;

import dev.picante.QueryCancelledException;

/**
 * Tells cancellation from failure (r[jvm.interrupt]). What a compute function throws is cancellation, never
 * memoized as a failure (r[derived.cancel]), when its evaluation was cancelled:
 * <ul>
 * <li>anything thrown while the thread's interrupt status is set (such as a {@code CancellationException}),
 * or a {@link QueryCancelledException} from a read it waited for;</li>
 * <li>an {@code InterruptedException} thrown by a blocking JDK method ({@code Thread.sleep}, {@code wait},
 * a lock, latch, queue or future): the JDK throws it only when the thread was interrupted, which is how the
 * caller's interrupt reaches the function, and it clears the interrupt status;</li>
 * <li>an {@code InterruptedException} thrown while the {@code getAsync} future this evaluation runs for was
 * cancelled.</li>
 * </ul>
 * Any other {@code InterruptedException}, one the function made and threw by itself with no interrupt, is a
 * failure like any other {@code Throwable} (r[cell.poison]). A function that polls {@code
 * Thread.interrupted()} and then throws should restore the status first ({@code
 * Thread.currentThread().interrupt()}) so the throw counts as cancellation.
 */
final class Cancellation {

    private Cancellation() {
    }

    static boolean isCancellation(Throwable thrown) {
        if (thrown instanceof QueryCancelledException || Thread.currentThread().isInterrupted()) {
            return true;
        }
        return thrown instanceof InterruptedException
                && (thrownByJdk(thrown) || AsyncEvaluation.cancelledOnThisThread());
    }

    /**
     * Whether the exception was made inside the JDK, which makes an {@code InterruptedException} only on an
     * interrupt.
     */
    private static boolean thrownByJdk(Throwable thrown) {
        StackTraceElement[] trace = thrown.getStackTrace();
        if (trace.length == 0) {
            return false;
        }
        String type = trace[0].getClassName();
        return type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.");
    }

    static QueryCancelledException cancelled(InFlight evaluation, Throwable thrown) {
        if (thrown instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new QueryCancelledException("evaluation of " + evaluation.ref() + " at revision "
                + evaluation.revision + " was cancelled", thrown);
    }
}
