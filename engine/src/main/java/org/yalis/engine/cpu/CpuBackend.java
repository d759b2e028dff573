package org.yalis.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.yalis.bindings.dnnl.Dnnl;
import org.yalis.engine.Quantization;
import org.yalis.engine.YalisException;
import org.yalis.engine.checkpoint.FiniteValues;
import org.yalis.engine.sample.Sampler;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * The CPU compute backend: f32 activations in off-heap memory, weights in f32, bf16 or f16
 * computed on directly, the Vector API for the matmuls, and a {@link ComputePool} of threads.
 */
public final class CpuBackend implements ComputeBackend, HostCompute {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    /** Elementwise work below this many elements runs on the calling thread. */
    private static final long PARALLEL_ELEMENTS = 1 << 16;
    private static final long LAZY_MAPPING_BYTES = 1L << 20;

    /**
     * How a CPU backend computes.
     *
     * @param batchInvariant every product through the Vector API kernels, whose result for a token does not
     *                       depend on the batch (no library GEMM)
     * @param quantization   how the linear layers' weights are stored
     */
    public record Settings(int threads, WeightPlacement placement, boolean batchInvariant,
                           Quantization quantization) {
    }

    /** A thread that owns no memory: a segment it may access is one the compute threads may read too. */
    private static final Thread OTHER_THREAD = Thread.ofPlatform().unstarted(() -> { });

    /** Tokens from which a product goes to the library GEMM (when there is one): below, the Vector API kernels. */
    static final int GEMM_MIN_TOKENS = 8;

    private final Arena arena = Arena.ofShared();
    private final ComputePool pool;
    private final WeightPlacement placement;
    private final Settings settings;
    /** oneDNN's GEMM for many-token products; null when batch-invariant or not installed. */
    private final OneDnnMatmul gemm;
    private final String matmulDescription;
    private final HostWeightStore weightStore = new HostWeightStore(arena);
    private final PlacedWeights placedWeights = new PlacedWeights();
    private long activationBytes;
    private long mappedWeightBytes;

    /**
     * A backend whose products all run on the Vector API kernels (batch-invariant), with weights as the
     * checkpoint has them: what the kernel tests compare against their references.
     */
    public CpuBackend(int threads, WeightPlacement placement) {
        this(new Settings(threads, placement, true, Quantization.NONE));
    }

    public CpuBackend(Settings settings) {
        this.settings = settings;
        this.pool = new ComputePool(settings.threads());
        this.placement = settings.placement();
        OneDnnMatmul library = null;
        String description;
        if (settings.batchInvariant()) {
            description = "Vector API kernels for every product (--batch-invariant)";
        } else {
            Dnnl.Availability oneDnn = Dnnl.availability();
            if (oneDnn.available()) {
                library = new OneDnnMatmul(Dnnl.load(), pool, arena);
                description = oneDnn.description() + " for products of " + GEMM_MIN_TOKENS
                        + " or more tokens, Vector API kernels below";
            } else {
                description = "Vector API kernels for every product (oneDNN not usable: " + oneDnn.description() + ")";
            }
        }
        if (settings.quantization() == Quantization.Q8) {
            if (!Q8Matmul.runsHere()) {
                throw new YalisException("--quantize q8 needs 256- or 512-bit vectors (AVX2 or AVX-512); this JVM's "
                        + "Vector API has " + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize()
                        + "-bit ones: drop --quantize");
            }
            description += library != null ? "; q8 weights: prefill widened to bf16 tiles for the library GEMM, decode on "
                    + "the Vector API q8 kernels" : "; q8 weights on the Vector API q8 kernels";
        }
        this.gemm = library;
        this.matmulDescription = description;
    }

    public Settings settings() {
        return settings;
    }

    /** Which kernels compute the matrix products, in a line for {@code yalis info} and benchmark records. */
    public String matmulDescription() {
        return matmulDescription;
    }

    public int threads() {
        return pool.threads();
    }

    /** The pool, for CPU attention backends that split their work the same way. */
    public ComputePool pool() {
        return pool;
    }

    public WeightPlacement weightPlacement() {
        return placement;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public DType activationDType() {
        return DType.F32;
    }

    /**
     * Small tensors come from the arena; large ones (a KV pool sized from free memory, big
     * activations) are fresh anonymous mappings, which the kernel fills with zero pages only when
     * first touched: an {@code Arena} would zero every byte up front.
     */
    @Override
    public Tensor allocate(DType dtype, int rows, int cols) {
        long bytes = Math.max(1, (long) rows * cols * dtype.byteSize());
        activationBytes += bytes;
        MemorySegment memory = bytes >= LAZY_MAPPING_BYTES ? HostMemory.map(bytes, "a " + rows + "x" + cols + " "
                + dtype + " tensor", arena) : arena.allocate(bytes, 64);
        return new Tensor(memory, dtype, rows, cols);
    }

    @Override
    public Tensor loadWeight(Tensor hostSource) {
        return loadWeightColumns(hostSource, 0, hostSource.cols());
    }

    /**
     * Places a block of columns of a checkpoint matrix. A block already placed (a tied model's
     * embedding table, asked for again as the LM head; or a row range of it, a rank's vocabulary
     * slice) is returned as a view, so every checkpoint byte is held once.
     */
    @Override
    public Tensor loadWeightColumns(Tensor hostSource, int firstColumn, int columns) {
        if (firstColumn < 0 || columns < 0 || firstColumn + columns > hostSource.cols()) {
            throw new IllegalArgumentException("columns [" + firstColumn + ", " + (firstColumn + columns) + ") of "
                    + hostSource);
        }
        Tensor placed = placedWeights.find(hostSource, firstColumn, columns, hostSource.dtype());
        if (placed != null) {
            return placed;
        }
        boolean whole = firstColumn == 0 && columns == hostSource.cols();
        if (whole && placement == WeightPlacement.MMAP) {
            mappedWeightBytes += hostSource.byteSize();
            return placedWeights.remember(hostSource, firstColumn, columns, hostSource);
        }
        // A column shard is strided in the file: it is always copied, whatever the placement.
        MemorySegment source = hostSource.data().asSlice(0, hostSource.byteSize());
        long elementBytes = hostSource.dtype().byteSize();
        MemorySegment copy = whole ? weightStore.copyOf(source)
                : weightStore.copyOfColumns(source, hostSource.rows(), hostSource.rowBytes(),
                firstColumn * elementBytes, columns * elementBytes);
        return placedWeights.remember(hostSource, firstColumn, columns,
                new Tensor(copy, hostSource.dtype(), hostSource.rows(), columns));
    }

    /**
     * A matrix for the products and the embedding lookup: with {@code --quantize q8}, quantized to
     * {@link DType#Q8_0} here (whatever the placement: the quantized copy is what is read); otherwise
     * placed as {@link #loadWeightColumns} places any weight.
     */
    @Override
    public Tensor loadMatrix(Tensor hostSource, int firstColumn, int columns) {
        if (settings.quantization() != Quantization.Q8) {
            return loadWeightColumns(hostSource, firstColumn, columns);
        }
        if (firstColumn < 0 || columns < 1 || firstColumn + columns > hostSource.cols()) {
            throw new IllegalArgumentException("columns [" + firstColumn + ", " + (firstColumn + columns) + ") of "
                    + hostSource);
        }
        Tensor placed = placedWeights.find(hostSource, firstColumn, columns, DType.Q8_0);
        if (placed != null) {
            return placed;
        }
        int rows = hostSource.rows();
        MemorySegment quantized = weightStore.reserve(DType.Q8_0.bytesFor(rows, columns));
        int groups = (int) DType.q8Groups(rows);
        ComputePool.RangeTask quantize = (first, end) ->
                Q8Layout.quantizeGroups(hostSource, firstColumn, columns, quantized, first, end);
        if (hostSource.data().isAccessibleBy(OTHER_THREAD)) {
            pool.parallelFor(groups, quantize);
        } else {
            quantize.run(0, groups);   // a source confined to the calling thread is read by it alone
        }
        return placedWeights.remember(hostSource, firstColumn, columns, new Tensor(quantized, DType.Q8_0, rows, columns));
    }

    @Override
    public void copyFromHost(int[] source, Tensor destination) {
        requireType(destination, DType.I32);
        MemorySegment.copy(source, 0, destination.data(), INT, 0, source.length);
    }

    @Override
    public void copyFromHost(float[] source, Tensor destination) {
        requireType(destination, DType.F32);
        MemorySegment.copy(source, 0, destination.data(), FLOAT, 0, source.length);
    }

    @Override
    public void copyToHost(Tensor source, float[] destination) {
        requireType(source, DType.F32);
        MemorySegment.copy(source.data(), FLOAT, 0, destination, 0, (int) source.elementCount());
    }

    @Override
    public void copyToHost(Tensor source, int[] destination) {
        requireType(source, DType.I32);
        MemorySegment.copy(source.data(), INT, 0, destination, 0, (int) source.elementCount());
    }

    @Override
    public java.util.Optional<Boolean> holdsNonFinite(Tensor tensor) {
        requireType(tensor, DType.F32);
        return java.util.Optional.of(
                FiniteValues.firstNonFinite(tensor.data().asSlice(0, tensor.byteSize()), DType.F32) >= 0);
    }

    @Override
    public void argmaxRows(Tensor logits, Tensor out) {
        requireType(logits, DType.F32);
        requireType(out, DType.I32);
        if (out.elementCount() < logits.rows()) {
            throw new IllegalArgumentException("argmaxRows: " + logits.rows() + " rows into " + out);
        }
        for (int r = 0; r < logits.rows(); r++) {
            out.data().setAtIndex(INT, r, Sampler.argmax(logits.data(), (long) r * logits.cols(), logits.cols()));
        }
    }

    @Override
    public void embedding(Tensor table, Tensor tokenIds, Tensor out) {
        requireType(out, DType.F32);
        int width = table.cols();
        for (int t = 0; t < out.rows(); t++) {
            int id = tokenIds.data().getAtIndex(INT, t);
            if (id < 0 || id >= table.rows()) {
                throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + table.rows());
            }
            long source = (long) id * width;
            long destination = (long) t * width;
            if (table.dtype() == DType.Q8_0) {
                Q8Layout.dequantizeRow(table, id, out.data(), destination);
                continue;
            }
            for (int i = 0; i < width; i++) {
                out.data().setAtIndex(FLOAT, destination + i, Numerics.load(table, source + i));
            }
        }
    }

    @Override
    public void rmsnorm(Tensor x, Tensor weight, float eps, Tensor out) {
        int width = x.cols();
        if (weight.elementCount() != width || out.cols() != width || out.rows() != x.rows()) {
            throw new IllegalArgumentException("rmsnorm shapes: x " + x + ", weight " + weight + ", out " + out);
        }
        forRows(x.rows(), width, (first, end) -> {
            for (int t = first; t < end; t++) {
                long row = (long) t * width * 4;
                float sumOfSquares = RowKernels.sumOfSquares(x.data(), row, width);
                normalizeRow(x, weight, out, row, width, (float) (1.0 / Math.sqrt(sumOfSquares / (double) width + eps)));
            }
        });
    }

    /** {@code out = x * scale * weight} over one row (vectorised for the usual f32 norm weights). */
    private static void normalizeRow(Tensor x, Tensor weight, Tensor out, long rowByte, int width, float scale) {
        if (weight.dtype() == DType.F32) {
            RowKernels.scaleByWeight(x.data(), weight.data(), out.data(), rowByte, width, scale);
            return;
        }
        long row = rowByte / 4;
        for (int i = 0; i < width; i++) {
            float normalized = x.data().getAtIndex(FLOAT, row + i) * scale;
            out.data().setAtIndex(FLOAT, row + i, normalized * Numerics.load(weight, i));
        }
    }

    @Override
    public void sumOfSquares(Tensor x, Tensor out) {
        requireType(out, DType.F32);
        int width = x.cols();
        for (int t = 0; t < x.rows(); t++) {
            out.data().setAtIndex(FLOAT, t, RowKernels.sumOfSquares(x.data(), (long) t * width * 4, width));
        }
    }

    @Override
    public void rmsnormFromSumOfSquares(Tensor x, Tensor sumOfSquares, int width, Tensor weight, float eps,
                                        Tensor out) {
        int localWidth = x.cols();
        forRows(x.rows(), localWidth, (first, end) -> {
            for (int t = first; t < end; t++) {
                float scale = (float) (1.0 / Math.sqrt(sumOfSquares.data().getAtIndex(FLOAT, t) / (double) width + eps));
                normalizeRow(x, weight, out, (long) t * localWidth * 4, localWidth, scale);
            }
        });
    }

    @Override
    public void matmul(Tensor x, Tensor weight, Tensor out) {
        if (gemm != null && x.rows() >= GEMM_MIN_TOKENS && gemm.computes(weight.dtype())) {
            gemm.multiply(x, weight, out);
        } else if (weight.dtype() == DType.Q8_0) {
            Q8Matmul.multiply(pool, x, weight, out);
        } else {
            CpuMatmul.multiply(pool, x, weight, out);
        }
    }

    @Override
    public void rope(Tensor x, int headDim, Tensor positions, Tensor cos, Tensor sin) {
        int half = headDim / 2;
        int heads = x.cols() / headDim;
        if (x.cols() % headDim != 0 || cos.cols() != half || sin.cols() != half) {
            throw new IllegalArgumentException("rope shapes: x " + x + ", head_dim " + headDim + ", cos " + cos);
        }
        forRows(x.rows(), x.cols(), (first, end) -> {
            for (int t = first; t < end; t++) {
                int position = positions.data().getAtIndex(INT, t);
                if (position < 0 || position >= cos.rows()) {
                    throw new IllegalArgumentException("position " + position + " outside the RoPE table of "
                            + cos.rows());
                }
                long angles = (long) position * half;
                for (int h = 0; h < heads; h++) {
                    long head = (long) t * x.cols() + (long) h * headDim;
                    for (int j = 0; j < half; j++) {
                        float c = cos.data().getAtIndex(FLOAT, angles + j);
                        float s = sin.data().getAtIndex(FLOAT, angles + j);
                        float first0 = x.data().getAtIndex(FLOAT, head + j);
                        float second = x.data().getAtIndex(FLOAT, head + j + half);
                        x.data().setAtIndex(FLOAT, head + j, first0 * c - second * s);
                        x.data().setAtIndex(FLOAT, head + j + half, second * c + first0 * s);
                    }
                }
            }
        });
    }

    @Override
    public void siluMul(Tensor gate, Tensor up, Tensor out) {
        requireSameShape(gate, up);
        requireSameShape(gate, out);
        int width = gate.cols();
        forRows(gate.rows(), width, (first, end) -> {
            for (int t = first; t < end; t++) {
                RowKernels.siluMul(gate.data(), up.data(), out.data(), (long) t * width * 4, width);
            }
        });
    }

    @Override
    public void add(Tensor accumulator, Tensor addend) {
        requireSameShape(accumulator, addend);
        int width = accumulator.cols();
        forRows(accumulator.rows(), width, (first, end) -> {
            for (int t = first; t < end; t++) {
                RowKernels.add(accumulator.data(), addend.data(), (long) t * width * 4, width);
            }
        });
    }

    @Override
    public void copyIntoColumns(Tensor source, Tensor destination, int firstColumn) {
        checkColumnBlock(source, destination, firstColumn);
        long offset = (long) firstColumn * destination.dtype().byteSize();
        for (int row = 0; row < source.rows(); row++) {
            MemorySegment.copy(source.data(), row * source.rowBytes(), destination.data(),
                    row * destination.rowBytes() + offset, source.rowBytes());
        }
    }

    public static void checkColumnBlock(Tensor source, Tensor destination, int firstColumn) {
        if (source.dtype() != destination.dtype() || source.rows() != destination.rows() || firstColumn < 0
                || firstColumn + source.cols() > destination.cols()) {
            throw new IllegalArgumentException("cannot write " + source + " into columns from " + firstColumn + " of "
                    + destination);
        }
    }

    @Override
    public void gatherRows(Tensor x, Tensor rowIndices, Tensor out) {
        for (int i = 0; i < out.rows(); i++) {
            int row = rowIndices.data().getAtIndex(INT, i);
            if (row < 0 || row >= x.rows()) {
                throw new IllegalArgumentException("row " + row + " outside " + x);
            }
            MemorySegment.copy(x.data(), row * x.rowBytes(), out.data(), i * out.rowBytes(), x.rowBytes());
        }
    }

    @Override
    public void synchronize() {
        // Every operation has finished when it returns.
    }

    @Override
    public long allocatedBytes() {
        return activationBytes + weightStore.reservedBytes();
    }

    /**
     * Whether placed weights still read the checkpoint's mapping: with {@code mmap} they do, and
     * the checkpoint must stay open; with {@code copy} it can be closed once the model is loaded.
     */
    @Override
    public boolean readsCheckpointMemory() {
        return placement == WeightPlacement.MMAP;
    }

    /** Weight bytes left in the mapped checkpoint (placement {@code mmap}). */
    public long mappedWeightBytes() {
        return mappedWeightBytes;
    }

    @Override
    public void close() {
        pool.close();
        arena.close();
    }

    private void forRows(int rows, int cols, ComputePool.RangeTask task) {
        if ((long) rows * cols < PARALLEL_ELEMENTS) {
            task.run(0, rows);
        } else {
            pool.parallelFor(rows, task);
        }
    }

    private static void requireType(Tensor tensor, DType dtype) {
        if (tensor.dtype() != dtype) {
            throw new IllegalArgumentException("expected " + dtype + ", got " + tensor);
        }
    }

    private static void requireSameShape(Tensor a, Tensor b) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException("shapes differ: " + a + " and " + b);
        }
    }
}
