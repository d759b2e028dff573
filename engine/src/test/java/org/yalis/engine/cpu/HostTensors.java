package org.yalis.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/** Builds host tensors of f32, bf16 or f16 values for the CPU backend tests, and the values as stored. */
final class HostTensors {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** One unit in the last place of 1.0f: the f32 rounding unit is half of it. */
    static final double F32_UNIT_ROUNDOFF = 0x1p-24;

    private HostTensors() {
    }

    /**
     * A {@code rows x cols} host tensor in {@code dtype} holding {@code values} rounded to nearest even
     * (bf16 through {@link Numerics#floatToBf16}, f16 through {@link Float#floatToFloat16}). The
     * segment comes from {@code arena}, which must be shared: with placement {@code MMAP} the compute
     * pool's threads read it directly.
     */
    static Tensor hostTensor(Arena arena, DType dtype, int rows, int cols, float[] values) {
        if (values.length != rows * cols) {
            throw new IllegalArgumentException(values.length + " values for " + rows + "x" + cols);
        }
        MemorySegment segment = arena.allocate(Math.max(1L, (long) values.length * dtype.byteSize()), 64);
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case F32 -> segment.setAtIndex(FLOAT, i, values[i]);
                case BF16 -> segment.setAtIndex(SHORT, i, Numerics.floatToBf16(values[i]));
                case F16 -> segment.setAtIndex(SHORT, i, Float.floatToFloat16(values[i]));
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        }
        return new Tensor(segment, dtype, rows, cols);
    }

    /** A host tensor of raw 16-bit patterns (bf16 or f16). */
    static Tensor hostBits(Arena arena, DType dtype, int rows, int cols, short[] bits) {
        MemorySegment segment = arena.allocate(Math.max(1L, (long) bits.length * 2), 64);
        MemorySegment.copy(bits, 0, segment, SHORT, 0, bits.length);
        return new Tensor(segment, dtype, rows, cols);
    }

    /**
     * The values as {@code dtype} stores them, decoded independently of the engine: bf16 is the high
     * half of an f32, f16 goes through the JDK's conversion.
     */
    static float[] storedValues(DType dtype, float[] values) {
        float[] stored = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            stored[i] = switch (dtype) {
                case F32 -> values[i];
                case BF16 -> Float.intBitsToFloat(Numerics.floatToBf16(values[i]) << 16);
                case F16 -> Float.float16ToFloat(Float.floatToFloat16(values[i]));
                default -> throw new IllegalArgumentException(dtype.toString());
            };
        }
        return stored;
    }

    /** A backend tensor of f32 activations holding {@code values}. */
    static Tensor activations(ComputeBackend backend, int rows, int cols, float[] values) {
        Tensor tensor = backend.allocate(DType.F32, rows, cols);
        backend.copyFromHost(values, tensor);
        return tensor;
    }

    static Tensor indices(ComputeBackend backend, int[] values) {
        Tensor tensor = backend.allocate(DType.I32, 1, values.length);
        backend.copyFromHost(values, tensor);
        return tensor;
    }

    static float[] read(ComputeBackend backend, Tensor tensor) {
        float[] values = new float[(int) tensor.elementCount()];
        backend.copyToHost(tensor, values);
        return values;
    }

    /** Uniform values in {@code [-1, 1)}. */
    static float[] uniform(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }
}
