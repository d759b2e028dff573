package org.yalis.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.yalis.engine.tensor.DType;

/** NaNs and infinities found at every position (whole vectors and the scalar tail), and nothing else. */
class FiniteValuesTest {
    private static final int COUNT = 1000;   // many vectors of every width, plus a tail

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void findsTheFirstNanOrInfinityWherePlacedAndNoneInFiniteData(DType dtype) {
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate((long) COUNT * dtype.byteSize(), 64);
            for (int i = 0; i < COUNT; i++) {
                // Finite values of every magnitude, the largest finite one of each type included.
                int range = dtype == DType.F16 ? 28 : 60;   // f16 holds magnitudes up to 65504 only
                set(data, dtype, i, i == 5 ? largestFinite(dtype) : (float) Math.scalb(1.0 - i / 1000.0, i % range - range / 2));
            }
            assertEquals(-1, FiniteValues.firstNonFinite(data, dtype));
            for (int position : new int[] {0, 1, 31, 32, 500, COUNT - 1}) {
                for (float special : specials) {
                    float before = get(data, dtype, position);
                    set(data, dtype, position, special);
                    set(data, dtype, COUNT - 1 == position ? position : COUNT - 1, special);
                    assertEquals(position, FiniteValues.firstNonFinite(data, dtype), dtype + " " + special + " at " + position);
                    set(data, dtype, position, before);
                    set(data, dtype, COUNT - 1, 1f);
                }
            }
        }
    }

    private static float largestFinite(DType dtype) {
        return switch (dtype) {
            case F32 -> Float.MAX_VALUE;
            case BF16 -> Float.intBitsToFloat(0x7F7F0000);
            default -> 65504f;
        };
    }

    private static void set(MemorySegment data, DType dtype, int index, float value) {
        switch (dtype) {
            case F32 -> data.setAtIndex(ValueLayout.JAVA_FLOAT, index, value);
            case BF16 -> data.setAtIndex(ValueLayout.JAVA_SHORT, index, (short) (Float.floatToRawIntBits(value) >>> 16));
            default -> data.setAtIndex(ValueLayout.JAVA_SHORT, index, Float.floatToFloat16(value));
        }
    }

    private static float get(MemorySegment data, DType dtype, int index) {
        return FiniteValues.valueAt(data, dtype, index);
    }
}
