package org.yalis.engine.parallel;

import org.yalis.engine.checkpoint.CheckpointTensor;
import org.yalis.engine.model.Linear;
import org.yalis.engine.model.LlamaConfig;
import org.yalis.engine.model.LocalShape;
import org.yalis.engine.model.Norm;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.Tensor;

/**
 * Turns checkpoint tensors into the rank-local modules a model runs. The model asks for "the Q
 * projection of layer 3" and gets a {@link Linear}; whether it holds the whole weight or a slice
 * plus a collective is this plan's business. That keeps the forward pass free of ranks.
 */
public interface ShardingPlan {

    /** The widths this rank computes with. */
    LocalShape localShape(LlamaConfig config);

    Linear linear(LinearRole role, CheckpointTensor weight, ComputeBackend backend);

    Norm norm(CheckpointTensor weight, float eps, ComputeBackend backend);

    /** The token embedding table this rank looks up ({@code vocab x hidden}). */
    Tensor embedding(CheckpointTensor table, ComputeBackend backend);
}
