package org.yalis.engine.model;

import org.yalis.engine.tensor.Tensor;

/** RMSNorm as the model sees it ({@code out} may be {@code x}). */
public interface Norm {
    void forward(Tensor x, Tensor out);

    /**
     * {@code residual += addend}, then {@code out = norm(residual)}: a residual connection and the norm
     * that reads it, fused where the backend can ({@code out} must not be {@code residual}).
     */
    void addThenForward(Tensor residual, Tensor addend, Tensor out);
}
