package org.yalis.engine.attention;

import java.util.Optional;

import org.yalis.engine.tensor.Tensor;

/**
 * Paged attention over one model's KV cache, made by an {@link AttentionBackend}. It owns the cache
 * memory (every layer's keys and values, {@link AttentionSpec#blocks()} blocks each); which block
 * belongs to which sequence is the engine's business, told through each step's {@link AttentionBatch}.
 *
 * <p>Per step the model calls {@link #beginStep} once, then for every layer {@link #writeKv} and
 * either {@link #prefill} or {@link #decode}. Queries and outputs are {@code tokens x heads*headDim},
 * keys and values {@code tokens x kvHeads*headDim}, RoPE already applied.
 */
public interface Attention extends AutoCloseable {

    /** Takes the step's layout (a GPU backend uploads block tables here, once per step). */
    void beginStep(AttentionBatch batch);

    /** Stores the step's new keys and values in their cache slots. */
    void writeKv(int layer, Tensor keys, Tensor values);

    /** Causal attention of each sequence's new tokens over its cached prefix and the new tokens. */
    void prefill(int layer, Tensor queries, Tensor out);

    /** One new token per sequence attending over all of its blocks. */
    void decode(int layer, Tensor queries, Tensor out);

    /**
     * What decides the launches of this step's {@link #writeKv}, {@link #prefill} and {@link #decode}
     * calls, known after {@link #beginStep}: two steps with equal keys issue identical work (the same
     * kernels, grids, parameters and device addresses, reading the step's layout from device memory), so
     * a graph captured in one replays the other. Empty where that does not hold, as for attention that
     * reads the step's layout on the host at call time; such steps always run eagerly.
     */
    default Optional<Record> graphKey() {
        return Optional.empty();
    }

    /** Bytes of cache memory this instance holds. */
    long kvCacheBytes();

    @Override
    void close();
}
