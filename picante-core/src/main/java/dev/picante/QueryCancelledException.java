package dev.picante;

/**
 * The caller stopped waiting for a result: its thread was interrupted, or its future was cancelled
 * (r[jvm.interrupt]). Only this caller is affected; the query is not marked failed (r[derived.cancel]).
 * When thrown because of an interrupt, the thread's interrupt status is set again.
 */
public final class QueryCancelledException extends PicanteException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the query. */
    public QueryCancelledException(String message) {
        super(message);
    }

    /** Creates the exception with a message naming the query and the interrupt or cancellation behind it. */
    public QueryCancelledException(String message, Throwable cause) {
        super(message, cause);
    }
}
