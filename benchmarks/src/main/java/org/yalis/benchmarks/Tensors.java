package org.yalis.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import org.yalis.engine.cpu.CpuBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * Random inputs for the kernels, placed where the engine places them: weights through
 * {@link CpuBackend#loadMatrix} (its weight store; quantized when the backend quantizes), activations
 * from {@link CpuBackend#allocate}.
 * Values are uniform in [-0.5, 0.5): no subnormals, infinities or NaNs to slow a kernel down.
 */
final class Tensors {
    private Tensors() {
    }

    /**
     * {@code copies} weights, each loaded into the backend's weight store on its own (each from its own
     * source: the backend places a source it has seen once, as a view).
     */
    static Tensor[] weights(CpuBackend backend, DType dtype, int rows, int cols, long seed, int copies) {
        try (Arena host = Arena.ofConfined()) {
            Tensor template = new Tensor(host.allocate((long) rows * cols * dtype.byteSize(), 64), dtype, rows, cols);
            fill(template, seed);
            Tensor[] loaded = new Tensor[copies];
            for (int i = 0; i < copies; i++) {
                try (Arena copy = Arena.ofConfined()) {
                    Tensor source = new Tensor(copy.allocate(template.byteSize(), 64), dtype, rows, cols);
                    source.data().copyFrom(template.data());
                    loaded[i] = backend.loadMatrix(source, 0, cols);
                }
            }
            return loaded;
        }
    }

    static Tensor activations(CpuBackend backend, int rows, int cols, long seed) {
        Tensor tensor = backend.allocate(DType.F32, rows, cols);
        fill(tensor, seed);
        return tensor;
    }

    /** The next value of a fill: uniform in [-0.5, 0.5). */
    static float next(SplittableRandom random) {
        return (float) (random.nextDouble() - 0.5);
    }

    /** Fills {@code tensor} with values drawn from {@code seed}, rounded to its dtype. */
    static void fill(Tensor tensor, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        MemorySegment data = tensor.data();
        for (long i = 0; i < tensor.elementCount(); i++) {
            float value = next(random);
            switch (tensor.dtype()) {
                case F32 -> data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, value);
                // bf16 is the high half of the f32 bits (truncated: rounding does not matter here).
                case BF16 -> data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i,
                        (short) (Float.floatToRawIntBits(value) >>> 16));
                case F16 -> data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(value));
                case I32, Q8_0 -> throw new IllegalArgumentException("random values for " + tensor);
            }
        }
    }
}
