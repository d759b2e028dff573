package org.yalis.engine.testing;

import java.util.ArrayList;
import java.util.List;

import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.StepGraph;
import org.yalis.engine.tensor.Tensor;

/**
 * A CPU stand-in for a backend that captures graphs, with a CUDA graph's rules: while capturing, each
 * operation is recorded with its arguments (tensors, widths, eps: frozen, as kernel parameters are) and
 * not run; a replay runs the recorded operations on whatever the tensors hold then; allocations, host
 * copies and waits during a capture throw. Model code that passes this way replays correctly on a GPU
 * as far as what it issues goes.
 */
public final class RecordingBackend implements ComputeBackend {
    private final ComputeBackend delegate;
    private List<Runnable> recording;
    private final List<RecordedGraph> closedGraphs = new ArrayList<>();

    public RecordingBackend(ComputeBackend delegate) {
        this.delegate = delegate;
    }

    /** A graph of recorded operations. */
    public final class RecordedGraph implements StepGraph {
        private final List<Runnable> operations;
        private boolean closed;

        private RecordedGraph(List<Runnable> operations) {
            this.operations = List.copyOf(operations);
        }

        public int operations() {
            return operations.size();
        }

        public boolean isClosed() {
            return closed;
        }

        @Override
        public void replay() {
            refuseWhileCapturing("replaying a graph");
            if (closed) {
                throw new IllegalStateException("replay of a closed graph");
            }
            operations.forEach(Runnable::run);
        }

        @Override
        public void close() {
            closed = true;
            closedGraphs.add(this);
        }
    }

    /** Graphs closed so far, in order. */
    public List<RecordedGraph> closedGraphs() {
        return List.copyOf(closedGraphs);
    }

    @Override
    public boolean capturesGraphs() {
        return true;
    }

    @Override
    public RecordedGraph capture(Runnable work) {
        refuseWhileCapturing("capturing another graph");
        List<Runnable> operations = new ArrayList<>();
        recording = operations;
        try {
            work.run();
        } finally {
            recording = null;
        }
        return new RecordedGraph(operations);
    }

    private void refuseWhileCapturing(String what) {
        if (recording != null) {
            throw new IllegalStateException(what + " during a graph capture");
        }
    }

    /** Runs {@code operation} now, or records it while capturing. */
    private void issue(Runnable operation) {
        if (recording != null) {
            recording.add(operation);
        } else {
            operation.run();
        }
    }

    @Override
    public String name() {
        return "recording-" + delegate.name();
    }

    @Override
    public DType activationDType() {
        return delegate.activationDType();
    }

    @Override
    public Tensor allocate(DType dtype, int rows, int cols) {
        refuseWhileCapturing("allocating");
        return delegate.allocate(dtype, rows, cols);
    }

    @Override
    public Tensor loadWeight(Tensor hostSource) {
        refuseWhileCapturing("loading a weight");
        return delegate.loadWeight(hostSource);
    }

    @Override
    public Tensor loadWeightColumns(Tensor hostSource, int firstColumn, int columns) {
        refuseWhileCapturing("loading a weight");
        return delegate.loadWeightColumns(hostSource, firstColumn, columns);
    }

    @Override
    public void copyFromHost(int[] source, Tensor destination) {
        refuseWhileCapturing("a copy from the host");
        delegate.copyFromHost(source, destination);
    }

    @Override
    public void copyFromHost(float[] source, Tensor destination) {
        refuseWhileCapturing("a copy from the host");
        delegate.copyFromHost(source, destination);
    }

    @Override
    public void copyToHost(Tensor source, float[] destination) {
        refuseWhileCapturing("a copy to the host");
        delegate.copyToHost(source, destination);
    }

    @Override
    public void copyToHost(Tensor source, int[] destination) {
        refuseWhileCapturing("a copy to the host");
        delegate.copyToHost(source, destination);
    }

    @Override
    public void argmaxRows(Tensor logits, Tensor out) {
        issue(() -> delegate.argmaxRows(logits, out));
    }

    @Override
    public void embedding(Tensor table, Tensor tokenIds, Tensor out) {
        issue(() -> delegate.embedding(table, tokenIds, out));
    }

    @Override
    public void rmsnorm(Tensor x, Tensor weight, float eps, Tensor out) {
        issue(() -> delegate.rmsnorm(x, weight, eps, out));
    }

    @Override
    public void sumOfSquares(Tensor x, Tensor out) {
        issue(() -> delegate.sumOfSquares(x, out));
    }

    @Override
    public void rmsnormFromSumOfSquares(Tensor x, Tensor sumOfSquares, int width, Tensor weight, float eps,
                                        Tensor out) {
        issue(() -> delegate.rmsnormFromSumOfSquares(x, sumOfSquares, width, weight, eps, out));
    }

    @Override
    public void matmul(Tensor x, Tensor weight, Tensor out) {
        issue(() -> delegate.matmul(x, weight, out));
    }

    @Override
    public void rope(Tensor x, int headDim, Tensor positions, Tensor cos, Tensor sin) {
        issue(() -> delegate.rope(x, headDim, positions, cos, sin));
    }

    @Override
    public void siluMul(Tensor gate, Tensor up, Tensor out) {
        issue(() -> delegate.siluMul(gate, up, out));
    }

    @Override
    public void add(Tensor accumulator, Tensor addend) {
        issue(() -> delegate.add(accumulator, addend));
    }

    @Override
    public void copyIntoColumns(Tensor source, Tensor destination, int firstColumn) {
        issue(() -> delegate.copyIntoColumns(source, destination, firstColumn));
    }

    @Override
    public void gatherRows(Tensor x, Tensor rowIndices, Tensor out) {
        issue(() -> delegate.gatherRows(x, rowIndices, out));
    }

    @Override
    public void synchronize() {
        refuseWhileCapturing("waiting");
        delegate.synchronize();
    }

    @Override
    public long allocatedBytes() {
        return delegate.allocatedBytes();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
