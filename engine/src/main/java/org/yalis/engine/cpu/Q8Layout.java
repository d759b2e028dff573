package org.yalis.engine.cpu;

import static org.yalis.engine.tensor.DType.Q8_BLOCK;
import static org.yalis.engine.tensor.DType.Q8_GROUP_BLOCK_BYTES;
import static org.yalis.engine.tensor.DType.Q8_GROUP_ROWS;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * The CPU backend's {@link DType#Q8_0} weights: llama.cpp's Q8_0 values (each row cut into blocks of
 * 32 weights; per block an f16 scale {@code d = max|w| / 127} and 32 int8 values {@code q = round(w / d)})
 * laid out for the kernels ({@link Q8Matmul}) rather than row by row.
 *
 * <p>Rows go in groups of 16; a group stores, block after block, the 16 rows' scales (32 bytes), then
 * the block's 32 columns, each as the 16 rows' int8 values side by side (512 bytes). So one 16-byte
 * load is one column of a group and widens to one vector of 16 floats, one lane per row: a kernel
 * multiplies it by one broadcast activation and accumulates 16 rows at once, with no horizontal sum
 * at the end, and the scales of a block are one vector too. A group reads as one sequential stream.
 * A last, partial group is padded with zero rows, a last, partial block with zero weights.
 *
 * <p>Quantization follows llama.cpp's reference ({@code quantize_row_q8_0_ref}): the scale in f32 divides
 * the weights and is stored rounded to f16; values round half away from zero. The same f32 weights
 * therefore give the same bytes as llama.cpp's {@code llama-quantize ... Q8_0}.
 */
final class Q8Layout {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    /** The largest finite f16: the largest scale Q8_0 can store. */
    private static final float MAX_SCALE = 65504f;

    private Q8Layout() {
    }

    /** Offset of group {@code group}, block {@code block}'s scales in a tensor of {@code cols} columns. */
    static long blockOffset(long group, long block, int cols) {
        return group * DType.q8GroupBytes(cols) + block * Q8_GROUP_BLOCK_BYTES;
    }

    /**
     * Quantizes columns {@code [firstColumn, firstColumn + columns)} of the rows of {@code groups}
     * {@code [firstGroup, endGroup)} of {@code source} (f32, bf16 or f16) into {@code destination}, which
     * holds the whole {@code source.rows() x columns} Q8_0 tensor.
     */
    static void quantizeGroups(Tensor source, int firstColumn, int columns, MemorySegment destination,
                               int firstGroup, int endGroup) {
        int rows = source.rows();
        long blocks = DType.q8Blocks(columns);
        float[] values = new float[Q8_BLOCK];
        for (int group = firstGroup; group < endGroup; group++) {
            for (int lane = 0; lane < Q8_GROUP_ROWS; lane++) {
                int row = group * Q8_GROUP_ROWS + lane;
                for (long block = 0; block < blocks; block++) {
                    long at = blockOffset(group, block, columns);
                    int first = (int) (block * Q8_BLOCK);
                    int count = Math.min(Q8_BLOCK, columns - first);
                    float amax = 0;
                    for (int i = 0; i < Q8_BLOCK; i++) {
                        values[i] = row < rows && i < count
                                ? Numerics.load(source, (long) row * source.cols() + firstColumn + first + i) : 0f;
                        amax = Math.max(amax, Math.abs(values[i]));
                    }
                    float scale = amax / 127f;
                    if (!(scale <= MAX_SCALE)) {
                        throw new IllegalArgumentException("row " + row + " has weights of magnitude " + amax
                                + ", which Q8_0's f16 scales cannot hold (not finite, or beyond " + MAX_SCALE * 127
                                + ")");
                    }
                    float inverse = scale != 0 ? 1f / scale : 0f;
                    destination.set(SHORT, at + 2L * lane, Float.floatToFloat16(scale));
                    for (int i = 0; i < Q8_BLOCK; i++) {
                        destination.set(BYTE, at + 2L * Q8_GROUP_ROWS + (long) i * Q8_GROUP_ROWS + lane,
                                (byte) roundHalfAwayFromZero(values[i] * inverse));
                    }
                }
            }
        }
    }

    /**
     * C's {@code roundf}: halves round away from zero (Java's {@code Math.round} rounds them up). The
     * {@code + 0.5} is done in double, where it is exact for every float, so that 0.49999997f rounds to 0.
     */
    static int roundHalfAwayFromZero(float value) {
        double magnitude = Math.floor(Math.abs((double) value) + 0.5);
        return (int) (value < 0 ? -magnitude : magnitude);
    }

    /** Weight {@code (row, col)} of a Q8_0 tensor, dequantized: {@code q * d}. */
    static float weight(Tensor q8, int row, int col) {
        long at = blockOffset(row / Q8_GROUP_ROWS, col / Q8_BLOCK, q8.cols());
        int lane = row % Q8_GROUP_ROWS;
        float scale = Float.float16ToFloat(q8.data().get(SHORT, at + 2L * lane));
        byte value = q8.data().get(BYTE, at + 2L * Q8_GROUP_ROWS + (long) (col % Q8_BLOCK) * Q8_GROUP_ROWS + lane);
        return value * scale;
    }

    /**
     * Rows {@code [firstRow, firstRow + count)} (starting a group) dequantized to bf16, {@code q * d} rounded
     * to nearest even, input-major: the value of row {@code firstRow + j}, column {@code c} at element
     * {@code c * count + j} of {@code out}. In that order a group's column (16 int8 values) widens to 16
     * consecutive bf16: one vector load, widening, multiply by the scales, and store per column.
     */
    static void widenTileToBf16(Tensor q8, int firstRow, int count, MemorySegment out) {
        if (firstRow % Q8_GROUP_ROWS != 0 || count % Q8_GROUP_ROWS != 0 && firstRow + count != q8.rows()) {
            throw new IllegalArgumentException("Q8_0 rows are widened by whole groups, not rows [" + firstRow + ", "
                    + (firstRow + count) + ")");
        }
        Q8Widening.tile(q8, firstRow, count, out);
    }

    /** Row {@code row} dequantized into {@code out} at element {@code outIndex} (f32): an embedding lookup. */
    static void dequantizeRow(Tensor q8, int row, MemorySegment out, long outIndex) {
        int cols = q8.cols();
        int lane = row % Q8_GROUP_ROWS;
        long group = row / Q8_GROUP_ROWS;
        MemorySegment data = q8.data();
        for (long block = 0; block < DType.q8Blocks(cols); block++) {
            long at = blockOffset(group, block, cols);
            float scale = Float.float16ToFloat(data.get(SHORT, at + 2L * lane));
            int first = (int) (block * Q8_BLOCK);
            int count = Math.min(Q8_BLOCK, cols - first);
            for (int i = 0; i < count; i++) {
                byte value = data.get(BYTE, at + 2L * Q8_GROUP_ROWS + (long) i * Q8_GROUP_ROWS + lane);
                out.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, outIndex + first + i, value * scale);
            }
        }
    }
}
