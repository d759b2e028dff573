package org.yalis.engine.checkpoint;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * One tensor of a checkpoint: its name, dtype, shape and its bytes inside the memory-mapped file.
 * Nothing is copied until a backend places it.
 */
public record CheckpointTensor(String name, DType dtype, long[] shape, MemorySegment bytes, Path file) {

    public long elementCount() {
        long count = 1;
        for (long dimension : shape) {
            count *= dimension;
        }
        return count;
    }

    public String shapeText() {
        return Arrays.toString(shape);
    }

    /** The tensor as a row-major matrix: 2-D as is, 1-D as one row. */
    public Tensor asMatrix() {
        return switch (shape.length) {
            case 1 -> new Tensor(bytes, dtype, 1, Math.toIntExact(shape[0]));
            case 2 -> new Tensor(bytes, dtype, Math.toIntExact(shape[0]), Math.toIntExact(shape[1]));
            default -> throw new IllegalStateException(name + " has " + shape.length + " dimensions");
        };
    }

    /** Rows {@code [first, first + count)} of a 2-D tensor: a contiguous byte range of the file. */
    public Tensor rows(int first, int count) {
        return asMatrix().rowSlice(first, count);
    }
}
