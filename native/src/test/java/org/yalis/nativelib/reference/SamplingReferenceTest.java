package org.yalis.nativelib.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SamplingReferenceTest {
    private static final float NAN = Float.NaN;
    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    @Test
    void argmaxTiesNanAndSignedZero() {
        assertEquals(1, SamplingReference.argmax(new float[] {1, 3, 2, 3}, 0, 4), "ties: lowest index");
        assertEquals(0, SamplingReference.argmax(new float[] {NAN, 3, 5}, 0, 3), "NaN at 0 stays");
        assertEquals(2, SamplingReference.argmax(new float[] {1, NAN, 5, NAN}, 0, 4), "NaN elsewhere loses");
        assertEquals(0, SamplingReference.argmax(new float[] {NAN, NAN}, 0, 2), "only NaN: 0");
        assertEquals(0, SamplingReference.argmax(new float[] {NEG_INF, NEG_INF}, 0, 2), "all -inf: 0");
        assertEquals(0, SamplingReference.argmax(new float[] {-0.0f, 0.0f}, 0, 2), "-0 ties with 0");
        assertArrayEquals(new int[] {1, 0}, SamplingReference.argmaxRows(new float[] {0, 1, 7, 6}, 2, 2));
    }

    @Test
    void softmaxWithTemperature() {
        // logits (0, ln 3): T = 1 -> (1/4, 3/4); T = 2 -> (1, sqrt 3) / (1 + sqrt 3).
        float[] logits = {0, (float) Math.log(3)};
        double[] p = SamplingReference.softmax(logits, 1, 2, 1);
        assertEquals(0.25, p[0], 1e-7);
        assertEquals(0.75, p[1], 1e-7);
        double[] warm = SamplingReference.softmax(logits, 1, 2, 2);
        assertEquals(1 / (1 + Math.sqrt(3)), warm[0], 1e-7);
        assertEquals(4.0 / 3, SamplingReference.rowSumExp(logits, 1, 2, 1)[0], 1e-7);
        assertEquals((float) Math.log(3), SamplingReference.rowMax(logits, 1, 2)[0]);
        assertEquals(0.0, SamplingReference.softmax(new float[] {0, NEG_INF}, 1, 2, 1)[1]);
    }

    @Test
    void countAbove() {
        float[] logits = {0, (float) Math.log(3)};
        var counts = SamplingReference.countAbove(logits, 1, 2, 1, new float[] {0.5f, 0.2f, 0.9f}, 3);
        assertArrayEquals(new int[] {1, 2, 0}, counts.counts());
        assertEquals(0.75, counts.masses()[0], 1e-7);
        assertEquals(1.0, counts.masses()[1], 1e-7);
        assertEquals(0.0, counts.masses()[2], 0);
    }
}
