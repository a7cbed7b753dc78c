package dev.picante;

/**
 * A mutation or intern would have taken the database's state bytes past the configured limit
 * (r[limit.enforced]). It had no effect: no change, no new revision, no event.
 */
public final class LimitExceededException extends PicanteException {

    private static final long serialVersionUID = 1L;

    private final long limit;
    private final long required;

    /** Creates the exception: the operation would need {@code required} state bytes of {@code limit}. */
    public LimitExceededException(String what, long required, long limit) {
        super(what + " would take the state to " + required + " bytes, over the limit of " + limit
                + " bytes (Database.builder().stateByteLimit); nothing was changed");
        this.limit = limit;
        this.required = required;
    }

    /** Returns the configured limit in state bytes. */
    public long limit() {
        return limit;
    }

    /** Returns the state bytes the refused operation would have led to. */
    public long required() {
        return required;
    }
}
