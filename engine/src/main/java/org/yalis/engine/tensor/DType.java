package org.yalis.engine.tensor;

import java.util.Arrays;
import java.util.Optional;

/**
 * Element types of tensors: the three float types checkpoints hold, indices, and the CPU backend's
 * quantized weight format.
 */
public enum DType {
    F32("F32", 4),
    BF16("BF16", 2),
    F16("F16", 2),
    I32("I32", 4),
    /**
     * int8 weights in blocks of 32 along a row, each block with an f16 scale (llama.cpp's Q8_0: 34 bytes per
     * 32 weights), stored in the CPU backend's group layout ({@code cpu.Q8Layout}): rows in groups of
     * {@link #Q8_GROUP_ROWS}, so a tensor of this type has no per-element size and splits into row ranges
     * only at group boundaries. Never read from or written to a checkpoint.
     */
    Q8_0(null, 0);

    /** Rows of a {@link #Q8_0} tensor stored together, their bytes interleaved by block. */
    public static final int Q8_GROUP_ROWS = 16;
    /** Weights of one row that share a {@link #Q8_0} scale. */
    public static final int Q8_BLOCK = 32;
    /** Bytes of one {@link #Q8_0} block of a group: 16 f16 scales, then 32 x 16 int8 values. */
    public static final int Q8_GROUP_BLOCK_BYTES = Q8_GROUP_ROWS * 2 + Q8_BLOCK * Q8_GROUP_ROWS;

    private final String safetensorsName;
    private final int byteSize;

    DType(String safetensorsName, int byteSize) {
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
    }

    /** Bytes per element; a {@link #Q8_0} tensor has none ({@link #bytesFor} has its size). */
    public int byteSize() {
        if (this == Q8_0) {
            throw new UnsupportedOperationException("Q8_0 weights have no per-element size; use bytesFor");
        }
        return byteSize;
    }

    /** Bytes a {@code rows x cols} tensor of this type takes. */
    public long bytesFor(long rows, long cols) {
        if (this == Q8_0) {
            return q8Groups(rows) * q8GroupBytes(cols);
        }
        return rows * cols * byteSize;
    }

    /**
     * Offset of row {@code row} in a tensor of {@code cols} columns; for {@link #Q8_0} the row must start a
     * group (a multiple of {@link #Q8_GROUP_ROWS}).
     */
    public long rowOffset(long row, long cols) {
        if (this == Q8_0) {
            if (row % Q8_GROUP_ROWS != 0) {
                throw new IllegalArgumentException("a Q8_0 tensor splits only at multiples of " + Q8_GROUP_ROWS
                        + " rows, not at row " + row);
            }
            return row / Q8_GROUP_ROWS * q8GroupBytes(cols);
        }
        return row * cols * byteSize;
    }

    /** Groups of {@link #Q8_GROUP_ROWS} rows that hold {@code rows} rows (the last padded with zero rows). */
    public static long q8Groups(long rows) {
        return (rows + Q8_GROUP_ROWS - 1) / Q8_GROUP_ROWS;
    }

    /** Blocks of {@link #Q8_BLOCK} that hold {@code cols} columns (the last padded with zeros). */
    public static long q8Blocks(long cols) {
        return (cols + Q8_BLOCK - 1) / Q8_BLOCK;
    }

    /** Bytes of one group of 16 rows of {@code cols} columns. */
    public static long q8GroupBytes(long cols) {
        return q8Blocks(cols) * Q8_GROUP_BLOCK_BYTES;
    }

    public String safetensorsName() {
        return safetensorsName;
    }

    /** A float type a checkpoint can hold (f32, bf16, f16). */
    public boolean isFloat() {
        return this == F32 || this == BF16 || this == F16;
    }

    public static Optional<DType> fromSafetensors(String name) {
        return Arrays.stream(values()).filter(d -> d.safetensorsName != null && d.safetensorsName.equals(name))
                .findFirst();
    }

    /** Parses a user-facing name: f32, float32, bf16, bfloat16, f16, float16. */
    public static Optional<DType> parse(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "float32", "fp32" -> Optional.of(F32);
            case "bf16", "bfloat16" -> Optional.of(BF16);
            case "f16", "float16", "fp16", "half" -> Optional.of(F16);
            default -> Optional.empty();
        };
    }
}
