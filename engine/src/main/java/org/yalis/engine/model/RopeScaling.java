package org.yalis.engine.model;

/** The {@code rope_scaling} entry of a Llama config: how RoPE frequencies are stretched for long contexts. */
public sealed interface RopeScaling {

    /** Plain RoPE: {@code theta^(-2j/d)}. */
    record None() implements RopeScaling {
    }

    /** Positions divided by {@code factor} (Hugging Face "linear"). */
    record Linear(double factor) implements RopeScaling {
    }

    /**
     * Llama 3.1's frequency-dependent scaling: long wavelengths divided by {@code factor}, short ones
     * kept, the band between interpolated smoothly.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions)
            implements RopeScaling {
    }
}
