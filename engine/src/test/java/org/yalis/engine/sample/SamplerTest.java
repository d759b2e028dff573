package org.yalis.engine.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.yalis.engine.YalisException;

class SamplerTest {
    private static final float[] LOGITS = {1.0f, 3.0f, 2.0f, 3.0f, -1.0f, 0.5f};

    @Test
    void greedyTakesTheLargestLogitAndTheLowestIdOnTies() {
        assertEquals(1, Sampler.sample(LOGITS, 0, LOGITS.length, SamplingParams.greedy(), 0, 0));
        float[] shifted = {9f, 0f, 5f, 7f};
        assertEquals(2, Sampler.argmax(shifted, 1, 3), "offset rows are read from their own start");
    }

    @Test
    void topKOfOneAndTinyTopPAreGreedy() {
        for (int step = 0; step < 50; step++) {
            assertEquals(1, Sampler.sample(LOGITS, 0, LOGITS.length, new SamplingParams(1.5, 1, 1, 9), 0, step));
            assertEquals(1, Sampler.sample(LOGITS, 0, LOGITS.length, new SamplingParams(1.5, 0, 1e-6, 9), 0, step));
        }
    }

    @Test
    void topKKeepsOnlyTheKMostLikely() {
        Set<Integer> seen = new HashSet<>();
        for (int step = 0; step < 2000; step++) {
            seen.add(Sampler.sample(LOGITS, 0, LOGITS.length, new SamplingParams(5.0, 3, 1, 1), 0, step));
        }
        assertEquals(Set.of(1, 2, 3), seen);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // Probabilities at T=1: ids 1 and 3 share e^3 each; they hold ~0.63 of the mass, id 2 ~0.12.
        Set<Integer> seen = new HashSet<>();
        for (int step = 0; step < 2000; step++) {
            seen.add(Sampler.sample(LOGITS, 0, LOGITS.length, new SamplingParams(1.0, 0, 0.6, 5), 0, step));
        }
        assertEquals(Set.of(1, 3), seen);
    }

    @Test
    void frequenciesFollowTheSoftmaxAtTheTemperature() {
        double temperature = 0.7;
        double[] expected = new double[LOGITS.length];
        double total = 0;
        for (int i = 0; i < LOGITS.length; i++) {
            expected[i] = Math.exp(LOGITS[i] / temperature);
            total += expected[i];
        }
        int draws = 40_000;
        int[] counts = new int[LOGITS.length];
        for (int step = 0; step < draws; step++) {
            counts[Sampler.sample(LOGITS, 0, LOGITS.length, new SamplingParams(temperature, 0, 1, 11), 3, step)]++;
        }
        for (int i = 0; i < LOGITS.length; i++) {
            double p = expected[i] / total;
            double sigma = Math.sqrt(p * (1 - p) / draws);
            assertEquals(p, counts[i] / (double) draws, 5 * sigma + 1e-9, "token " + i);
        }
    }

    @Test
    void sameSeedStreamAndStepGiveTheSameToken() {
        float[] logits = new float[1000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.sin(i * 0.37) * 4;
        }
        SamplingParams params = new SamplingParams(0.9, 40, 0.95, 1234);
        for (int step = 0; step < 100; step++) {
            assertEquals(Sampler.sample(logits, 0, logits.length, params, 2, step),
                    Sampler.sample(logits.clone(), 0, logits.length, params, 2, step));
        }
    }

    @Test
    void invalidParametersAreRefusedWithTheFlagName() {
        YalisException negative = assertThrows(YalisException.class, () -> new SamplingParams(-0.1, 0, 1, 0));
        assertTrue(negative.getMessage().contains("--temperature"));
        assertTrue(assertThrows(YalisException.class, () -> new SamplingParams(1, 0, 0, 0)).getMessage()
                .contains("--top-p"));
        assertTrue(assertThrows(YalisException.class, () -> new SamplingParams(1, 0, 1.5, 0)).getMessage()
                .contains("--top-p"));
        assertTrue(assertThrows(YalisException.class, () -> new SamplingParams(1, -1, 1, 0)).getMessage()
                .contains("--top-k"));
        assertThrows(YalisException.class, () -> new SamplingParams(Double.NaN, 0, 1, 0));
    }
}
