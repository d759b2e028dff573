package org.yalis.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;

class RotaryEmbeddingTest {
    private static final RopeScaling.Llama3 LLAMA_3_1 = new RopeScaling.Llama3(8, 1, 4, 8192);

    @Test
    void defaultFrequenciesHandCase() {
        // head_dim 4, theta 10000: j = 0 -> 10000^0 = 1, j = 1 -> 10000^(-2/4) = 1/100
        assertArrayEquals(new double[] {1.0, 0.01},
                RotaryEmbedding.inverseFrequencies(4, 10000, new RopeScaling.None()), 1e-17);
    }

    @Test
    void defaultFrequenciesAreThetaToTheMinusTwoJOverD() {
        for (int headDim : new int[] {2, 8, 64, 96, 128}) {
            for (double theta : new double[] {10000, 500000, 1e6}) {
                double[] frequencies = RotaryEmbedding.inverseFrequencies(headDim, theta, new RopeScaling.None());
                assertEquals(headDim / 2, frequencies.length);
                for (int j = 0; j < headDim / 2; j++) {
                    double expected = Math.exp(-(2.0 * j / headDim) * Math.log(theta));
                    assertRelativelyClose(expected, frequencies[j], 1e-13, "d=" + headDim + " theta=" + theta + " j=" + j);
                }
            }
        }
    }

    @Test
    void linearScalingDividesEveryFrequencyByTheFactor() {
        double[] plain = RotaryEmbedding.inverseFrequencies(64, 10000, new RopeScaling.None());
        double[] linear = RotaryEmbedding.inverseFrequencies(64, 10000, new RopeScaling.Linear(4));
        for (int j = 0; j < plain.length; j++) {
            assertRelativelyClose(plain[j] / 4, linear[j], 1e-15, "j=" + j);
        }
        assertEquals(0.25, linear[0], 0);
    }

    /** Llama 3.1 (head_dim 128, theta 500000, factor 8, low 1, high 4, original 8192), values by hand. */
    @Test
    void llama3ScalingHandValuesForLlama31() {
        double[] plain = RotaryEmbedding.inverseFrequencies(128, 500000, new RopeScaling.None());
        double[] scaled = RotaryEmbedding.inverseFrequencies(128, 500000, LLAMA_3_1);
        // j = 0: frequency 1, wavelength 2 pi < 8192 / 4 = 2048: high frequency, unchanged
        assertEquals(1.0, scaled[0], 0);
        // j = 63: frequency 500000^(-126/128) = 2.4551408e-6, wavelength 2.56e6 > 8192 / 1: divided by 8
        assertRelativelyClose(3.0689260e-7, scaled[63], 1e-7, "j=63");
        assertEquals(plain[63] / 8, scaled[63], 0);
        // j = 32 is in the smooth band:
        //   frequency  = 500000^(-64/128) = 1 / sqrt(500000) = 1 / 707.10678 = 0.00141421356
        //   wavelength = 2 pi * 707.10678 = 4442.8829, between 2048 and 8192
        //   smooth     = (8192 / 4442.8829 - 1) / (4 - 1) = (1.8438478 - 1) / 3 = 0.2812826
        //   scaled     = frequency * ((1 - smooth) / 8 + smooth) = 0.00141421356 * (0.0898397 + 0.2812826)
        //              = 0.00141421356 * 0.3711223 = 0.00052484616
        assertRelativelyClose(0.00052484616, scaled[32], 1e-7, "j=32");
        // the band is j = 29..34: wavelength(28) = 1956.5 < 2048 stays, wavelength(35) = 8218.7 > 8192 is divided
        assertEquals(plain[28], scaled[28], 0);
        assertEquals(plain[35] / 8, scaled[35], 0);
        for (int j = 29; j <= 34; j++) {
            if (!(scaled[j] < plain[j] && scaled[j] > plain[j] / 8)) {
                fail("j=" + j + " should be strictly between the plain and the divided frequency: " + scaled[j]);
            }
        }
    }

    @Test
    void llama3ScalingMatchesHuggingFaceReference() {
        record Case(int headDim, double theta, RopeScaling.Llama3 scaling) {
        }
        Case[] cases = {
            new Case(128, 500000, LLAMA_3_1),
            new Case(64, 500000, new RopeScaling.Llama3(32, 1, 4, 8192)),      // Llama 3.2 1B
            new Case(96, 10000, new RopeScaling.Llama3(4, 2, 8, 1024)),
            new Case(16, 10000, new RopeScaling.Llama3(2, 1, 4, 64)),
        };
        for (Case c : cases) {
            double[] expected = huggingFaceLlama3(c.headDim(), c.theta(), c.scaling().factor(),
                    c.scaling().lowFreqFactor(), c.scaling().highFreqFactor(), c.scaling().originalMaxPositions());
            double[] actual = RotaryEmbedding.inverseFrequencies(c.headDim(), c.theta(), c.scaling());
            assertEquals(expected.length, actual.length);
            for (int j = 0; j < expected.length; j++) {
                assertRelativelyClose(expected[j], actual[j], 1e-13, c + " j=" + j);
            }
        }
    }

    /**
     * Hugging Face's {@code _compute_llama3_parameters}, written the way it is there (whole-array
     * steps with {@code torch.where}), in double:
     * <pre>
     * wavelen = 2 * pi / inv_freq
     * inv_freq_llama = where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
     * smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
     * smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
     * is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
     * inv_freq_llama = where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)
     * </pre>
     */
    private static double[] huggingFaceLlama3(int dim, double base, double factor, double lowFreqFactor,
                                              double highFreqFactor, int oldContextLength) {
        int half = dim / 2;
        double[] invFreq = new double[half];
        for (int i = 0; i < half; i++) {
            invFreq[i] = 1.0 / Math.pow(base, (double) (2 * i) / dim);   // arange(0, dim, 2) / dim
        }
        double lowFreqWavelen = oldContextLength / lowFreqFactor;
        double highFreqWavelen = oldContextLength / highFreqFactor;
        double[] wavelen = new double[half];
        double[] invFreqLlama = new double[half];
        for (int i = 0; i < half; i++) {
            wavelen[i] = 2 * Math.PI / invFreq[i];
            invFreqLlama[i] = wavelen[i] > lowFreqWavelen ? invFreq[i] / factor : invFreq[i];
        }
        double[] result = new double[half];
        for (int i = 0; i < half; i++) {
            double smoothFactor = (oldContextLength / wavelen[i] - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
            double smoothed = (1 - smoothFactor) * invFreqLlama[i] / factor + smoothFactor * invFreqLlama[i];
            boolean isMedium = !(wavelen[i] < highFreqWavelen) && !(wavelen[i] > lowFreqWavelen);
            result[i] = isMedium ? smoothed : invFreqLlama[i];
        }
        return result;
    }

    @Test
    void tablesHoldCosAndSinOfPositionTimesFrequency() {
        double[] frequencies = {1.0, 0.5};
        float[][] tables = RotaryEmbedding.tables(frequencies, 3);
        // row p, column j: angle p * frequency[j]; row 2 = angles (2, 1)
        assertArrayEquals(new float[] {1, 1, (float) Math.cos(1), (float) Math.cos(0.5), (float) Math.cos(2),
            (float) Math.cos(1)}, tables[0], 0f);
        assertArrayEquals(new float[] {0, 0, (float) Math.sin(1), (float) Math.sin(0.5), (float) Math.sin(2),
            (float) Math.sin(1)}, tables[1], 0f);
        assertEquals(-0.41614684f, tables[0][4], 1e-7f);   // cos 2
        assertEquals(0.9092974f, tables[1][4], 1e-7f);     // sin 2
    }

    private static void assertRelativelyClose(double expected, double actual, double relative, String where) {
        if (!(Math.abs(actual - expected) <= relative * Math.abs(expected))) {
            fail(where + ": expected " + expected + ", got " + actual);
        }
    }
}
