package org.yalis.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.Random;

import org.junit.jupiter.api.Test;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

class NumericsTest {

    private static short bf16(float value) {
        return Numerics.floatToBf16(value);
    }

    private static short bf16Bits(int floatBits) {
        return Numerics.floatToBf16(Float.intBitsToFloat(floatBits));
    }

    @Test
    void floatToBf16RoundsToNearestEven() {
        assertEquals((short) 0x3F80, bf16(1.0f));
        assertEquals((short) 0xBF80, bf16(-1.0f));
        // 1 + 2^-8 is halfway between 1 (0x3F80, even) and 1 + 2^-7 (0x3F81): ties to even, down
        assertEquals((short) 0x3F80, bf16(1 + 0x1p-8f));
        // 1 + 3 * 2^-8 is halfway between 0x3F81 (odd) and 0x3F82: ties to even, up
        assertEquals((short) 0x3F82, bf16(1 + 3 * 0x1p-8f));
        // 1 + 3 * 2^-9 = 1 + 2^-8 + 2^-9 is past the halfway point: up to 0x3F81
        assertEquals((short) 0x3F81, bf16(1 + 3 * 0x1p-9f));
        // 1 + 2^-9 is below halfway: down
        assertEquals((short) 0x3F80, bf16(1 + 0x1p-9f));
        assertEquals((short) 0xBF80, bf16(-(1 + 0x1p-8f)));
        // pi = 0x40490FDB: the dropped half 0x0FDB is below 0x8000, so 0x4049
        assertEquals((short) 0x4049, bf16((float) Math.PI));
        assertEquals((short) 0x0000, bf16(0f));
        assertEquals((short) 0x8000, bf16(-0f));
    }

    @Test
    void floatToBf16AtTheEdgesOfTheRange() {
        assertEquals((short) 0x7F80, bf16(Float.POSITIVE_INFINITY));
        assertEquals((short) 0xFF80, bf16(Float.NEGATIVE_INFINITY));
        // the largest float is past the largest bf16 (0x7F7F) by more than half a step: infinity
        assertEquals((short) 0x7F80, bf16(Float.MAX_VALUE));
        // subnormals round the same way: 0x00008000 is a tie (to even 0), 0x00018000 a tie up to 0x0002
        assertEquals((short) 0x0000, bf16Bits(0x00008000));
        assertEquals((short) 0x0002, bf16Bits(0x00018000));
        assertEquals((short) 0x0001, bf16Bits(0x00008001));
    }

    @Test
    void floatToBf16KeepsNaNsNaN() {
        // 0x7F800001 has its payload only in the low half: truncation alone would give infinity
        for (int nanBits : new int[] {0x7FC00000, 0x7F800001, 0xFF800001, 0x7FFFFFFF, 0xFFC00000, 0x7F80FFFF}) {
            float nan = Float.intBitsToFloat(nanBits);
            short bits = Numerics.floatToBf16(nan);
            assertTrue(Float.isNaN(Numerics.bf16ToFloat(bits)), String.format("0x%08x -> 0x%04x", nanBits, bits));
        }
    }

    /**
     * Against an independent round-to-nearest-even: of the two bf16 neighbours of a finite float, the
     * closer one in exact (double) arithmetic, the even one on a tie.
     */
    @Test
    void floatToBf16MatchesAReferenceOnRandomFloats() {
        Random random = new Random(3);
        for (int n = 0; n < 200_000; n++) {
            int floatBits = n % 4 == 0 ? (random.nextInt() & 0xFFFF0000) | 0x8000 : random.nextInt();   // many ties
            float value = Float.intBitsToFloat(floatBits);
            if (Float.isNaN(value) || Float.isInfinite(value)) {
                continue;
            }
            int below = floatBits >>> 16;           // toward zero
            int above = below + 1;                  // away from zero (may be infinity)
            double belowValue = Float.intBitsToFloat(below << 16);
            double aboveValue = Float.intBitsToFloat(above << 16);
            if (Double.isInfinite(aboveValue)) {
                // past the largest finite bf16 the rounding boundary is 2^128 - 2^119 (half a step beyond)
                aboveValue = Math.copySign(0x1p128, value);
            }
            double belowDistance = Math.abs(value - belowValue);
            double aboveDistance = Math.abs(aboveValue - value);
            int expected = belowDistance < aboveDistance ? below
                    : aboveDistance < belowDistance ? above
                    : (below & 1) == 0 ? below : above;
            assertEquals((short) expected, Numerics.floatToBf16(value), String.format("0x%08x", floatBits));
        }
    }

    @Test
    void bf16ToFloatIsTheHighHalfOfAFloat() {
        assertEquals(1.0f, Numerics.bf16ToFloat((short) 0x3F80));
        assertEquals(-2.0f, Numerics.bf16ToFloat((short) 0xC000));
        assertEquals(Float.NEGATIVE_INFINITY, Numerics.bf16ToFloat((short) 0xFF80));
        assertEquals(0x1p-133f, Numerics.bf16ToFloat((short) 0x0001));   // smallest bf16 subnormal
    }

    @Test
    void loadReadsEveryFloatDType() {
        try (Arena arena = Arena.ofConfined()) {
            float[] values = {1.5f, -0.25f, 3.0f};
            for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.F16}) {
                Tensor tensor = HostTensors.hostTensor(arena, dtype, 1, values.length, values);
                for (int i = 0; i < values.length; i++) {
                    assertEquals(values[i], Numerics.load(tensor, i), dtype + " element " + i);
                }
            }
        }
    }
}
