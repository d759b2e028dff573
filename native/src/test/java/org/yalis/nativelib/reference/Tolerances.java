package org.yalis.nativelib.reference;

/**
 * The error bounds of KERNELS.md, for {@link RelativeError} against a float64 reference on the same
 * (bf16) inputs. METHOD.md: f32 arithmetic lands far under 1e-3; bf16 operands and outputs between
 * 1e-3 and 1e-2. Kernels listed as bit-exact in KERNELS.md are compared bit for bit instead.
 */
public final class Tolerances {
    /** Kernels whose output is bf16 (one rounding of a f32 result is about 2^-9 relative per element). */
    public static final double BF16_OUTPUT = 1e-2;
    /** Kernels whose output is f32 computed in f32 from exact inputs (softmax, sums, decode partials). */
    public static final double F32_OUTPUT = 1e-4;

    private Tolerances() {
    }
}
