package org.yalis.engine.attention;

import org.yalis.engine.tensor.DType;

/**
 * What one attention instance serves: the (rank-local) head layout of the model and the paged KV
 * cache it keeps for every layer.
 *
 * @param heads       query heads on this rank
 * @param kvHeads     key/value heads on this rank; {@code heads / kvHeads} query heads share each
 * @param scale       softmax scale, {@code 1/sqrt(headDim)} for Llama
 * @param blockSize   tokens per KV block
 * @param blocks      KV blocks in the pool (per layer, each holds keys and values)
 * @param kvDType     dtype of cached keys and values
 */
public record AttentionSpec(int layers, int heads, int kvHeads, int headDim, float scale, int blockSize,
                            int blocks, DType kvDType) {

    /** Bytes one block takes over all layers, keys and values. */
    public long bytesPerBlock() {
        return bytesPerBlock(layers, kvHeads, headDim, blockSize, kvDType);
    }

    public static long bytesPerBlock(int layers, int kvHeads, int headDim, int blockSize, DType kvDType) {
        return 2L * layers * blockSize * kvHeads * headDim * kvDType.byteSize();
    }
}
