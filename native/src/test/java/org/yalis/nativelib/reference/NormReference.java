package org.yalis.nativelib.reference;

/**
 * References of {@code yalis_rmsnorm_bf16}, {@code yalis_add_rmsnorm_bf16} and the split-hidden-state pair
 * {@code yalis_sum_of_squares_bf16} / {@code yalis_rmsnorm_from_sum_of_squares_bf16}, in float64.
 */
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

    /** {@code out[r] = sum of x[r][i]^2} for {@code rows x cols} bf16 x. */
    public static double[] sumOfSquares(short[] x, int rows, int cols) {
        if (x.length != rows * cols) {
            throw new IllegalArgumentException(x.length + " values for " + rows + " x " + cols);
        }
        double[] values = Bf16.toDoubles(x);
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) {
                out[r] += values[r * cols + i] * values[r * cols + i];
            }
        }
        return out;
    }

    /**
     * {@code out[r] = x[r] / sqrt(sumOfSquares[r] / width + eps) * weight}: this rank's {@code cols} of a
     * row of {@code width} features, normalised with the whole row's sum of squares.
     */
    public static double[] rmsnormFromSumOfSquares(short[] x, float[] sumOfSquares, short[] weight, int rows,
                                                   int cols, int width, double eps) {
        if (x.length != rows * cols || weight.length != cols || sumOfSquares.length != rows) {
            throw new IllegalArgumentException("shapes: " + x.length + " values, " + weight.length + " weights, "
                    + sumOfSquares.length + " sums for " + rows + " x " + cols);
        }
        double[] values = Bf16.toDoubles(x);
        double[] w = Bf16.toDoubles(weight);
        double[] out = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double scale = 1 / Math.sqrt(sumOfSquares[r] / (double) width + eps);
            for (int i = 0; i < cols; i++) {
                out[r * cols + i] = values[r * cols + i] * scale * w[i];
            }
        }
        return out;
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
