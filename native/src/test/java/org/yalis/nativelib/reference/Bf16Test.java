package org.yalis.nativelib.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Bf16Test {

    private static int bits(float f) {
        return Bf16.fromFloat(f) & 0xFFFF;
    }

    @Test
    void roundsToNearestEven() {
        assertEquals(0x3F80, bits(1.0f));
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1.0).
        assertEquals(0x3F80, bits(1.0f + 0x1p-8f));
        // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
        assertEquals(0x3F82, bits(1.0f + 3 * 0x1p-8f));
        // Just above the halfway point rounds up.
        assertEquals(0x3F81, bits(Math.nextUp(1.0f + 0x1p-8f)));
        assertEquals(0xBF80, bits(-1.0f));
        assertEquals(0x4049, bits((float) Math.PI)); // 3.140625
    }

    @Test
    void overflowInfinityZeroAndSubnormals() {
        assertEquals(0x7F80, bits(Float.MAX_VALUE));
        assertEquals(0x7F80, bits(Float.POSITIVE_INFINITY));
        assertEquals(0xFF80, bits(Float.NEGATIVE_INFINITY));
        assertEquals(0x0000, bits(0.0f));
        assertEquals(0x8000, bits(-0.0f));
        assertEquals(0x0000, bits(Float.MIN_VALUE));  // 2^-149 rounds to zero
        assertEquals(0x0001, bits(0x1p-133f));        // the smallest bf16 subnormal is exact
    }

    @Test
    void nanStaysNan() {
        assertEquals(0x7FC0, bits(Float.NaN));
        assertEquals(0x7FC0, bits(Float.intBitsToFloat(0x7F800001))); // signalling NaN is quieted
        assertEquals(0xFFC1, bits(Float.intBitsToFloat(0xFF810000))); // sign and top payload kept
        assertTrue(Float.isNaN(Bf16.toFloat(Bf16.POISON)));
    }

    @Test
    void widensExactly() {
        assertEquals(1.0f, Bf16.toFloat((short) 0x3F80));
        assertEquals(-2.0f, Bf16.toFloat((short) 0xC000));
        assertEquals(0x1p-133f, Bf16.toFloat((short) 0x0001));
        for (int b = 0; b < 0x10000; b++) {
            float f = Bf16.toFloat((short) b);
            if (!Float.isNaN(f)) {
                assertEquals(b, bits(f), "round trip of " + Integer.toHexString(b));
            }
        }
    }

    @Test
    void relativeErrorIsTheNormRatioAndNanNeverPasses() {
        assertEquals(0.5, RelativeError.of(new double[] {1.5, 0}, new double[] {1, 0}), 1e-15);
        assertEquals(Math.sqrt(5.0 / 25), RelativeError.of(new double[] {4, 2}, new double[] {3, 4}), 1e-15);
        assertEquals(Double.POSITIVE_INFINITY, RelativeError.of(new double[] {Double.NaN}, new double[] {1}));
        assertEquals(0.0, RelativeError.of(new float[] {1, 2}, new double[] {1, 2}));
    }
}
