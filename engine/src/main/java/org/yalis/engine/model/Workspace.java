package org.yalis.engine.model;

import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * The activation buffers of a forward step, allocated once for the largest step and viewed at the
 * size of each step. Buffer names follow the forward pass.
 */
final class Workspace {
    final int maxTokens;
    final int maxSequences;
    private final Views full;

    /** One step's buffers, each {@code tokens} (or sampled sequences) rows tall. */
    record Views(Tensor tokenIds, Tensor positions, Tensor x, Tensor normed, Tensor q, Tensor k, Tensor v,
                 Tensor attended, Tensor projected, Tensor gate, Tensor up, Tensor logitRows, Tensor last,
                 Tensor logits) {
    }

    Workspace(ComputeBackend backend, LocalShape shape, int maxTokens, int maxSequences) {
        this.maxTokens = maxTokens;
        this.maxSequences = maxSequences;
        DType act = backend.activationDType();
        full = new Views(
                backend.allocate(DType.I32, maxTokens, 1),
                backend.allocate(DType.I32, maxTokens, 1),
                backend.allocate(act, maxTokens, shape.hidden()),
                backend.allocate(act, maxTokens, shape.hidden()),
                backend.allocate(act, maxTokens, shape.qDim()),
                backend.allocate(act, maxTokens, shape.kvDim()),
                backend.allocate(act, maxTokens, shape.kvDim()),
                backend.allocate(act, maxTokens, shape.qDim()),
                backend.allocate(act, maxTokens, shape.hidden()),
                backend.allocate(act, maxTokens, shape.intermediate()),
                backend.allocate(act, maxTokens, shape.intermediate()),
                backend.allocate(DType.I32, maxSequences, 1),
                backend.allocate(act, maxSequences, shape.hidden()),
                backend.allocate(DType.F32, maxSequences, shape.vocab()));
    }

    Views views(int tokens, int sampled) {
        if (tokens < 1 || tokens > maxTokens || sampled > maxSequences) {
            throw new IllegalArgumentException("step of " + tokens + " tokens / " + sampled
                    + " sampled sequences exceeds the workspace (" + maxTokens + " / " + maxSequences + ")");
        }
        return new Views(full.tokenIds().firstRows(tokens), full.positions().firstRows(tokens),
                full.x().firstRows(tokens), full.normed().firstRows(tokens), full.q().firstRows(tokens),
                full.k().firstRows(tokens), full.v().firstRows(tokens), full.attended().firstRows(tokens),
                full.projected().firstRows(tokens), full.gate().firstRows(tokens), full.up().firstRows(tokens),
                full.logitRows().firstRows(sampled), full.last().firstRows(sampled),
                full.logits().firstRows(sampled));
    }
}
