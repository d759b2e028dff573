package org.yalis.benchmarks;

import org.yalis.engine.synth.ModelPreset;

/** The shapes the microbenchmarks use: Llama-3.2-1B's, from the engine's preset. */
final class Llama1B {
    static final ModelPreset PRESET = ModelPreset.named("llama-3.2-1b").orElseThrow();
    static final int HIDDEN = PRESET.hiddenSize();
    static final int INTERMEDIATE = PRESET.intermediateSize();
    static final int HEADS = PRESET.heads();
    static final int KV_HEADS = PRESET.kvHeads();
    static final int HEAD_DIM = PRESET.headDim();
    /** Tokens of a decode step (one sequence) and of the prefill chunk measured. */
    static final int DECODE_TOKENS = 1;
    static final int PREFILL_TOKENS = 128;
    /** The context a decode step attends over. */
    static final int DECODE_CONTEXT = 1024;
    /**
     * Bytes of weights (matmul) or KV cache (attention decode) the calls cycle through by default:
     * more than a last-level cache holds, so a call reads its operands from memory, as a forward pass
     * does when every layer's weights have evicted the previous layer's. The engine's bandwidth probe
     * uses buffers of 512 MiB for the same reason.
     */
    static final String COLD_SET_MIB = "1024";
    /** The engine's default KV block size. */
    static final int KV_BLOCK_SIZE = 16;

    private Llama1B() {
    }

    /** How many copies of {@code bytesPerCopy} make up a cold set of {@code coldSetMiB} (at least one). */
    static int copies(int coldSetMiB, long bytesPerCopy) {
        return (int) Math.max(1, ((long) coldSetMiB << 20) / bytesPerCopy);
    }

    /** The compute threads the engine would use here: one per core. */
    static int threads() {
        return Runtime.getRuntime().availableProcessors();
    }
}
