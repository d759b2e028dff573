package org.yalis.engine;

/**
 * An error the user can fix: bad input, a broken model folder, a flag that does not fit. Its
 * message is one line that names the cause and the fix; the CLI prints it without a stack trace.
 */
public class YalisException extends RuntimeException {
    public YalisException(String message) {
        super(message);
    }

    public YalisException(String message, Throwable cause) {
        super(message, cause);
    }
}
