package org.yalis.engine;

/** Hears tokens as they are generated (for streaming output); called on the generating thread. */
public interface GenerationListener {
    GenerationListener NONE = new GenerationListener() {
    };

    default void onToken(int requestIndex, int token) {
    }

    default void onFinish(Completion completion) {
    }
}
