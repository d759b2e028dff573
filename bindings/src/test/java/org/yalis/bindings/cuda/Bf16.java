package org.yalis.bindings.cuda;

/** bfloat16 conversions for the GPU tests' inputs and outputs (the upper 16 bits of a float). */
final class Bf16 {
    private Bf16() {
    }

    /** Round to nearest even, as PyTorch and CUDA's {@code __float2bfloat16} do (no NaN inputs here). */
    static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    static float toFloat(short value) {
        return Float.intBitsToFloat((value & 0xFFFF) << 16);
    }

    /** ||actual - expected|| / ||expected|| (Euclidean norms). */
    static double relativeError(double[] actual, double[] expected) {
        double difference = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            difference += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        return Math.sqrt(difference / norm);
    }
}
