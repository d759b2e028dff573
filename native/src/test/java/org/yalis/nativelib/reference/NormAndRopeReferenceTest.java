package org.yalis.nativelib.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NormAndRopeReferenceTest {

    @Test
    void rmsnormOfThreeFour() {
        // x = (3, 4): mean square 12.5, scale 1/sqrt(12.5) = 0.28284271247461906; weight (1, 2).
        double[] out = NormReference.rmsnorm(Bf16.fromFloats(new float[] {3, 4, -1, 1}),
                Bf16.fromFloats(new float[] {1, 2}), 2, 2, 0);
        assertEquals(0.848528137423857, out[0], 1e-15);
        assertEquals(2.262741699796952, out[1], 1e-15);
        assertEquals(-1.0, out[2], 1e-15);
        assertEquals(2.0, out[3], 1e-15);
        // eps enters under the root: x = (1, 1), eps = 1 -> scale 1/sqrt(2).
        double[] withEps = NormReference.rmsnorm(Bf16.fromFloats(new float[] {1, 1}),
                Bf16.fromFloats(new float[] {1, 1}), 1, 2, 1);
        assertEquals(Math.sqrt(0.5), withEps[0], 1e-15);
    }

    @Test
    void addRmsnormNormalisesTheRoundedResidual() {
        // residual (1, 1) + x (2^-8, 3): the first sum ties back to 1.0 in bf16, the second is 4.
        NormReference.AddRmsnorm result = NormReference.addRmsnorm(Bf16.fromFloats(new float[] {1, 1}),
                Bf16.fromFloats(new float[] {0x1p-8f, 3}), Bf16.fromFloats(new float[] {1, 1}), 1, 2, 0);
        assertArrayEquals(Bf16.fromFloats(new float[] {1, 4}), result.residual());
        // rmsnorm(1, 4) = (1, 4) / sqrt(8.5)
        assertEquals(1 / Math.sqrt(8.5), result.out()[0], 1e-15);
        assertEquals(4 / Math.sqrt(8.5), result.out()[1], 1e-15);
    }

    @Test
    void ropeRotatesHalves() {
        // head_dim 4 (half 2), position 1 with angles (pi/2, 0): cos (0, 1), sin (1, 0).
        // x = (1, 2, 3, 4): x0 = 1*0 - 3*1 = -3, x2 = 3*0 + 1*1 = 1; x1 = 2*1 - 4*0 = 2, x3 = 4.
        short[] x = Bf16.fromFloats(new float[] {1, 2, 3, 4, 1, 2, 3, 4});
        float[] cos = {1, 1, 0, 1};
        float[] sin = {0, 0, 1, 0};
        RopeReference.rope(x, 2, 4, 0, 1, 4, new int[] {1, 0}, cos, sin, 2);
        assertArrayEquals(Bf16.fromFloats(new float[] {-3, 2, 1, 4, 1, 2, 3, 4}), x);
        // 45 degrees: (1, 0) turns to (cos, sin) = (0.70710678, 0.70710678) -> bf16 0.70703125.
        short[] y = Bf16.fromFloats(new float[] {1, 0});
        float c = (float) Math.cos(Math.PI / 4);
        RopeReference.rope(y, 1, 2, 0, 1, 2, new int[] {0}, new float[] {c}, new float[] {c}, 1);
        assertEquals(0.70703125f, Bf16.toFloat(y[0]));
        assertEquals(0.70703125f, Bf16.toFloat(y[1]));
        // A position past the table poisons the row.
        short[] z = Bf16.fromFloats(new float[] {1, 2});
        RopeReference.rope(z, 1, 2, 0, 1, 2, new int[] {5}, new float[] {1}, new float[] {0}, 1);
        assertArrayEquals(new short[] {Bf16.POISON, Bf16.POISON}, z);
    }

    @Test
    void gathersAndKvWrites() {
        short[] table = {10, 11, 20, 21, 30, 31};
        assertArrayEquals(new short[] {30, 31, 10, 11, Bf16.POISON, Bf16.POISON},
                GatherReference.embedding(table, 3, 2, new int[] {2, 0, 3}));
        assertArrayEquals(new byte[] {5, 6, 1, 2, -1, -1},
                GatherReference.gatherRows(new byte[] {1, 2, 3, 4, 5, 6}, 3, 2, new int[] {2, 0, -1}));
        short[] k = {1, 2, 3, 4};
        short[] v = {5, 6, 7, 8};
        short[] kCache = new short[8];
        short[] vCache = new short[8];
        GatherReference.kvCacheWrite(k, 2, 0, v, 2, 0, kCache, vCache, new int[] {3, -1}, 2, 2);
        assertArrayEquals(new short[] {0, 0, 0, 0, 0, 0, 1, 2}, kCache);
        assertArrayEquals(new short[] {0, 0, 0, 0, 0, 0, 5, 6}, vCache);
    }
}
