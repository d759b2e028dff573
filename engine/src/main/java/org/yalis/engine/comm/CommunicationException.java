package org.yalis.engine.comm;

import org.yalis.engine.YalisException;

/** A collective could not complete: another rank failed, the group was aborted, or it timed out. */
public final class CommunicationException extends YalisException {
    public CommunicationException(String message) {
        super(message);
    }

    public CommunicationException(String message, Throwable cause) {
        super(message, cause);
    }
}
