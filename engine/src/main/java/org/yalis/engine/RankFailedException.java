package org.yalis.engine;

/**
 * One rank of an engine whose ranks are threads failed, and the others were stopped: the cause says why,
 * this says which rank. A {@link YalisException} (a user's error, found alike by every rank) is not
 * wrapped: naming a rank would only add noise to it.
 */
public final class RankFailedException extends RuntimeException {
    private final int rank;

    public RankFailedException(int rank, Throwable cause) {
        super("rank " + rank + " failed: " + cause, cause);
        this.rank = rank;
    }

    /** The rank that failed first. */
    public int rank() {
        return rank;
    }
}
