package org.yalis.engine.parallel;

import org.yalis.engine.checkpoint.CheckpointTensor;
import org.yalis.engine.model.Linear;
import org.yalis.engine.model.LlamaConfig;
import org.yalis.engine.model.LocalShape;
import org.yalis.engine.model.Norm;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/** No parallelism: every module holds its whole weight. */
public final class SingleRankPlan implements ShardingPlan {

    @Override
    public LocalShape localShape(LlamaConfig config) {
        return LocalShape.of(config);
    }

    @Override
    public Linear linear(LinearRole role, CheckpointTensor weight, ComputeBackend backend) {
        Tensor matrix = weight.asMatrix();
        return new DenseLinear(backend, backend.loadMatrix(matrix, 0, matrix.cols()));
    }

    @Override
    public Norm norm(CheckpointTensor weight, float eps, ComputeBackend backend) {
        return new RmsNorm(backend, backend.loadWeight(weight.asMatrix()), eps);
    }

    @Override
    public Tensor embedding(CheckpointTensor table, ComputeBackend backend) {
        Tensor matrix = table.asMatrix();
        return backend.loadMatrix(matrix, 0, matrix.cols());
    }

    /** The whole weight on this backend. */
    public record DenseLinear(ComputeBackend backend, Tensor weight) implements Linear {
        @Override
        public int inFeatures() {
            return weight.cols();
        }

        @Override
        public int outFeatures() {
            return weight.rows();
        }

        @Override
        public long weightBytes() {
            return weight.byteSize();
        }

        @Override
        public DType weightType() {
            return weight.dtype();
        }

        @Override
        public void forward(Tensor x, Tensor out) {
            backend.matmul(x, weight, out);
        }
    }

    /** RMSNorm over the whole hidden state. */
    public record RmsNorm(ComputeBackend backend, Tensor weight, float eps) implements Norm {
        @Override
        public void forward(Tensor x, Tensor out) {
            backend.rmsnorm(x, weight, eps, out);
        }

        @Override
        public void addThenForward(Tensor residual, Tensor addend, Tensor out) {
            backend.addRmsnorm(residual, addend, weight, eps, out);
        }
    }
}
