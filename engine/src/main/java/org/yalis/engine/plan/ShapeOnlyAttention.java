package org.yalis.engine.plan;

import org.yalis.engine.attention.Attention;
import org.yalis.engine.attention.AttentionBatch;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * Attention that computes nothing and records, per layer call, the work a fused (flash-style) kernel
 * does: {@code 4 · heads · headDim} FLOPs per (query, key) pair it scores (QKᵀ and PV), and each
 * sequence's cached keys and values read once per layer.
 */
final class ShapeOnlyAttention implements Attention {
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final DType kvType;
    private final TraceRecorder recorder;
    private AttentionBatch batch;

    ShapeOnlyAttention(int heads, int kvHeads, int headDim, DType kvType, TraceRecorder recorder) {
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.kvType = kvType;
        this.recorder = recorder;
    }

    @Override
    public void beginStep(AttentionBatch batch) {
        this.batch = batch;
    }

    /** Written keys and values count as cache traffic of the attention call that follows. */
    @Override
    public void writeKv(int layer, Tensor keys, Tensor values) {
    }

    @Override
    public void prefill(int layer, Tensor queries, Tensor out) {
        record();
    }

    @Override
    public void decode(int layer, Tensor queries, Tensor out) {
        record();
    }

    private void record() {
        StepTrace trace = recorder.current();
        if (trace == null) {
            return;
        }
        double pairs = 0;
        double contextTokens = 0;
        for (int s = 0; s < batch.sequences(); s++) {
            long queriesOfSequence = batch.queryLengths()[s];
            long context = batch.contextLengths()[s];
            // New token i of q sits at position context - q + i and attends to every position up to it.
            pairs += queriesOfSequence * (context - queriesOfSequence) + queriesOfSequence * (queriesOfSequence + 1) / 2.0;
            contextTokens += context;
        }
        double kvBytes = contextTokens * 2.0 * kvType.bytesFor(1, (long) kvHeads * headDim);
        trace.attention(new StepTrace.AttentionCall(4.0 * heads * headDim * pairs, kvBytes, batch.sequences()));
    }

    @Override
    public long kvCacheBytes() {
        return 0;
    }

    @Override
    public void close() {
    }
}
