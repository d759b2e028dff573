package org.yalis.engine.model;

/**
 * The widths of the model as one rank computes it. With one rank these are the config's; a
 * sharding plan divides heads and the MLP width among ranks.
 */
public record LocalShape(int hidden, int heads, int kvHeads, int headDim, int intermediate, int vocab) {

    public static LocalShape of(LlamaConfig config) {
        return new LocalShape(config.hiddenSize(), config.heads(), config.kvHeads(), config.headDim(),
                config.intermediateSize(), config.vocabSize());
    }

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }
}
