package org.yalis.engine.model;

import org.yalis.engine.tensor.Tensor;

/** RMSNorm as the model sees it ({@code out} may be {@code x}). */
public interface Norm {
    void forward(Tensor x, Tensor out);
}
