package org.yalis.nativelib.reference;

/**
 * bf16 bits as Java shorts. {@link #fromFloat} is the rounding every kernel uses (and
 * org.yalis.engine.cpu.Numerics.floatToBf16): round to nearest even, overflow to infinity, a NaN stays
 * a NaN with its sign and top payload bits and the quiet bit set.
 */
public final class Bf16 {
    /** The NaN pattern kernels write where an index was out of range (all bits set). */
    public static final short POISON = (short) 0xFFFF;

    private Bf16() {
    }

    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    public static short[] fromFloats(float[] values) {
        short[] bits = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = fromFloat(values[i]);
        }
        return bits;
    }

    public static float[] toFloats(short[] bits) {
        float[] values = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            values[i] = toFloat(bits[i]);
        }
        return values;
    }

    public static double[] toDoubles(short[] bits) {
        double[] values = new double[bits.length];
        for (int i = 0; i < bits.length; i++) {
            values[i] = toFloat(bits[i]);
        }
        return values;
    }
}
