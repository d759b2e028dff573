package org.yalis.engine.checkpoint;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import org.yalis.engine.tensor.DType;

/**
 * Finds NaNs and infinities in a float tensor's bytes: an exponent of all ones (f32 {@code 0x7F800000},
 * bf16 {@code 0x7F80}, f16 {@code 0x7C00}). Vectorized, so a whole checkpoint is checked at about the rate it
 * is copied; a weight that is not finite would otherwise turn every logit into NaN without a word.
 */
public final class FiniteValues {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private FiniteValues() {
    }

    /** The index of the first element of {@code bytes} (in {@code dtype}) that is NaN or infinite, or -1. */
    public static long firstNonFinite(MemorySegment bytes, DType dtype) {
        return switch (dtype) {
            case F32 -> firstInInts(bytes);
            case BF16 -> firstInShorts(bytes, (short) 0x7F80);
            case F16 -> firstInShorts(bytes, (short) 0x7C00);
            case I32, Q8_0 -> throw new IllegalArgumentException("not a float element type: " + dtype);
        };
    }

    private static long firstInInts(MemorySegment bytes) {
        long count = bytes.byteSize() / 4;
        long whole = count - count % I.length();
        for (long i = 0; i < whole; i += I.length()) {
            IntVector exponent = IntVector.fromMemorySegment(I, bytes, i * 4, LE).and(0x7F800000);
            if (exponent.compare(VectorOperators.EQ, 0x7F800000).anyTrue()) {
                return firstScalar(bytes, DType.F32, i, i + I.length());
            }
        }
        return firstScalar(bytes, DType.F32, whole, count);
    }

    private static long firstInShorts(MemorySegment bytes, short exponentMask) {
        long count = bytes.byteSize() / 2;
        long whole = count - count % S.length();
        DType dtype = exponentMask == 0x7F80 ? DType.BF16 : DType.F16;
        for (long i = 0; i < whole; i += S.length()) {
            ShortVector exponent = ShortVector.fromMemorySegment(S, bytes, i * 2, LE).and(exponentMask);
            if (exponent.compare(VectorOperators.EQ, exponentMask).anyTrue()) {
                return firstScalar(bytes, dtype, i, i + S.length());
            }
        }
        return firstScalar(bytes, dtype, whole, count);
    }

    private static long firstScalar(MemorySegment bytes, DType dtype, long from, long to) {
        for (long i = from; i < to; i++) {
            boolean nonFinite = switch (dtype) {
                case F32 -> (bytes.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i) & 0x7F800000) == 0x7F800000;
                case BF16 -> (bytes.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i) & 0x7F80) == 0x7F80;
                default -> (bytes.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i) & 0x7C00) == 0x7C00;
            };
            if (nonFinite) {
                return i;
            }
        }
        return -1;
    }

    /** The value at {@code index}, for a message. */
    public static float valueAt(MemorySegment bytes, DType dtype, long index) {
        return switch (dtype) {
            case F32 -> bytes.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index);
            case BF16 -> Float.intBitsToFloat(bytes.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, index) << 16);
            case F16 -> Float.float16ToFloat(bytes.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, index));
            case I32, Q8_0 -> throw new IllegalArgumentException("not a float element type: " + dtype);
        };
    }
}
