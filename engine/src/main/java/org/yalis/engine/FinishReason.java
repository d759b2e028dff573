package org.yalis.engine;

/** Why generation stopped, in the words vLLM and OpenAI-style APIs use. */
public enum FinishReason {
    /** An end-of-sequence token was generated. */
    STOP,
    /** {@code --max-new-tokens} or the model's context was reached. */
    LENGTH,
    /** The caller cancelled it (a client gone, Ctrl-C in a chat) before it finished. */
    CANCELLED;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
