package org.yalis.engine;

/**
 * Hears tokens as they are generated (for streaming output), and may cancel requests; called on the
 * generating thread of rank 0.
 */
public interface GenerationListener {
    GenerationListener NONE = new GenerationListener() {
    };

    /**
     * Whether {@link #cancelled} is asked at all: only then does each step begin with rank 0 telling every
     * other rank which requests it cancelled (a small broadcast), so that all ranks drop the same ones.
     */
    default boolean cancels() {
        return false;
    }

    /**
     * Asked before each step for every unfinished request, when {@link #cancels()}: true stops it there,
     * its blocks go back to the pool and it finishes as {@link FinishReason#CANCELLED} with what it has.
     */
    default boolean cancelled(int requestIndex) {
        return false;
    }

    default void onToken(int requestIndex, int token) {
    }

    default void onFinish(Completion completion) {
    }

    /** After every step, with the state of the batch and the KV pool. */
    default void onStep(StepReport report) {
    }
}
