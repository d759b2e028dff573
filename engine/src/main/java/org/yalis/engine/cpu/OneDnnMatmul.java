package org.yalis.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import org.yalis.bindings.dnnl.Dnnl;
import org.yalis.bindings.dnnl.DnnlMatmul;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * {@code out = x · Wᵀ} through oneDNN's matmul: a packed, cache-blocked GEMM (the BLIS structure,
 * with AMX tiles or AVX512_BF16 dot products where the CPU has them), for the products of many
 * tokens (prefill), where the Vector API's f32 FMAs would leave most of the CPU's arithmetic unused.
 *
 * <p>Shape of the work: the output columns (the weight's rows) are split into one contiguous slice
 * per compute thread, and each thread runs a single-threaded primitive on its slice, so the engine's
 * threads stay the only ones (oneDNN's own OpenMP team would double them) and each weight byte is read
 * by one thread. The token count is rounded up to a multiple of {@link #ROW_MULTIPLE} with zero rows,
 * so that a handful of primitives (created once per shape, on first use, and shared by every layer of
 * that shape) cover every prefill chunk length. bf16 weights multiply bf16 activations: each call
 * first rounds the f32 activations to bf16 (to nearest even), as llama.cpp does for its bf16 kernels.
 *
 * <p>Not batch-invariant: oneDNN chooses its blocking, and so the order of the sums, by shape; a
 * token's result depends (in its last bits) on how many tokens share the call. The engine uses this
 * path only when {@code --batch-invariant} is off.
 */
final class OneDnnMatmul {
    /** AMX tiles hold 16 rows: token counts are rounded up to whole tiles. */
    static final int ROW_MULTIPLE = 16;
    /** Slices of the output columns are whole cache lines of f32 outputs and whole AMX tile columns. */
    private static final int COLUMN_ALIGNMENT = 64;
    /** Rows of a Q8_0 weight widened to bf16 at a time: 256 rows of 2048 are 1 MiB, well within an L2. */
    private static final int Q8_TILE_ROWS = 256;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class,
            VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private record Shape(int rows, int k, int n, int firstColumn, int columns, DType weights) {
    }

    private final Dnnl dnnl;
    private final ComputePool pool;
    private final Arena arena;
    private final Map<Shape, DnnlMatmul> primitives = new ConcurrentHashMap<>();
    /** Per calling thread: [0] the activations in the GEMM's dtype, [1] the padded output. */
    private final ThreadLocal<MemorySegment[]> callBuffers = ThreadLocal.withInitial(() -> new MemorySegment[2]);
    /** Per compute thread: [0] oneDNN's scratchpad, [1] a tile of Q8_0 weights widened to bf16. */
    private final ThreadLocal<MemorySegment[]> scratchpads = ThreadLocal.withInitial(() -> new MemorySegment[2]);

    OneDnnMatmul(Dnnl dnnl, ComputePool pool, Arena arena) {
        this.dnnl = dnnl;
        this.pool = pool;
        this.arena = arena;
    }

    /**
     * Weight types this path computes: f32 always; bf16 where the CPU has bf16 dot products; Q8_0 there
     * too, through bf16 tiles ({@link #multiplyQ8}).
     */
    boolean computes(DType weights) {
        return weights == DType.F32 || (weights == DType.BF16 || weights == DType.Q8_0) && dnnl.hasBf16DotProducts();
    }

    void multiply(Tensor x, Tensor w, Tensor out) {
        int tokens = x.rows();
        int k = x.cols();
        int n = w.rows();
        // oneDNN trusts the shapes it is given: a mismatch must stop here, not read past a buffer.
        if (w.cols() != k || out.rows() != tokens || out.cols() != n || x.dtype() != DType.F32
                || out.dtype() != DType.F32 || !computes(w.dtype())) {
            throw new IllegalArgumentException("library matmul shapes: x " + x + ", w " + w + ", out " + out);
        }
        if (w.dtype() == DType.Q8_0) {
            multiplyQ8(x, w, out);
            return;
        }
        int rows = (tokens + ROW_MULTIPLE - 1) / ROW_MULTIPLE * ROW_MULTIPLE;
        DType type = w.dtype();
        MemorySegment source = sourceRows(x, rows, type);
        MemorySegment destination = rows == tokens ? out.data()
                : buffer(callBuffers.get(), 1, (long) rows * n * 4);
        int slices = Math.max(1, Math.min(pool.threads(), n / COLUMN_ALIGNMENT));
        MemorySegment weights = w.data();
        pool.parallelFor(slices, slices, (first, end) -> {
            dnnl.useOneThreadHere();
            for (int slice = first; slice < end; slice++) {
                int from = sliceStart(n, slices, slice);
                int to = sliceStart(n, slices, slice + 1);
                DnnlMatmul primitive = primitives.computeIfAbsent(new Shape(rows, k, n, from, to - from, type),
                        shape -> DnnlMatmul.create(dnnl, arena, shape.rows, shape.k, shape.columns,
                                type == DType.BF16 ? DnnlMatmul.DataType.BF16 : DnnlMatmul.DataType.F32,
                                type == DType.BF16 ? DnnlMatmul.DataType.BF16 : DnnlMatmul.DataType.F32, k, n));
                MemorySegment scratch = primitive.scratchpadBytes() == 0 ? MemorySegment.NULL
                        : buffer(scratchpads.get(), 0, primitive.scratchpadBytes());
                primitive.execute(source, weights.asSlice((long) from * w.rowBytes()),
                        destination.asSlice(from * 4L), scratch);
            }
        });
        if (destination != out.data()) {
            MemorySegment.copy(destination, 0, out.data(), 0, (long) tokens * n * 4);
        }
    }

    /**
     * Q8_0 weights for many tokens: each thread takes its slice of the output rows in tiles of
     * {@link #Q8_TILE_ROWS}, widens a tile to bf16 (into a buffer that stays in its L2) and runs the bf16
     * GEMM on it. The products see each weight {@code q * d} rounded to bf16 (a relative error of at most
     * 2^-8 on top of the quantization's, as on the activations), not the exact value the Vector API q8
     * kernels use: like every product of this class, this path is for speed, and {@code --batch-invariant}
     * keeps the exact one.
     */
    private void multiplyQ8(Tensor x, Tensor w, Tensor out) {
        int tokens = x.rows();
        int k = x.cols();
        int n = w.rows();
        int rows = (tokens + ROW_MULTIPLE - 1) / ROW_MULTIPLE * ROW_MULTIPLE;
        MemorySegment source = sourceRows(x, rows, DType.BF16);
        MemorySegment destination = rows == tokens ? out.data()
                : buffer(callBuffers.get(), 1, (long) rows * n * 4);
        int slices = Math.max(1, Math.min(pool.threads(), n / COLUMN_ALIGNMENT));
        pool.parallelFor(slices, slices, (first, end) -> {
            dnnl.useOneThreadHere();
            MemorySegment[] buffers = scratchpads.get();
            for (int slice = first; slice < end; slice++) {
                int from = sliceStart(n, slices, slice);
                int to = sliceStart(n, slices, slice + 1);
                for (int tile = from; tile < to; tile += Q8_TILE_ROWS) {
                    int width = Math.min(Q8_TILE_ROWS, to - tile);
                    // The tile is widened input-major (each input's outputs side by side), which the Q8_0 group
                    // layout gives with contiguous stores: the primitive reads it with strides (width, 1).
                    DnnlMatmul primitive = primitives.computeIfAbsent(new Shape(rows, k, n, -1, width, DType.Q8_0),
                            shape -> DnnlMatmul.create(dnnl, arena, shape.rows, shape.k, shape.columns,
                                    DnnlMatmul.DataType.BF16, DnnlMatmul.DataType.BF16, DnnlMatmul.DataType.F32,
                                    shape.columns, 1, n));
                    MemorySegment weights = buffer(buffers, 1, (long) width * k * 2);
                    Q8Layout.widenTileToBf16(w, tile, width, weights);
                    MemorySegment scratch = primitive.scratchpadBytes() == 0 ? MemorySegment.NULL
                            : buffer(buffers, 0, primitive.scratchpadBytes());
                    primitive.execute(source, weights, destination.asSlice(tile * 4L), scratch);
                }
            }
        });
        if (destination != out.data()) {
            MemorySegment.copy(destination, 0, out.data(), 0, (long) tokens * n * 4);
        }
    }

    /** The name of the kernel oneDNN runs for a product of this shape (for {@code yalis info} and tests). */
    String implementation(int tokens, int k, int n, DType type) {
        dnnl.useOneThreadHere();
        int rows = (tokens + ROW_MULTIPLE - 1) / ROW_MULTIPLE * ROW_MULTIPLE;
        DnnlMatmul.DataType dataType = type == DType.BF16 ? DnnlMatmul.DataType.BF16 : DnnlMatmul.DataType.F32;
        return DnnlMatmul.create(dnnl, arena, rows, k, n, dataType, dataType, k, n).implementation();
    }

    /** Slice boundaries of {@code n} columns, whole multiples of the alignment except the last. */
    private static int sliceStart(int n, int slices, int slice) {
        if (slice == slices) {
            return n;
        }
        return (int) ((long) n * slice / slices / COLUMN_ALIGNMENT * COLUMN_ALIGNMENT);
    }

    /**
     * The activations as the GEMM reads them: {@code rows} rows (the tokens, then zero rows), in bf16
     * for bf16 weights (rounded to nearest even, NaN kept a NaN), in f32 otherwise.
     */
    private MemorySegment sourceRows(Tensor x, int rows, DType type) {
        int tokens = x.rows();
        int k = x.cols();
        if (type == DType.F32 && rows == tokens) {
            return x.data();
        }
        long elementBytes = type == DType.BF16 ? 2 : 4;
        MemorySegment source = buffer(callBuffers.get(), 0, rows * k * elementBytes);
        source.asSlice(tokens * k * elementBytes, (rows - tokens) * k * elementBytes).fill((byte) 0);
        if (type == DType.F32) {
            MemorySegment.copy(x.data(), 0, source, 0, (long) tokens * k * 4);
            return source;
        }
        ComputePool.RangeTask round = (first, end) -> {
            for (int t = first; t < end; t++) {
                roundRowToBf16(x.data(), (long) t * k, source, k);
            }
        };
        if ((long) tokens * k < 1 << 16) {
            round.run(0, tokens);
        } else {
            pool.parallelFor(tokens, round);
        }
        return source;
    }

    /** {@code k} floats from element {@code first} of {@code x} to bf16 at the same index of {@code bf16}. */
    static void roundRowToBf16(MemorySegment x, long first, MemorySegment bf16, int k) {
        int lanes = F.length();
        int whole = k - k % lanes;
        for (int i = 0; i < whole; i += lanes) {
            IntVector bits = FloatVector.fromMemorySegment(F, x, (first + i) * 4, LE).reinterpretAsInts();
            IntVector lsb = bits.lanewise(VectorOperators.LSHR, 16).and(1);
            IntVector rounded = bits.add(lsb.add(0x7FFF)).lanewise(VectorOperators.LSHR, 16);
            VectorMask<Integer> nan = bits.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000);
            IntVector quieted = bits.lanewise(VectorOperators.LSHR, 16).or(0x40);
            ((ShortVector) rounded.blend(quieted, nan).convertShape(VectorOperators.I2S, S, 0))
                    .intoMemorySegment(bf16, (first + i) * 2, LE);
        }
        for (int i = whole; i < k; i++) {
            bf16.set(SHORT, (first + i) * 2, Numerics.floatToBf16(x.get(FLOAT, (first + i) * 4)));
        }
    }

    private static MemorySegment buffer(MemorySegment[] buffers, int which, long bytes) {
        if (buffers[which] == null || buffers[which].byteSize() < bytes) {
            buffers[which] = Arena.ofAuto().allocate(Math.max(bytes, buffers[which] == null ? 0
                    : Math.min(2 * buffers[which].byteSize(), bytes + (64L << 20))), 64);
        }
        return buffers[which];
    }
}
