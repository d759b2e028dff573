package org.yalis.engine.cpu;

import static org.yalis.engine.tensor.DType.Q8_BLOCK;
import static org.yalis.engine.tensor.DType.Q8_GROUP_ROWS;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * {@code out = x · Wᵀ} for {@link DType#Q8_0} weights ({@link Q8Layout}) and f32 activations, with the
 * Vector API.
 *
 * <p>Shape of the work: a vector holds one lane per weight row, so a "slice" is {@code L} rows of a
 * group (a whole group on 512-bit vectors). For each column the kernel widens the slice's int8 values
 * to floats and multiplies them by the broadcast activation; per block it scales the block's partial
 * sums by the block's scale vector. A token alone (decode) reads 4 slices side by side: 4 streams,
 * which keep more of the memory system busy than one (the decode kernels here are as much bound by the
 * widening as by bandwidth: about 2 vector instructions per 16 bytes besides the multiply-add). More
 * tokens (prefill) take 4 at a time on one slice, so each widened column serves 4 multiply-adds.
 *
 * <p>Every output element is computed with the same operations in the same order whichever kernel
 * computes it: per block, the columns of even index accumulate into one partial, those of odd index
 * into another (two chains, so the multiply-adds overlap), in column order; then {@code acc += (even +
 * odd) * scale}. So a token's result does not depend on the batch it is in.
 */
final class Q8Matmul {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Slices per group of 16 rows. */
    private static final int SLICES_PER_GROUP = Q8_GROUP_ROWS / L;
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, L * 8)));
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class,
            VectorShape.forBitSize(Math.max(64, L * 16)));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Below this many multiply-adds a parallel loop costs more than it saves. */
    private static final long PARALLEL_THRESHOLD = 1 << 15;
    /** Bytes from a block's start to its first column's values. */
    private static final int SCALE_BYTES = 2 * Q8_GROUP_ROWS;

    private Q8Matmul() {
    }

    /**
     * Whether the kernels run on this CPU: they widen one int8 per float lane from 8 or 16 bytes, so
     * they need 256- or 512-bit vectors (AVX2 or AVX-512 class CPUs).
     */
    static boolean runsHere() {
        return L == 8 || L == 16;
    }

    /** The activations, weights and output of one call, and the derived sizes. */
    private record Problem(MemorySegment x, int k, MemorySegment w, long groupBytes, int fullBlocks, int tailColumns,
                           MemorySegment out, int rows) {
        /** Offset of the block {@code block} of slice {@code slice} (its scales, in the group's block). */
        long block(int slice, int block) {
            return (long) (slice / SLICES_PER_GROUP) * groupBytes + (long) block * DType.Q8_GROUP_BLOCK_BYTES;
        }

        /** Offset, within a column of a group, of slice {@code slice}'s lanes. */
        static int laneOffset(int slice) {
            return slice % SLICES_PER_GROUP * L;
        }
    }

    static void multiply(ComputePool pool, Tensor x, Tensor w, Tensor out) {
        int tokens = x.rows();
        int k = x.cols();
        int rows = w.rows();
        if (w.dtype() != DType.Q8_0 || w.cols() != k || out.rows() != tokens || out.cols() != rows
                || x.dtype() != DType.F32 || out.dtype() != DType.F32) {
            throw new IllegalArgumentException("q8 matmul shapes: x " + x + ", w " + w + ", out " + out);
        }
        Problem p = new Problem(x.data(), k, w.data(), DType.q8GroupBytes(k), k / Q8_BLOCK, k % Q8_BLOCK,
                out.data(), rows);
        int slices = (int) DType.q8Groups(rows) * SLICES_PER_GROUP;
        boolean parallel = (long) tokens * rows * k >= PARALLEL_THRESHOLD;
        if (tokens < 4) {
            int units = (slices + 3) / 4;
            ComputePool.RangeTask task = (first, end) -> {
                float[] accumulators = new float[4 * L];
                for (int unit = first; unit < end; unit++) {
                    int slice = unit * 4;
                    for (int t = 0; t < tokens; t++) {
                        if (slice + 4 <= slices) {
                            slices4Token1(p, slice, t, accumulators);
                        } else {
                            for (int s = slice; s < slices; s++) {
                                slice1Token1(p, s, t, accumulators);
                            }
                        }
                    }
                }
            };
            run(pool, parallel, units, task);
        } else {
            ComputePool.RangeTask task = (first, end) -> {
                float[] accumulators = new float[4 * L];
                for (int slice = first; slice < end; slice++) {
                    int t = 0;
                    for (; t + 4 <= tokens; t += 4) {
                        slice1Tokens4(p, slice, t, accumulators);
                    }
                    for (; t < tokens; t++) {
                        slice1Token1(p, slice, t, accumulators);
                    }
                }
            };
            run(pool, parallel, slices, task);
        }
    }

    private static void run(ComputePool pool, boolean parallel, int count, ComputePool.RangeTask task) {
        if (parallel) {
            pool.parallelFor(count, task);
        } else {
            task.run(0, count);
        }
    }

    /** One column of a slice widened to floats: {@code L} int8 values, one per row. */
    private static FloatVector column(MemorySegment w, long at) {
        return (FloatVector) ByteVector.fromMemorySegment(B, w, at, LE).convertShape(VectorOperators.B2F, F, 0);
    }

    /**
     * The slice's {@code L} f16 scales of a block as floats. Scales are finite and not negative (a block's
     * largest magnitude over 127, checked when quantizing), so shifting the exponent and mantissa into
     * float position and rebiasing by 2^112 is exact for normals, subnormals and zero, and the sign and
     * infinities need no handling.
     */
    /**
     * The slice's {@code L} f16 scales of a block as floats. Scales are finite and not negative (a block's
     * largest magnitude over 127, checked when quantizing), so shifting the exponent and mantissa into
     * float position and rebiasing by 2^112 is exact for normals, subnormals and zero, and the sign and
     * infinities need no handling.
     */
    private static FloatVector scales(MemorySegment w, long at) {
        IntVector half = (IntVector) ShortVector.fromMemorySegment(S, w, at, LE).convertShape(VectorOperators.S2I, I, 0);
        return half.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
    }

    private static FloatVector activation(Problem p, int token, int column) {
        return FloatVector.broadcast(F, p.x.get(FLOAT, ((long) token * p.k + column) * 4));
    }

    /** Writes the lanes of accumulator {@code which} that are real rows (not a last group's padding). */
    private static void store(Problem p, int slice, int token, float[] accumulators, int which) {
        int firstRow = slice * L;
        long at = ((long) token * p.rows + firstRow) * 4;
        FloatVector accumulator = FloatVector.fromArray(F, accumulators, which * L);
        if (firstRow + L <= p.rows) {
            accumulator.intoMemorySegment(p.out, at, LE);
        } else if (firstRow < p.rows) {
            VectorMask<Float> real = F.indexInRange(0, p.rows - firstRow);
            accumulator.intoMemorySegment(p.out, at, LE, real);
        }
    }

    // A kernel runs block by block, each block in a method of its own, with the accumulators in a small
    // array between blocks (in L1): a kernel in one method grows past the JIT's node budget, which then
    // stops inlining vector operations and boxes their vectors.

    /** 4 slices, 1 token: the decode kernel. */
    private static void slices4Token1(Problem p, int slice, int token, float[] accumulators) {
        java.util.Arrays.fill(accumulators, 0f);
        for (int block = 0; block < p.fullBlocks; block++) {
            block2Slices(p, slice, block, token, accumulators, 0);
            block2Slices(p, slice + 2, block, token, accumulators, 2);
        }
        for (int i = 0; i < 4; i++) {
            if (p.tailColumns > 0) {
                tailBlock(p, slice + i, token, accumulators, i);
            }
            store(p, slice + i, token, accumulators, i);
        }
    }

    /**
     * Slices {@code slice} and {@code slice + 1}, one block: the decode kernel calls it for two pairs of
     * slices in turn, so 4 streams advance together while each method stays within the JIT's budget.
     */
    private static void block2Slices(Problem p, int slice, int block, int token, float[] accumulators, int which) {
        MemorySegment w = p.w;
        long b0 = p.block(slice, block) + Problem.laneOffset(slice);
        long b1 = p.block(slice + 1, block) + Problem.laneOffset(slice + 1);
        FloatVector c0 = FloatVector.zero(F), c1 = c0, e0 = c0, e1 = c0;
        int first = block * Q8_BLOCK;
        for (int col = 0; col < Q8_BLOCK; col += 2) {
            FloatVector xe = activation(p, token, first + col);
            FloatVector xo = activation(p, token, first + col + 1);
            long even = SCALE_BYTES + (long) col * Q8_GROUP_ROWS;
            long odd = even + Q8_GROUP_ROWS;
            c0 = column(w, b0 + even).fma(xe, c0);
            e0 = column(w, b0 + odd).fma(xo, e0);
            c1 = column(w, b1 + even).fma(xe, c1);
            e1 = column(w, b1 + odd).fma(xo, e1);
        }
        accumulate(accumulators, which, c0.add(e0), scaleOf(p, slice, block));
        accumulate(accumulators, which + 1, c1.add(e1), scaleOf(p, slice + 1, block));
    }

    /** One slice, 1 token: the remainders. */
    private static void slice1Token1(Problem p, int slice, int token, float[] accumulators) {
        java.util.Arrays.fill(accumulators, 0, L, 0f);
        for (int block = 0; block < p.fullBlocks; block++) {
            block1Slice1Token(p, slice, block, token, accumulators);
        }
        if (p.tailColumns > 0) {
            tailBlock(p, slice, token, accumulators, 0);
        }
        store(p, slice, token, accumulators, 0);
    }

    private static void block1Slice1Token(Problem p, int slice, int block, int token, float[] accumulators) {
        MemorySegment w = p.w;
        long b = p.block(slice, block) + Problem.laneOffset(slice);
        FloatVector c = FloatVector.zero(F), e = c;
        int first = block * Q8_BLOCK;
        for (int col = 0; col < Q8_BLOCK; col += 2) {
            long even = b + SCALE_BYTES + (long) col * Q8_GROUP_ROWS;
            c = column(w, even).fma(activation(p, token, first + col), c);
            e = column(w, even + Q8_GROUP_ROWS).fma(activation(p, token, first + col + 1), e);
        }
        accumulate(accumulators, 0, c.add(e), scaleOf(p, slice, block));
    }

    /** One slice, 4 tokens: prefill; each widened column serves the 4 tokens. */
    private static void slice1Tokens4(Problem p, int slice, int token, float[] accumulators) {
        java.util.Arrays.fill(accumulators, 0f);
        for (int block = 0; block < p.fullBlocks; block++) {
            block1Slice4Tokens(p, slice, block, token, accumulators);
        }
        for (int i = 0; i < 4; i++) {
            if (p.tailColumns > 0) {
                tailBlock(p, slice, token + i, accumulators, i);
            }
            store(p, slice, token + i, accumulators, i);
        }
    }

    private static void block1Slice4Tokens(Problem p, int slice, int block, int token, float[] accumulators) {
        MemorySegment w = p.w;
        long b = p.block(slice, block) + Problem.laneOffset(slice);
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
        FloatVector e0 = c0, e1 = c0, e2 = c0, e3 = c0;
        int first = block * Q8_BLOCK;
        for (int col = 0; col < Q8_BLOCK; col += 2) {
            long even = b + SCALE_BYTES + (long) col * Q8_GROUP_ROWS;
            FloatVector we = column(w, even);
            FloatVector wo = column(w, even + Q8_GROUP_ROWS);
            c0 = we.fma(activation(p, token, first + col), c0);
            e0 = wo.fma(activation(p, token, first + col + 1), e0);
            c1 = we.fma(activation(p, token + 1, first + col), c1);
            e1 = wo.fma(activation(p, token + 1, first + col + 1), e1);
            c2 = we.fma(activation(p, token + 2, first + col), c2);
            e2 = wo.fma(activation(p, token + 2, first + col + 1), e2);
            c3 = we.fma(activation(p, token + 3, first + col), c3);
            e3 = wo.fma(activation(p, token + 3, first + col + 1), e3);
        }
        FloatVector scale = scaleOf(p, slice, block);
        accumulate(accumulators, 0, c0.add(e0), scale);
        accumulate(accumulators, 1, c1.add(e1), scale);
        accumulate(accumulators, 2, c2.add(e2), scale);
        accumulate(accumulators, 3, c3.add(e3), scale);
    }

    private static FloatVector scaleOf(Problem p, int slice, int block) {
        return scales(p.w, p.block(slice, block) + 2L * Problem.laneOffset(slice));
    }

    /** {@code accumulator[which] += partial * scale}: the per-block step every kernel ends with. */
    private static void accumulate(float[] accumulators, int which, FloatVector partial, FloatVector scale) {
        partial.fma(scale, FloatVector.fromArray(F, accumulators, which * L)).intoArray(accumulators, which * L);
    }

    /** The last, partial block (columns past the last whole block), in the same order as a whole one. */
    private static void tailBlock(Problem p, int slice, int token, float[] accumulators, int which) {
        long b = p.block(slice, p.fullBlocks) + Problem.laneOffset(slice);
        FloatVector c = FloatVector.zero(F), e = c;
        int first = p.fullBlocks * Q8_BLOCK;
        for (int col = 0; col < p.tailColumns; col++) {
            FloatVector product = column(p.w, b + SCALE_BYTES + (long) col * Q8_GROUP_ROWS);
            if (col % 2 == 0) {
                c = product.fma(activation(p, token, first + col), c);
            } else {
                e = product.fma(activation(p, token, first + col), e);
            }
        }
        accumulate(accumulators, which, c.add(e), scaleOf(p, slice, p.fullBlocks));
    }
}
