package org.yalis.nativelib.reference;

/**
 * References of {@code yalis_argmax_f32}/{@code _bf16} (bit-exact) and of the sampling helpers
 * {@code yalis_softmax_f32}, {@code yalis_row_max_sumexp_f32} and {@code yalis_count_above_f32}
 * (float64, the way org.yalis.engine.sample.Sampler computes its softmax: {@code exp((x - max) / T)}).
 */
public final class SamplingReference {
    private SamplingReference() {
    }

    /**
     * Sampler.argmax's semantics: start at index 0 and move only to a strictly greater value. So the
     * lowest index among the largest values wins, NaN never wins, a NaN at index 0 stays, and -0.0
     * ties with 0.0.
     */
    public static int argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        float bestValue = logits[offset];
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > bestValue) {
                bestValue = logits[offset + i];
                best = i;
            }
        }
        return best;
    }

    public static int[] argmaxRows(float[] logits, int rows, int vocab) {
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = argmax(logits, r * vocab, vocab);
        }
        return out;
    }

    public static int[] argmaxRows(short[] logits, int rows, int vocab) {
        return argmaxRows(Bf16.toFloats(logits), rows, vocab);
    }

    /** The largest logit of each row, NaN ignored (-infinity for a row of only NaN). */
    public static float[] rowMax(float[] logits, int rows, int vocab) {
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            float m = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) {
                float x = logits[r * vocab + i];
                if (x > m) {
                    m = x;
                }
            }
            out[r] = m;
        }
        return out;
    }

    /** {@code sum_i exp((x_i - max) / T)} of each row. */
    public static double[] rowSumExp(float[] logits, int rows, int vocab, double temperature) {
        float[] max = rowMax(logits, rows, vocab);
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int i = 0; i < vocab; i++) {
                sum += Math.exp((logits[r * vocab + i] - (double) max[r]) / temperature);
            }
            out[r] = sum;
        }
        return out;
    }

    /** Probabilities {@code exp((x_i - max) / T) / sum}, row by row. */
    public static double[] softmax(float[] logits, int rows, int vocab, double temperature) {
        float[] max = rowMax(logits, rows, vocab);
        double[] sum = rowSumExp(logits, rows, vocab, temperature);
        double[] out = new double[rows * vocab];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < vocab; i++) {
                out[r * vocab + i] = Math.exp((logits[r * vocab + i] - (double) max[r]) / temperature) / sum[r];
            }
        }
        return out;
    }

    /** Per row and threshold: how many tokens have probability at least the threshold, and their mass. */
    public record CountAbove(int[] counts, double[] masses) {
    }

    /** {@code thresholds} is {@code rows x count} probabilities, like the kernel's. */
    public static CountAbove countAbove(float[] logits, int rows, int vocab, double temperature, float[] thresholds,
                                        int count) {
        double[] p = softmax(logits, rows, vocab, temperature);
        int[] counts = new int[rows * count];
        double[] masses = new double[rows * count];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < count; k++) {
                for (int i = 0; i < vocab; i++) {
                    if (p[r * vocab + i] >= thresholds[r * count + k]) {
                        counts[r * count + k]++;
                        masses[r * count + k] += p[r * vocab + i];
                    }
                }
            }
        }
        return new CountAbove(counts, masses);
    }
}
