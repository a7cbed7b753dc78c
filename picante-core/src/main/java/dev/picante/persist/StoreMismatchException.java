package dev.picante.persist;

import dev.picante.PicanteException;

/**
 * A stored section does not match the registered ingredient of its name: another kind, or other key or
 * value types (r[store.mismatch]). Nothing was imported.
 */
public final class StoreMismatchException extends PicanteException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the section and the ingredient. */
    public StoreMismatchException(String message) {
        super(message);
    }
}
