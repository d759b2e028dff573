package org.yalis.engine.synth;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The shapes of known Llama models, for random-weight stand-ins of the same size.
 *
 * @param ropeScalingFactor Llama 3.1-style {@code rope_scaling} factor, or 0 for none
 */
public record ModelPreset(String name, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads,
                          int headDim, int vocabSize, int maxPositions, double ropeTheta, double ropeScalingFactor,
                          boolean tieWordEmbeddings) {

    public static final List<ModelPreset> ALL = List.of(
            new ModelPreset("tiny", 128, 344, 2, 4, 2, 32, 512, 1024, 10000.0, 0, true),
            // A 100M-parameter Llama (GPT-2 small's width and depth, Llama's blocks, a 32k vocabulary): the
            // serving benchmark's model, small enough to run many sequences at once on a laptop CPU.
            new ModelPreset("llama-100m", 768, 2048, 12, 12, 4, 64, 32000, 2048, 10000.0, 0, true),
            new ModelPreset("llama-3.2-1b", 2048, 8192, 16, 32, 8, 64, 128256, 131072, 500000.0, 32, true),
            new ModelPreset("llama-3.2-3b", 3072, 8192, 28, 24, 8, 128, 128256, 131072, 500000.0, 32, true),
            new ModelPreset("llama-3.1-8b", 4096, 14336, 32, 32, 8, 128, 128256, 131072, 500000.0, 8, false),
            new ModelPreset("llama-3.1-70b", 8192, 28672, 80, 64, 8, 128, 128256, 131072, 500000.0, 8, false));

    public static Optional<ModelPreset> named(String name) {
        return ALL.stream().filter(p -> p.name.equals(name)).findFirst();
    }

    public static String names() {
        return String.join(", ", ALL.stream().map(ModelPreset::name).toList());
    }

    /** Parameters, the embedding counted once when tied. */
    public long parameters() {
        long attention = (long) hiddenSize * heads * headDim * 2 + (long) hiddenSize * kvHeads * headDim * 2;
        long mlp = 3L * hiddenSize * intermediateSize;
        long perLayer = attention + mlp + 2L * hiddenSize;
        long embedding = (long) vocabSize * hiddenSize;
        return perLayer * layers + embedding * (tieWordEmbeddings ? 1 : 2) + hiddenSize;
    }

    @Override
    public String toString() {
        return name + Arrays.asList(hiddenSize, intermediateSize, layers, heads, kvHeads, headDim, vocabSize);
    }
}
