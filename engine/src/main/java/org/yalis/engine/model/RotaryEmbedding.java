package org.yalis.engine.model;

/**
 * RoPE frequencies and the cosine/sine tables the forward pass indexes by position.
 *
 * <p>Frequencies follow Hugging Face's {@code _compute_default_rope_parameters} and
 * {@code _compute_llama3_parameters}; angles are computed in double and rounded once to float.
 */
public final class RotaryEmbedding {
    private RotaryEmbedding() {
    }

    /** {@code inv_freq[j]} for {@code j < headDim/2}, scaled as the config says. */
    public static double[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        int half = headDim / 2;
        double[] frequencies = new double[half];
        for (int j = 0; j < half; j++) {
            frequencies[j] = 1.0 / Math.pow(theta, (2.0 * j) / headDim);
        }
        switch (scaling) {
            case RopeScaling.None none -> {
            }
            case RopeScaling.Linear linear -> {
                for (int j = 0; j < half; j++) {
                    frequencies[j] /= linear.factor();
                }
            }
            case RopeScaling.Llama3 llama3 -> {
                double lowFreqWavelength = llama3.originalMaxPositions() / llama3.lowFreqFactor();
                double highFreqWavelength = llama3.originalMaxPositions() / llama3.highFreqFactor();
                for (int j = 0; j < half; j++) {
                    double wavelength = 2 * Math.PI / frequencies[j];
                    if (wavelength > lowFreqWavelength) {
                        frequencies[j] /= llama3.factor();
                    } else if (wavelength >= highFreqWavelength) {
                        double smooth = (llama3.originalMaxPositions() / wavelength - llama3.lowFreqFactor())
                                / (llama3.highFreqFactor() - llama3.lowFreqFactor());
                        frequencies[j] = (1 - smooth) * frequencies[j] / llama3.factor() + smooth * frequencies[j];
                    }
                }
            }
        }
        return frequencies;
    }

    /** Row-major {@code positions x headDim/2} tables of {@code cos} and {@code sin} of {@code position * inv_freq}. */
    public static float[][] tables(double[] inverseFrequencies, int positions) {
        int half = inverseFrequencies.length;
        float[] cos = new float[positions * half];
        float[] sin = new float[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int j = 0; j < half; j++) {
                double angle = p * inverseFrequencies[j];
                cos[p * half + j] = (float) Math.cos(angle);
                sin[p * half + j] = (float) Math.sin(angle);
            }
        }
        return new float[][] {cos, sin};
    }
}
