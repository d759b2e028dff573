package org.yalis.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU backend's elementwise and row-reduction loops with the Vector API. Every loop runs over
 * ONE row, from its first element: an element's arithmetic (vector lanes, or the scalar tail past
 * the last whole vector) then depends only on its column, never on where the row sits in a batch,
 * which keeps batched results identical to one-at-a-time ones.
 */
final class RowKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private RowKernels() {
    }

    /** {@code out[i] = silu(gate[i]) * up[i]} over one row of {@code width} floats starting at byte {@code at}. */
    static void siluMul(MemorySegment gate, MemorySegment up, MemorySegment out, long at, int width) {
        int i = 0;
        for (; i + L <= width; i += L) {
            long offset = at + i * 4L;
            FloatVector g = FloatVector.fromMemorySegment(F, gate, offset, LE);
            FloatVector silu = g.div(g.neg().lanewise(VectorOperators.EXP).add(1f));
            silu.mul(FloatVector.fromMemorySegment(F, up, offset, LE)).intoMemorySegment(out, offset, LE);
        }
        for (; i < width; i++) {
            long offset = at + i * 4L;
            float g = gate.get(FLOAT, offset);
            out.set(FLOAT, offset, g / (1f + (float) Math.exp(-g)) * up.get(FLOAT, offset));
        }
    }

    /** {@code accumulator[i] += addend[i]} over one row. */
    static void add(MemorySegment accumulator, MemorySegment addend, long at, int width) {
        int i = 0;
        for (; i + L <= width; i += L) {
            long offset = at + i * 4L;
            FloatVector.fromMemorySegment(F, accumulator, offset, LE)
                    .add(FloatVector.fromMemorySegment(F, addend, offset, LE))
                    .intoMemorySegment(accumulator, offset, LE);
        }
        for (; i < width; i++) {
            long offset = at + i * 4L;
            accumulator.set(FLOAT, offset, accumulator.get(FLOAT, offset) + addend.get(FLOAT, offset));
        }
    }

    /** The sum of squares of one row. */
    static float sumOfSquares(MemorySegment x, long at, int width) {
        int i = 0;
        float sum = 0;
        if (width >= L) {
            FloatVector squares = FloatVector.zero(F);
            for (; i + L <= width; i += L) {
                FloatVector v = FloatVector.fromMemorySegment(F, x, at + i * 4L, LE);
                squares = v.fma(v, squares);
            }
            sum = Lanes.sum(squares);
        }
        for (; i < width; i++) {
            float v = x.get(FLOAT, at + i * 4L);
            sum += v * v;
        }
        return sum;
    }

    /** {@code out[i] = x[i] * scale * weight[i]} over one row, for an f32 weight vector. */
    static void scaleByWeight(MemorySegment x, MemorySegment weight, MemorySegment out, long at, int width,
                              float scale) {
        int i = 0;
        for (; i + L <= width; i += L) {
            FloatVector.fromMemorySegment(F, x, at + i * 4L, LE).mul(scale)
                    .mul(FloatVector.fromMemorySegment(F, weight, i * 4L, LE))
                    .intoMemorySegment(out, at + i * 4L, LE);
        }
        for (; i < width; i++) {
            out.set(FLOAT, at + i * 4L, x.get(FLOAT, at + i * 4L) * scale * weight.get(FLOAT, i * 4L));
        }
    }
}
