package org.yalis.nativelib.reference;

/** References of {@code yalis_rmsnorm_bf16} and {@code yalis_add_rmsnorm_bf16}, in float64. */
public final class NormReference {
    private NormReference() {
    }

    /** {@code out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * weight} for {@code rows x hidden} bf16 x. */
    public static double[] rmsnorm(short[] x, short[] weight, int rows, int hidden, double eps) {
        return normalise(Bf16.toDoubles(x), Bf16.toDoubles(weight), rows, hidden, eps);
    }

    /**
     * The fused kernel's two results: the new residual, {@code bf16(residual + x)} rounded once (bit-exact),
     * and the float64 rmsnorm of that rounded residual.
     */
    public record AddRmsnorm(short[] residual, double[] out) {
    }

    public static AddRmsnorm addRmsnorm(short[] residual, short[] x, short[] weight, int rows, int hidden,
                                        double eps) {
        short[] sum = ElementwiseReference.add(residual, x);
        return new AddRmsnorm(sum, normalise(Bf16.toDoubles(sum), Bf16.toDoubles(weight), rows, hidden, eps));
    }

    private static double[] normalise(double[] x, double[] weight, int rows, int hidden, double eps) {
        if (x.length != rows * hidden || weight.length != hidden) {
            throw new IllegalArgumentException("rmsnorm shapes: " + x.length + " values, " + weight.length
                    + " weights, " + rows + " x " + hidden);
        }
        double[] out = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double squares = 0;
            for (int i = 0; i < hidden; i++) {
                squares += x[r * hidden + i] * x[r * hidden + i];
            }
            double scale = 1 / Math.sqrt(squares / hidden + eps);
            for (int i = 0; i < hidden; i++) {
                out[r * hidden + i] = x[r * hidden + i] * scale * weight[i];
            }
        }
        return out;
    }
}
