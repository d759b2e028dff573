package org.yalis.engine.cpu;

import java.lang.foreign.ValueLayout;

import org.yalis.engine.tensor.Tensor;

/** Scalar reads of one element of a float tensor of any stored dtype, as f32. */
public final class Numerics {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private Numerics() {
    }

    public static float load(Tensor tensor, long index) {
        return switch (tensor.dtype()) {
            case F32 -> tensor.data().getAtIndex(FLOAT, index);
            case BF16 -> bf16ToFloat(tensor.data().getAtIndex(SHORT, index));
            case F16 -> Float.float16ToFloat(tensor.data().getAtIndex(SHORT, index));
            case I32, Q8_0 -> throw new IllegalArgumentException("not an element-wise float tensor: " + tensor);
        };
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** Round-to-nearest-even, as PyTorch converts f32 to bf16 (NaN stays NaN). */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
