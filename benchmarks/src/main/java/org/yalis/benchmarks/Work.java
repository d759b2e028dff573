package org.yalis.benchmarks;

import org.yalis.engine.tensor.DType;

/**
 * What one call of a kernel must do at least: the bytes it has to move between memory and the core
 * (every weight, input and output element once; caches may save re-reads but not these) and the
 * floating-point operations it has to execute (a multiply-add counts as two; exponentials and
 * square roots are not counted). Divided by the measured time, they give the GB/s and GFLOP/s the
 * roofline table compares with the machine's ceilings.
 */
record Work(long bytes, long flops) {
    private static final long F32 = Float.BYTES;

    /** {@code out[tokens x rows] = x[tokens x cols] · W[rows x cols]ᵀ}, W in {@code weights}, the rest f32. */
    static Work matmul(int tokens, int rows, int cols, DType weights) {
        long weightBytes = weights.bytesFor(rows, cols);
        long activationBytes = (long) tokens * cols * F32 + (long) tokens * rows * F32;
        return new Work(weightBytes + activationBytes, 2L * tokens * rows * cols);
    }

    /** RMSNorm of {@code tokens x width} f32 with an f32 weight: square-and-add, scale, weight. */
    static Work rmsnorm(int tokens, int width) {
        long elements = (long) tokens * width;
        return new Work(2 * elements * F32 + width * F32, 4 * elements);
    }

    /**
     * RoPE in place on {@code tokens x heads*headDim}: each pair of elements is read and written
     * once, with its cos and sin (6 operations: 4 multiplies, 2 adds).
     */
    static Work rope(int tokens, int heads, int headDim) {
        long elements = (long) tokens * heads * headDim;
        long angleBytes = (long) tokens * headDim / 2 * 2 * F32;
        return new Work(2 * elements * F32 + angleBytes, 3 * elements);
    }

    /**
     * Causal attention of {@code queries} new tokens that end a context of {@code context} tokens:
     * query {@code i} attends over {@code context - queries + i + 1} positions, each costing a q·k
     * dot product and a weighted add of v ({@code 2 x 2 x headDim} operations) per head. The keys
     * and values of the context are read once (the query heads of a group share them).
     */
    static Work attention(int queries, int context, int heads, int kvHeads, int headDim) {
        long pairs = 0;
        for (int i = 0; i < queries; i++) {
            pairs += context - queries + i + 1;
        }
        long kvBytes = 2L * context * kvHeads * headDim * F32;
        long queryBytes = 2L * queries * heads * headDim * F32;   // read q, write the output
        return new Work(kvBytes + queryBytes, 4L * pairs * heads * headDim);
    }
}
