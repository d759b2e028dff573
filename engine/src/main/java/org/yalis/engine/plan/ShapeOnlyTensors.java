package org.yalis.engine.plan;

import java.lang.foreign.MemorySegment;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * Tensors with a shape and a size but no memory: a segment at address zero, never read or written. The
 * shape-only backend, attention and communicators below only look at shapes, so the engine's loading and
 * forward code runs on them unchanged.
 */
final class ShapeOnlyTensors {
    private ShapeOnlyTensors() {
    }

    static MemorySegment bytes(long size) {
        return MemorySegment.NULL.reinterpret(size);
    }

    static Tensor tensor(DType dtype, int rows, int cols) {
        return new Tensor(bytes(dtype.bytesFor(rows, cols)), dtype, rows, cols);
    }
}
