package org.yalis.engine.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The greedy-ids rule: equal, or within the reference's top 5 at the first divergence. */
class GreedyAgreementTest {
    /** Logits over 10 tokens where token t has value {@code scores[t]}. */
    private static float[] logits(float... scores) {
        return scores;
    }

    private static final float[] RANKING = logits(0.1f, 0.9f, 0.5f, 0.7f, 0.2f, 0.8f, 0.3f, 0.6f, 0.4f, 0f);
    // best first: 1 (0.9), 5 (0.8), 3 (0.7), 7 (0.6), 2 (0.5), 8 (0.4), ...

    @Test
    void equalIdsAgreeWithoutAskingForLogits() {
        List<Integer> asked = new ArrayList<>();
        GreedyAgreement.Verdict verdict = GreedyAgreement.check(new int[] {4, 5, 6}, new int[] {4, 5, 6}, i -> {
            asked.add(i);
            return RANKING;
        });
        assertTrue(verdict.agrees());
        assertEquals(-1, verdict.firstDivergence());
        assertTrue(asked.isEmpty());
    }

    @Test
    void aDivergenceWithinTheTopFiveAgreesAndLaterTokensAreNotCompared() {
        List<Integer> asked = new ArrayList<>();
        GreedyAgreement.Verdict verdict = GreedyAgreement.check(new int[] {9, 1, 1, 1}, new int[] {9, 2, 0, 0}, i -> {
            asked.add(i);
            return RANKING;
        });
        assertTrue(verdict.agrees(), verdict.explanation());
        assertEquals(1, verdict.firstDivergence());
        assertEquals(List.of(1), asked, "the reference's logits at the first divergence only");
        assertArrayEquals(new int[] {1, 5, 3, 7, 2}, verdict.referenceTop());
        assertTrue(verdict.explanation().contains("#5 choice"), verdict.explanation());
    }

    @Test
    void aDivergenceOutsideTheTopFiveFails() {
        GreedyAgreement.Verdict verdict = GreedyAgreement.check(new int[] {1, 1}, new int[] {1, 8}, i -> RANKING);
        assertFalse(verdict.agrees());
        assertEquals(1, verdict.firstDivergence());
        assertTrue(verdict.explanation().contains("not in the reference's top 5 [1, 5, 3, 7, 2]"),
                verdict.explanation());
    }

    @Test
    void runsOfDifferentLengthsDoNotAgree() {
        assertFalse(GreedyAgreement.check(new int[] {1, 2}, new int[] {1}, i -> RANKING).agrees());
    }

    @Test
    void topIndicesBreakTiesTowardsTheLowerIndexAndPutNaNLast() {
        assertArrayEquals(new int[] {2, 0, 3}, GreedyAgreement.topIndices(logits(1f, Float.NaN, 3f, 1f), 3));
        assertArrayEquals(new int[] {0, 1}, GreedyAgreement.topIndices(logits(5f, 5f), 9));
    }
}
