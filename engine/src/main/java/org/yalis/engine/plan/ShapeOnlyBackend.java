package org.yalis.engine.plan;

import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * A compute backend that computes nothing: every operation records its shape and the bytes it would move
 * into the {@link TraceRecorder}, and every tensor is {@link ShapeOnlyTensors shape only}. The dtypes are
 * those of a GPU run (bf16 activations) or of the CPU backend (f32), as the plan asks.
 */
final class ShapeOnlyBackend implements ComputeBackend {
    private final DType activationType;
    private final TraceRecorder recorder;
    private long allocatedBytes;

    ShapeOnlyBackend(DType activationType, TraceRecorder recorder) {
        this.activationType = activationType;
        this.recorder = recorder;
    }

    private void elementwise(double bytes) {
        StepTrace trace = recorder.current();
        if (trace != null) {
            trace.elementwise(bytes);
        }
    }

    @Override
    public String name() {
        return "plan";
    }

    @Override
    public DType activationDType() {
        return activationType;
    }

    @Override
    public Tensor allocate(DType dtype, int rows, int cols) {
        allocatedBytes += dtype.bytesFor(rows, cols);
        return ShapeOnlyTensors.tensor(dtype, rows, cols);
    }

    @Override
    public Tensor loadWeight(Tensor hostSource) {
        return allocate(hostSource.dtype(), hostSource.rows(), hostSource.cols());
    }

    @Override
    public Tensor loadWeightColumns(Tensor hostSource, int firstColumn, int columns) {
        if (firstColumn < 0 || columns < 0 || firstColumn + columns > hostSource.cols()) {
            throw new IndexOutOfBoundsException("columns [" + firstColumn + ", " + (firstColumn + columns) + ") of "
                    + hostSource.cols());
        }
        return allocate(hostSource.dtype(), hostSource.rows(), columns);
    }

    /** Weights stay "in the checkpoint": nothing is copied, so there are no pages to release. */
    @Override
    public boolean readsCheckpointMemory() {
        return true;
    }

    @Override
    public void copyFromHost(int[] source, Tensor destination) {
    }

    @Override
    public void copyFromHost(float[] source, Tensor destination) {
    }

    @Override
    public void copyToHost(Tensor source, float[] destination) {
    }

    @Override
    public void copyToHost(Tensor source, int[] destination) {
    }

    @Override
    public void embedding(Tensor table, Tensor tokenIds, Tensor out) {
        elementwise(2.0 * out.byteSize());
    }

    @Override
    public void rmsnorm(Tensor x, Tensor weight, float eps, Tensor out) {
        elementwise(x.byteSize() + out.byteSize());
    }

    @Override
    public void sumOfSquares(Tensor x, Tensor out) {
        elementwise(x.byteSize());
    }

    @Override
    public void rmsnormFromSumOfSquares(Tensor x, Tensor sumOfSquares, int width, Tensor weight, float eps,
                                        Tensor out) {
        elementwise(x.byteSize() + out.byteSize());
    }

    @Override
    public void argmaxRows(Tensor logits, Tensor out) {
        elementwise(logits.byteSize());
    }

    @Override
    public void matmul(Tensor x, Tensor weight, Tensor out) {
        if (x.cols() != weight.cols() || out.rows() != x.rows() || out.cols() != weight.rows()) {
            throw new IllegalArgumentException("matmul of " + x + " and " + weight + " into " + out);
        }
        StepTrace trace = recorder.current();
        if (trace != null) {
            trace.matmul(new StepTrace.Matmul(x.rows(), weight.rows(), weight.cols(), weight.dtype(), x.dtype()));
        }
    }

    @Override
    public void rope(Tensor x, int headDim, Tensor positions, Tensor cos, Tensor sin) {
        elementwise(2.0 * x.byteSize());
    }

    @Override
    public void ropeQk(Tensor q, Tensor k, int headDim, Tensor positions, Tensor cos, Tensor sin) {
        elementwise(2.0 * (q.byteSize() + k.byteSize()));
    }

    @Override
    public void siluMul(Tensor gate, Tensor up, Tensor out) {
        elementwise(gate.byteSize() + up.byteSize() + out.byteSize());
    }

    @Override
    public void add(Tensor accumulator, Tensor addend) {
        elementwise(3.0 * accumulator.byteSize());
    }

    @Override
    public void copyIntoColumns(Tensor source, Tensor destination, int firstColumn) {
        elementwise(2.0 * source.byteSize());
    }

    @Override
    public void gatherRows(Tensor x, Tensor rowIndices, Tensor out) {
        elementwise(2.0 * out.byteSize());
    }

    @Override
    public void synchronize() {
    }

    @Override
    public long allocatedBytes() {
        return allocatedBytes;
    }

    @Override
    public void close() {
    }
}
