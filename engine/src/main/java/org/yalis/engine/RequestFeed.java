package org.yalis.engine;

/**
 * Where the generation loop's requests come from: asked by rank 0 before every step. A batch known in
 * advance ({@link Engine#generate}) joins all at once and closes; a server's requests join whenever they
 * arrive, so a step never waits for a batch to fill (iteration-level scheduling, as Orca and vLLM do).
 */
public interface RequestFeed {
    /**
     * What changes before the next step. {@code idle}: nothing runs or waits, so the loop has nothing to do
     * until a request comes; the feed may then wait for one, but only briefly (a second or so: with several
     * ranks, the others wait in a collective meanwhile, which must not time out).
     */
    Admissions next(boolean idle) throws InterruptedException;

    /** The request {@code id} has finished (or was cancelled): it will not be asked about again. */
    default void finished(int id) {
    }
}
