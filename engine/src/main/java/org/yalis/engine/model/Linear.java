package org.yalis.engine.model;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * A linear layer {@code out = x · Wᵀ} as the model sees it. The sharding plan decides what stands
 * behind it: the whole weight, or this rank's slice followed by the collective that completes it.
 */
public interface Linear {
    int inFeatures();

    int outFeatures();

    /** Bytes of weight this rank reads for every step (the decode roofline counts them). */
    long weightBytes();

    /** How this rank's weight is stored (the checkpoint's float type, or Q8_0 when quantized). */
    DType weightType();

    void forward(Tensor x, Tensor out);
}
