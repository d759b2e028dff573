package org.yalis.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums the lanes of a vector in one fixed order. {@code reduceLanes(ADD)} cannot be used where
 * results must be reproducible: its order is unspecified, and in practice the Java fallback adds
 * in lane order while the JIT's intrinsic adds as a tree, so the same inputs gave different bits
 * depending on whether the calling code was compiled yet.
 */
public final class Lanes {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Lane rotations by half, a quarter and an eighth of the lanes; constants the JIT keeps in registers. */
    private static final VectorShuffle<Float> FOLD_HALF = VectorShuffle.iota(F, L / 2, 1, true);
    private static final VectorShuffle<Float> FOLD_QUARTER = VectorShuffle.iota(F, Math.max(1, L / 4), 1, true);
    private static final VectorShuffle<Float> FOLD_EIGHTH = VectorShuffle.iota(F, Math.max(1, L / 8), 1, true);

    private Lanes() {
    }

    /** The vector folded onto itself (rotated by half, a quarter, an eighth), then the rest in lane order. */
    public static float sum(FloatVector vector) {
        FloatVector folded = vector.add(vector.rearrange(FOLD_HALF));
        int partialSums = L / 2;
        if (L >= 4) {
            folded = folded.add(folded.rearrange(FOLD_QUARTER));
            partialSums = L / 4;
        }
        if (L >= 8) {
            folded = folded.add(folded.rearrange(FOLD_EIGHTH));
            partialSums = L / 8;
        }
        float sum = folded.lane(0);
        for (int i = 1; i < partialSums; i++) {
            sum += folded.lane(i);
        }
        return sum;
    }
}
