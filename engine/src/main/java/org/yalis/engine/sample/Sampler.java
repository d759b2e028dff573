package org.yalis.engine.sample;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Picks a token from one row of logits. Deterministic: the result depends only on the logits, the
 * parameters and (for random sampling) the Philox stream and step, so every rank agrees.
 *
 * <p>Cuts apply as in Hugging Face's warpers: temperature, then top-k, then top-p measured on the
 * distribution that top-k left (renormalised).
 */
public final class Sampler {
    private static final long ORDER_MASK = (1L << 42) - 1;
    private static final int ID_BITS = 21;

    private Sampler() {
    }

    /** The index of the largest logit (the lowest index on ties). */
    public static int argmax(float[] logits, int offset, int vocab) {
        return argmax(MemorySegment.ofArray(logits), offset, vocab);
    }

    /**
     * {@link #argmax(float[], int, int)} over f32 values in memory (a CPU backend's logits): the lowest
     * index of the largest value; a NaN never wins, except at index 0, where the scan starts.
     */
    public static int argmax(MemorySegment logits, long offset, int vocab) {
        int best = 0;
        float bestValue = logits.getAtIndex(ValueLayout.JAVA_FLOAT, offset);
        for (int i = 1; i < vocab; i++) {
            float value = logits.getAtIndex(ValueLayout.JAVA_FLOAT, offset + i);
            if (value > bestValue) {
                bestValue = value;
                best = i;
            }
        }
        return best;
    }

    /**
     * Samples from {@code logits[offset .. offset+vocab)}.
     *
     * @param stream which request is drawing (its Philox stream)
     * @param step   which of its draws this is
     */
    public static int sample(float[] logits, int offset, int vocab, SamplingParams params, long stream, int step) {
        if (params.isGreedy()) {
            return argmax(logits, offset, vocab);
        }
        double[] probabilities = softmax(logits, offset, vocab, params.temperature());
        double draw = Philox.uniform(params.seed(), stream, step);
        if (params.topK() == 0 && params.topP() == 1) {
            return drawInOrder(probabilities, null, vocab, draw);
        }
        int[] ranked = mostLikelyFirst(probabilities, params);
        int kept = params.topK() > 0 ? Math.min(params.topK(), ranked.length) : ranked.length;
        double keptMass = 1.0;
        if (params.topK() > 0) {
            keptMass = 0;
            for (int i = 0; i < kept; i++) {
                keptMass += probabilities[ranked[i]];
            }
        }
        if (params.topP() < 1) {
            double target = params.topP() * keptMass;
            double mass = 0;
            for (int i = 0; i < kept; i++) {
                mass += probabilities[ranked[i]];
                if (mass >= target) {
                    kept = i + 1;
                    keptMass = mass;
                    break;
                }
            }
        }
        return drawInOrder(probabilities, ranked, kept, draw * keptMass);
    }

    private static double[] softmax(float[] logits, int offset, int vocab, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double[] probabilities = new double[vocab];
        double total = 0;
        for (int i = 0; i < vocab; i++) {
            double p = Math.exp((logits[offset + i] - max) / temperature);
            probabilities[i] = p;
            total += p;
        }
        for (int i = 0; i < vocab; i++) {
            probabilities[i] /= total;
        }
        return probabilities;
    }

    /** Walks the first {@code count} tokens (in {@code order}, or by id) until their mass passes {@code draw}. */
    private static int drawInOrder(double[] probabilities, int[] order, int count, double draw) {
        double cumulative = 0;
        for (int i = 0; i < count; i++) {
            int id = order == null ? i : order[i];
            cumulative += probabilities[id];
            if (draw < cumulative) {
                return id;
            }
        }
        // Rounding left the draw past the last cumulative sum: take the last token that can be drawn.
        for (int i = count - 1; i >= 0; i--) {
            int id = order == null ? i : order[i];
            if (probabilities[id] > 0) {
                return id;
            }
        }
        return order == null ? 0 : order[0];
    }

    /**
     * Token ids in decreasing probability (ties: lower id first), restricted to the ones the cuts can
     * reach. Sorting all of a 128K vocabulary every token would dominate a CPU decode step, so only
     * tokens at or above a threshold are sorted; the threshold drops until they are at least top-k
     * many (then they include the top k) or, without top-k, hold at least top-p of the mass (then
     * they include the nucleus).
     */
    private static int[] mostLikelyFirst(double[] probabilities, SamplingParams params) {
        int vocab = probabilities.length;
        double threshold = 0;
        for (double p : probabilities) {
            threshold = Math.max(threshold, p);
        }
        int[] candidates = new int[vocab];
        int count;
        while (true) {
            count = 0;
            double mass = 0;
            for (int i = 0; i < vocab; i++) {
                if (probabilities[i] >= threshold) {
                    candidates[count++] = i;
                    mass += probabilities[i];
                }
            }
            boolean enough = params.topK() > 0 ? count >= Math.min(params.topK(), vocab) : mass >= params.topP();
            if (enough || threshold == 0) {
                break;
            }
            threshold = threshold > 1e-300 ? threshold / 16 : 0;
        }
        long[] keys = new long[count];
        for (int i = 0; i < count; i++) {
            int id = candidates[i];
            // For p >= 0 the IEEE bits grow with p; the top 42 of them order the tokens, the id breaks ties.
            long order = Double.doubleToLongBits(probabilities[id]) >>> 22;
            keys[i] = ((ORDER_MASK - order) << ID_BITS) | id;
        }
        Arrays.sort(keys);
        int[] ranked = new int[count];
        for (int i = 0; i < count; i++) {
            ranked[i] = (int) (keys[i] & ((1L << ID_BITS) - 1));
        }
        return ranked;
    }
}
