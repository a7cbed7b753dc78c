package dev.picante;

import java.util.Objects;

/**
 * A compute function threw: {@link #getCause()} is what it threw (r[cell.poison]). The failure is
 * memoized for its revision, so every caller at that revision gets an exception with the same cause
 * without the function running again. When a query fails because a query it read failed, the cause is
 * the original exception and {@link #query()} names the query that was asked for.
 */
public final class QueryFailedException extends PicanteException {

    private static final long serialVersionUID = 1L;

    private final QueryRef query;
    private final Revision revision;

    /** Creates the exception for {@code query} failing at {@code revision} with {@code cause}. */
    public QueryFailedException(QueryRef query, Revision revision, String message, Throwable cause) {
        super(message, Objects.requireNonNull(cause, "cause"));
        this.query = query;
        this.revision = revision;
    }

    /** Returns the query whose evaluation failed. */
    public QueryRef query() {
        return query;
    }

    /** Returns the revision the failure belongs to. */
    public Revision revision() {
        return revision;
    }
}
