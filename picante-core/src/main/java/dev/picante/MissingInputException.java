package dev.picante;

/** {@link InputIngredient#require} found an empty slot (r[input.missing-access]). */
public final class MissingInputException extends PicanteException {

    private static final long serialVersionUID = 1L;

    private final QueryRef input;
    private final Revision revision;

    /** Creates the exception for the empty slot {@code input} at {@code revision}. */
    public MissingInputException(QueryRef input, Revision revision) {
        super("missing input " + input + " at revision " + revision.value()
                + ": it was never set or was removed; set it first, or read it with get() to handle absence");
        this.input = input;
        this.revision = revision;
    }

    /** Returns the empty slot. */
    public QueryRef input() {
        return input;
    }

    /** Returns the revision it was read at. */
    public Revision revision() {
        return revision;
    }
}
