package org.yalis.nativelib.reference;

/**
 * References of the elementwise kernels: dtype casts ({@code yalis_cast_*}, bit-exact), the residual
 * add ({@code yalis_add_bf16}, bit-exact) and SwiGLU ({@code yalis_silu_mul_bf16},
 * {@code yalis_silu_mul_fused_bf16}, float64).
 */
public final class ElementwiseReference {
    private ElementwiseReference() {
    }

    /** {@code yalis_cast_f32_to_bf16}: round to nearest even, NaN kept (bit-exact). */
    public static short[] castF32ToBf16(float[] in) {
        return Bf16.fromFloats(in);
    }

    /** {@code yalis_cast_bf16_to_f32}: exact. */
    public static float[] castBf16ToF32(short[] in) {
        return Bf16.toFloats(in);
    }

    /**
     * {@code yalis_cast_f16_to_bf16}: the exact f32 value of the f16, rounded to bf16 (bit-exact except
     * that a NaN's payload may differ; it stays a NaN).
     */
    public static short[] castF16ToBf16(short[] in) {
        short[] out = new short[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = Bf16.fromFloat(Float.float16ToFloat(in[i]));
        }
        return out;
    }

    /** {@code yalis_add_bf16}: {@code bf16(f32(acc) + f32(addend))} (bit-exact); returns the new acc. */
    public static short[] add(short[] acc, short[] addend) {
        requireSameLength(acc.length, addend.length);
        short[] out = new short[acc.length];
        for (int i = 0; i < acc.length; i++) {
            out[i] = Bf16.fromFloat(Bf16.toFloat(acc[i]) + Bf16.toFloat(addend[i]));
        }
        return out;
    }

    /** {@code silu(g) * u = g / (1 + e^-g) * u} in double. */
    public static double siluTimes(double g, double u) {
        return g / (1 + Math.exp(-g)) * u;
    }

    /** {@code yalis_silu_mul_bf16} in float64. */
    public static double[] siluMul(short[] gate, short[] up) {
        requireSameLength(gate.length, up.length);
        double[] out = new double[gate.length];
        for (int i = 0; i < gate.length; i++) {
            out[i] = siluTimes(Bf16.toFloat(gate[i]), Bf16.toFloat(up[i]));
        }
        return out;
    }

    /**
     * {@code yalis_silu_mul_fused_bf16} in float64: {@code gateUp} is {@code rows x 2*inter} with the gate
     * in columns {@code [0, inter)} and up in {@code [inter, 2*inter)}; the result is {@code rows x inter}.
     */
    public static double[] siluMulFused(short[] gateUp, int rows, int inter) {
        requireSameLength(gateUp.length, rows * 2 * inter);
        double[] out = new double[rows * inter];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < inter; c++) {
                out[r * inter + c] = siluTimes(Bf16.toFloat(gateUp[r * 2 * inter + c]),
                        Bf16.toFloat(gateUp[r * 2 * inter + inter + c]));
            }
        }
        return out;
    }

    private static void requireSameLength(int a, int b) {
        if (a != b) {
            throw new IllegalArgumentException("lengths differ: " + a + " and " + b);
        }
    }
}
