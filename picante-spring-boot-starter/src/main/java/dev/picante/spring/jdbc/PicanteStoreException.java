package dev.picante.spring.jdbc;

import dev.picante.PicanteException;
import org.jspecify.annotations.Nullable;

/**
 * The durable store could not save or load: the database is unreachable or read-only, a record is
 * unreadable or too large, a type cannot be encoded, or the stored format is newer than this version
 * reads. The message names the store, the ingredient and key where known, and the next step.
 */
public class PicanteStoreException extends PicanteException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public PicanteStoreException(String message) {
        super(message);
    }

    /** Creates the exception with its cause. */
    public PicanteStoreException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
