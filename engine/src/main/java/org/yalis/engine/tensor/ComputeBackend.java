package org.yalis.engine.tensor;

import java.util.OptionalLong;

import org.yalis.engine.metrics.StepClock;

/**
 * A compute backend ("device" in the design): it owns memory and runs the operations a model
 * forward needs. The model calls these in order and never touches memory itself, so the same
 * forward runs on the CPU backend and on a GPU backend.
 *
 * <p>Activations are {@code tokens x features} tensors in {@link #activationDType()}; weights are
 * {@code out x in} in whatever dtype the checkpoint holds (f32, bf16 or f16) as placed by
 * {@link #loadWeight}. Index tensors (token ids, positions, row numbers) are {@code I32}.
 *
 * <p>Operations are ordered: each sees the results of the previous ones. A GPU backend may run them
 * asynchronously; {@link #copyToHost} and {@link #synchronize} wait.
 */
public interface ComputeBackend extends AutoCloseable {

    /** Short name used on the command line and by attention backends ("cpu", "cuda"). */
    String name();

    /** The dtype activations are computed in. */
    DType activationDType();

    /** A new tensor whose memory lives until this backend closes. Contents are unspecified. */
    Tensor allocate(DType dtype, int rows, int cols);

    /**
     * Places a weight where this backend computes on it: the source is a host tensor (usually a view
     * of a memory-mapped checkpoint); the result keeps the source's dtype.
     */
    Tensor loadWeight(Tensor hostSource);

    /**
     * Places columns {@code [firstColumn, firstColumn + columns)} of a host matrix: the shard of a
     * weight split along its input features. Only those bytes of the source are read.
     */
    Tensor loadWeightColumns(Tensor hostSource, int firstColumn, int columns);

    /**
     * Places columns of a weight matrix that only the matrix products and the embedding lookup read (a
     * linear layer, the embedding table): unlike {@link #loadWeightColumns}, the backend may store it in
     * a format of its own (the CPU backend's {@code --quantize q8}). By default it is placed as is.
     */
    default Tensor loadMatrix(Tensor hostSource, int firstColumn, int columns) {
        return loadWeightColumns(hostSource, firstColumn, columns);
    }

    /**
     * Whether weights this backend placed still read the host memory they were placed from (a CPU
     * backend computing on the memory-mapped checkpoint). When false, the checkpoint can be
     * unmapped once the model is loaded.
     */
    default boolean readsCheckpointMemory() {
        return false;
    }

    void copyFromHost(int[] source, Tensor destination);

    void copyFromHost(float[] source, Tensor destination);

    /** Copies an activation tensor (all of it) into {@code destination}, waiting for pending work. */
    void copyToHost(Tensor source, float[] destination);

    /** {@code out[t] = table[tokenIds[t]]}, converted to the activation dtype. */
    void embedding(Tensor table, Tensor tokenIds, Tensor out);

    /** {@code out[t] = x[t] / sqrt(mean(x[t]^2) + eps) * weight}; {@code out} may be {@code x}. */
    void rmsnorm(Tensor x, Tensor weight, float eps, Tensor out);

    /**
     * {@code out[t] = sum of x[t][i]^2}: one rank's share of the mean square of a hidden state that
     * is split across ranks ({@code out} is {@code rows x 1}, f32).
     */
    void sumOfSquares(Tensor x, Tensor out);

    /**
     * RMSNorm given the sum of squares over the whole (split) hidden state:
     * {@code out[t] = x[t] / sqrt(sumOfSquares[t] / width + eps) * weight}.
     */
    void rmsnormFromSumOfSquares(Tensor x, Tensor sumOfSquares, int width, Tensor weight, float eps, Tensor out);

    /** Copies an I32 tensor (all of it) into {@code destination}, waiting for pending work. */
    void copyToHost(Tensor source, int[] destination);

    /**
     * {@code out[r]} = the greedy token of row {@code r} of the f32 {@code logits}: the choice of
     * {@code Sampler.argmax}, bit for bit (the lowest index of the largest value; a NaN never wins, except
     * at index 0, where the scan starts). A
     * greedy step then copies back one int per sequence instead of a vocabulary of floats.
     */
    void argmaxRows(Tensor logits, Tensor out);

    /** {@code out = x · weightᵀ}: {@code x} is {@code n x in}, {@code weight} is {@code out x in}. */
    void matmul(Tensor x, Tensor weight, Tensor out);

    /**
     * Rotary position embedding in place, Hugging Face's "rotate half" convention: in every head of
     * {@code headDim} features, feature {@code j} pairs with {@code j + headDim/2} and turns by the
     * angle {@code position * frequency[j]} whose cosine and sine are row {@code position} of the
     * {@code maxPositions x headDim/2} tables.
     */
    void rope(Tensor x, int headDim, Tensor positions, Tensor cos, Tensor sin);

    /**
     * {@link #rope} of the queries and of the keys at the same positions; a backend may do both in one
     * pass (the CUDA one does).
     */
    default void ropeQk(Tensor q, Tensor k, int headDim, Tensor positions, Tensor cos, Tensor sin) {
        rope(q, headDim, positions, cos, sin);
        rope(k, headDim, positions, cos, sin);
    }

    /** {@code out = silu(gate) * up}, elementwise; {@code out} may be {@code gate}. */
    void siluMul(Tensor gate, Tensor up, Tensor out);

    /** {@code accumulator += addend}: the residual connection. */
    void add(Tensor accumulator, Tensor addend);

    /**
     * The residual connection and the norm after it: {@code residual += addend}, then
     * {@code out = rmsnorm(residual) * weight}. A backend may fuse them into one pass over the rows (the
     * CUDA one does); {@code out} must not be {@code residual}.
     */
    default void addRmsnorm(Tensor residual, Tensor addend, Tensor weight, float eps, Tensor out) {
        add(residual, addend);
        rmsnorm(residual, weight, eps, out);
    }

    /**
     * Writes {@code source} ({@code rows x c}) into columns {@code [firstColumn, firstColumn + c)} of
     * {@code destination} ({@code rows x C}, same dtype): assembles a matrix from column blocks, such as
     * the vocabulary slices of the logits that tensor-parallel ranks computed.
     */
    void copyIntoColumns(Tensor source, Tensor destination, int firstColumn);

    /** {@code out[i] = x[rowIndices[i]]}: picks the positions whose logits are needed. */
    void gatherRows(Tensor x, Tensor rowIndices, Tensor out);

    /**
     * Whether {@code tensor} (f32) holds a NaN or an infinity, where this backend can tell at almost no
     * cost (the CPU backend scans its host memory); empty where it does not check (a GPU backend would
     * need a kernel and a copy back per step).
     */
    default java.util.Optional<Boolean> holdsNonFinite(Tensor tensor) {
        return java.util.Optional.empty();
    }

    /** Whether {@link #capture} works on this backend. */
    default boolean capturesGraphs() {
        return false;
    }

    /**
     * Records the operations {@code work} issues, without running them, as a graph to replay later.
     * The work must be pure device work: no allocation, no copy to or from the host, no waiting (a
     * backend throws if it tries); it reads its per-step inputs from tensors uploaded before each replay.
     *
     * @throws UnsupportedOperationException where {@link #capturesGraphs} is false
     */
    default StepGraph capture(Runnable work) {
        throw new UnsupportedOperationException("the " + name() + " backend cannot capture graphs");
    }

    /** Waits until every operation issued so far has finished. */
    void synchronize();

    /** Bytes of memory this backend holds now (weights, activations, KV cache). */
    long allocatedBytes();

    /**
     * Bytes of its own memory this backend could still allocate, for sizing the KV pool: a GPU's free
     * memory. Empty for a backend that allocates host memory (the host's available memory applies).
     */
    default OptionalLong freeDeviceMemoryBytes() {
        return OptionalLong.empty();
    }

    /**
     * The clock profiling reads: by default the host's, after {@link #synchronize} at every boundary;
     * a GPU backend times on its own timeline with events instead.
     */
    default StepClock stepClock() {
        return StepClock.host(this::synchronize);
    }

    /** Frees every byte this backend allocated. Tensors it handed out are invalid afterwards. */
    @Override
    void close();
}
