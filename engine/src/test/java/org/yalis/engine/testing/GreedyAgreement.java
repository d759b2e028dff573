package org.yalis.engine.testing;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * How the greedy token ids of a bf16 run (the CUDA path) are compared with the f32 CPU run of the same
 * model and prompt: they must be equal, or, at the first position where they differ, the candidate's
 * token must be among the reference's {@value #TOP} most likely tokens there (the reference's logits
 * after the prompt and the common prefix). bf16 activations move logits by about 1e-2 relative, enough
 * to swap two nearly tied tokens but not to pick one the reference thought unlikely; after the first
 * divergence the two runs continue different texts, so nothing after it is compared.
 */
public final class GreedyAgreement {
    /** How far down the reference's ranking the candidate's diverging token may be. */
    public static final int TOP = 5;

    private GreedyAgreement() {
    }

    /**
     * @param agrees          whether the rule holds
     * @param firstDivergence the first index where the ids differ, -1 when they are equal
     * @param referenceTop    the reference's {@value #TOP} best tokens at that index, best first (empty when equal)
     * @param explanation     one line for a report
     */
    public record Verdict(boolean agrees, int firstDivergence, int[] referenceTop, String explanation) {
    }

    /**
     * @param reference       the f32 CPU run's generated ids
     * @param candidate       the run under test's generated ids, as many
     * @param referenceLogits the reference's logits for the token at index {@code i} (after the prompt and
     *                        {@code reference[0..i)}); called at most once, at the first divergence
     */
    public static Verdict check(int[] reference, int[] candidate, IntFunction<float[]> referenceLogits) {
        if (reference.length != candidate.length) {
            return new Verdict(false, Math.min(reference.length, candidate.length), new int[0], "the runs generated "
                    + reference.length + " and " + candidate.length + " tokens; compare runs of a fixed length");
        }
        int first = mismatch(reference, candidate);
        if (first < 0) {
            return new Verdict(true, -1, new int[0], "equal (" + reference.length + " tokens)");
        }
        int[] top = topIndices(referenceLogits.apply(first), TOP);
        boolean near = Arrays.stream(top).anyMatch(token -> token == candidate[first]);
        int rank = rank(top, candidate[first]);
        String explanation = "first divergence at token " + first + " of " + reference.length + ": reference "
                + reference[first] + ", candidate " + candidate[first] + (near ? " (the reference's #" + rank
                + " choice)" : " (not in the reference's top " + TOP + " " + Arrays.toString(top) + ")");
        return new Verdict(near, first, top, explanation);
    }

    private static int mismatch(int[] a, int[] b) {
        return Arrays.mismatch(a, b);
    }

    private static int rank(int[] top, int token) {
        for (int i = 0; i < top.length; i++) {
            if (top[i] == token) {
                return i + 1;
            }
        }
        return -1;
    }

    /** The indices of the {@code k} largest logits, largest first; ties go to the lower index, NaN last. */
    public static int[] topIndices(float[] logits, int k) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> {
            float a = Float.isNaN(logits[x]) ? Float.NEGATIVE_INFINITY : logits[x];
            float b = Float.isNaN(logits[y]) ? Float.NEGATIVE_INFINITY : logits[y];
            int byValue = Float.compare(b, a);
            return byValue != 0 ? byValue : Integer.compare(x, y);
        });
        int[] top = new int[Math.min(k, order.length)];
        for (int i = 0; i < top.length; i++) {
            top[i] = order[i];
        }
        return top;
    }
}
