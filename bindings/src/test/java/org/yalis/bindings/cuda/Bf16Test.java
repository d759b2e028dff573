package org.yalis.bindings.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The GPU tests' reference rests on these conversions, so they are checked where no GPU is needed. */
class Bf16Test {
    @Test
    void roundsToNearestEvenAndRoundTrips() {
        assertEquals((short) 0x3F80, Bf16.fromFloat(1.0f));
        assertEquals(1.0f, Bf16.toFloat((short) 0x3F80));
        assertEquals(-2.0f, Bf16.toFloat(Bf16.fromFloat(-2.0f)));
        // 1 + 2^-8 is halfway between bf16 1.0 and 1.0078125: ties go to the even mantissa (1.0).
        assertEquals(1.0f, Bf16.toFloat(Bf16.fromFloat(1.0f + 0x1p-8f)));
        // 1 + 3 * 2^-8 is halfway between 1.0078125 (odd) and 1.015625 (even).
        assertEquals(1.015625f, Bf16.toFloat(Bf16.fromFloat(1.0f + 3 * 0x1p-8f)));
        assertEquals(1.0078125f, Bf16.toFloat(Bf16.fromFloat(1.0f + 0x1p-8f + 0x1p-12f)));
    }

    @Test
    void relativeErrorIsTheRatioOfNorms() {
        assertEquals(0.0, Bf16.relativeError(new double[] {1, 2}, new double[] {1, 2}));
        assertEquals(1.25, Bf16.relativeError(new double[] {3, 0}, new double[] {0, 4}), 1e-12);
    }
}
