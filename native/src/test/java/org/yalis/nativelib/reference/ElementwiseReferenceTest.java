package org.yalis.nativelib.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ElementwiseReferenceTest {

    @Test
    void castsRoundTrip() {
        float[] values = {1.0f, -2.5f, 1.0f + 0x1p-8f, Float.NaN, Float.NEGATIVE_INFINITY};
        short[] bf16 = ElementwiseReference.castF32ToBf16(values);
        assertArrayEquals(new short[] {0x3F80, (short) 0xC020, 0x3F80, 0x7FC0, (short) 0xFF80}, bf16);
        float[] back = ElementwiseReference.castBf16ToF32(bf16);
        assertEquals(1.0f, back[0]);
        assertEquals(-2.5f, back[1]);
        assertTrue(Float.isNaN(back[3]));
    }

    @Test
    void f16ToBf16GoesThroughTheExactValue() {
        // f16 1.0 = 0x3C00; f16 65504 (max) = 0x7BFF -> 65536 in bf16 (0x4780, rounded up);
        // f16 1 + 2^-10 = 0x3C01 -> bf16 1.0; smallest f16 subnormal 2^-24 = 0x0001 -> 0x3380.
        short[] out = ElementwiseReference.castF16ToBf16(new short[] {0x3C00, 0x7BFF, 0x3C01, 0x0001, (short) 0xFC00});
        assertArrayEquals(new short[] {0x3F80, 0x4780, 0x3F80, 0x3380, (short) 0xFF80}, out);
    }

    @Test
    void addRoundsTheSumOnce() {
        short one = 0x3F80;
        short eighth = Bf16.fromFloat(0x1p-8f);
        short three = Bf16.fromFloat(3 * 0x1p-8f);
        // 1 + 2^-8: a tie, to even (1.0); 1 + 3 * 2^-8: a tie, to even (1 + 2^-6); 2 + -2 = 0.
        short[] out = ElementwiseReference.add(new short[] {one, one, 0x4000},
                new short[] {eighth, three, (short) 0xC000});
        assertArrayEquals(new short[] {0x3F80, 0x3F82, 0x0000}, out);
    }

    @Test
    void siluMulMatchesHandComputedValues() {
        // silu(1) * 2 = 2 / (1 + e^-1); silu(-2) * 0.5 = -1 / (1 + e^2); silu(0) * 3 = 0.
        double[] out = ElementwiseReference.siluMul(Bf16.fromFloats(new float[] {1, -2, 0}),
                Bf16.fromFloats(new float[] {2, 0.5f, 3}));
        assertEquals(1.4621171572600098, out[0], 1e-15);
        assertEquals(-0.11920292202211755, out[1], 1e-15);
        assertEquals(0.0, out[2]);
        double[] fused = ElementwiseReference.siluMulFused(Bf16.fromFloats(new float[] {1, -2, 2, 0.5f}), 1, 2);
        assertEquals(out[0], fused[0], 0);
        assertEquals(out[1], fused[1], 0);
    }
}
