package org.yalis.engine.model;

/** The two kinds of step: prompt tokens in bulk, or one new token per sequence. */
public enum Phase {
    PREFILL, DECODE;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
