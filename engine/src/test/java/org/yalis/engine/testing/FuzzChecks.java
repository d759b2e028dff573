package org.yalis.engine.testing;

import org.yalis.engine.YalisException;

/**
 * What every fuzz target of a parser of outside input checks: the input is accepted, or refused with a
 * {@link YalisException} whose message is one line (what the CLI prints as {@code error: ...}). Any other
 * exception escapes to the fuzzer, which reports it as a finding: to a user it would be an
 * "internal error", or a stack trace.
 */
public final class FuzzChecks {
    private FuzzChecks() {
    }

    public static void acceptedOrRefusedInOneLine(Runnable parse) {
        try {
            parse.run();
        } catch (YalisException e) {
            String message = e.getMessage();
            if (message == null || message.isBlank() || message.contains("\n") || message.length() > 2000) {
                throw new AssertionError("a refusal must be one readable line, got: " + message, e);
            }
        }
    }
}
