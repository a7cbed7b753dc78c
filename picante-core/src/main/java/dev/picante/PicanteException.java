package dev.picante;

import org.jspecify.annotations.Nullable;

/** The base of every exception the runtime throws on its own behalf. Unchecked. */
public class PicanteException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message that says what went wrong and what to do. */
    public PicanteException(String message) {
        super(message);
    }

    /** Creates an exception with a message and the exception that caused it. */
    public PicanteException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
