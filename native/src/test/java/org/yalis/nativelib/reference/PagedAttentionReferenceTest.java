package org.yalis.nativelib.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

class PagedAttentionReferenceTest {
    private static final double E_OVER_E_PLUS_1 = Math.E / (Math.E + 1); // 0.7310585786300049

    /** Cache with block size 1: slot b holds position b (block table = identity unless permuted). */
    private static short[] cache(float... values) {
        return Bf16.fromFloats(values);
    }

    @Test
    void decodeOverTwoPositions() {
        // head_dim 2, q = (1, 0); k0 = (1, 0), k1 = (0, 1): scores 1 and 0, scale 1.
        // p = (e/(e+1), 1/(e+1)); v0 = (1, 2), v1 = (3, 4) -> out = (1 + 2/(e+1), 2 + 2/(e+1)).
        var shape = new PagedAttentionReference.Shape(1, 1, 2, 1, 1.0);
        double[] out = PagedAttentionReference.decode(cache(1, 0), 2, cache(1, 0, 0, 1), cache(1, 2, 3, 4),
                new int[] {0}, new int[] {2}, new int[][] {{0, 1}}, 1, 2, shape);
        assertEquals(E_OVER_E_PLUS_1 * 1 + (1 - E_OVER_E_PLUS_1) * 3, out[0], 1e-15);
        assertEquals(1.5378828427399902, out[0], 1e-15);
        assertEquals(2.5378828427399902, out[1], 1e-15);
    }

    @Test
    void blockTablesOnlyRelocate() {
        // The same two positions stored in slots 3 and 1 (block size 1, table {3, 1}).
        var shape = new PagedAttentionReference.Shape(1, 1, 2, 1, 1.0);
        short[] k = cache(9, 9, 0, 1, 9, 9, 1, 0);
        short[] v = cache(9, 9, 3, 4, 9, 9, 1, 2);
        double[] out = PagedAttentionReference.decode(cache(1, 0), 2, k, v, new int[] {0}, new int[] {2},
                new int[][] {{3, 1}}, 1, 2, shape);
        assertEquals(1.5378828427399902, out[0], 1e-15);
        assertEquals(2.5378828427399902, out[1], 1e-15);
    }

    @Test
    void prefillIsCausalAndGroupsHeads() {
        // Two query heads share one KV head (GQA). Two new tokens, no cached prefix: token 0 sees only
        // position 0 (out = v0), token 1 sees both. Head 1's query (0, 0) gives equal weights.
        var shape = new PagedAttentionReference.Shape(2, 1, 2, 2, 1.0);
        short[] q = cache(1, 0, 0, 0, 1, 0, 0, 0);
        double[] out = PagedAttentionReference.prefill(q, 4, cache(1, 0, 0, 1), cache(1, 2, 3, 4), new int[] {0},
                new int[] {2}, new int[] {2}, new int[][] {{0}}, 2, 4, shape);
        assertEquals(1.0, out[0], 1e-15);
        assertEquals(2.0, out[1], 1e-15);
        assertEquals(1.0, out[2], 1e-15);
        assertEquals(2.0, out[3], 1e-15);
        assertEquals(1.5378828427399902, out[4], 1e-15);
        assertEquals(2.5378828427399902, out[5], 1e-15);
        assertEquals(2.0, out[6], 1e-15);
        assertEquals(3.0, out[7], 1e-15);
    }

    @Test
    void prefillAfterACachedPrefixSeesThePrefix() {
        // context 2, one new token at position 1: the same as a decode.
        var shape = new PagedAttentionReference.Shape(1, 1, 2, 4, 1.0);
        double[] out = PagedAttentionReference.prefill(cache(1, 0), 2, cache(1, 0, 0, 1, 0, 0, 0, 0),
                cache(1, 2, 3, 4, 0, 0, 0, 0), new int[] {0}, new int[] {1}, new int[] {2}, new int[][] {{0}}, 1, 2,
                shape);
        assertEquals(1.5378828427399902, out[0], 1e-15);
    }

    @Test
    void splitPartialsAreBaseTwoAndReduceToTheWhole() {
        // The two positions above in two splits of one position each: m_i = score * log2(e),
        // l_i = 1, o_i = v_i; the reduction gives back the unsplit result.
        var shape = new PagedAttentionReference.Shape(1, 1, 2, 1, 1.0);
        var partials = PagedAttentionReference.decodePartials(cache(1, 0), 2, cache(1, 0, 0, 1), cache(1, 2, 3, 4),
                new int[] {0}, new int[] {2}, new int[][] {{0, 1}}, 1, 3, shape);
        assertEquals(PagedAttentionReference.LOG2E, partials.max()[0], 1e-15);
        assertEquals(0.0, partials.max()[1], 0);
        assertTrue(Double.isNaN(partials.max()[2]), "an unused split stays unwritten");
        assertEquals(1.0, partials.sum()[0], 0);
        assertEquals(3.0, partials.out()[2], 0);
        double[] out = PagedAttentionReference.decodeReduce(partials, new int[] {0}, new int[] {2}, 1, 2, 1, 2, 1, 3);
        assertEquals(1.5378828427399902, out[0], 1e-15);
        assertEquals(2.5378828427399902, out[1], 1e-15);
    }

    @Test
    void splitReductionEqualsTheUnsplitSoftmaxOnRandomData() {
        Random random = new Random(7);
        var shape = new PagedAttentionReference.Shape(8, 2, 16, 4, 0.25);
        int blocks = 40;
        short[] k = randomBf16(random, blocks * 4 * 32);
        short[] v = randomBf16(random, blocks * 4 * 32);
        int[] contexts = {1, 37, 100};
        int[][] tables = {{5}, {0, 1, 2, 3, 4, 6, 7, 8, 9, 10}, new int[25]};
        for (int i = 0; i < 25; i++) {
            tables[2][i] = 39 - i;
        }
        short[] q = randomBf16(random, 3 * 8 * 16);
        int[] starts = {0, 1, 2};
        double[] whole = PagedAttentionReference.decode(q, 128, k, v, starts, contexts, tables, 3, 128, shape);
        for (int partition : new int[] {1, 7, 32, 100}) {
            int maxSplits = Math.ceilDiv(100, partition);
            var partials = PagedAttentionReference.decodePartials(q, 128, k, v, starts, contexts, tables, partition,
                    maxSplits, shape);
            double[] reduced = PagedAttentionReference.decodeReduce(partials, starts, contexts, 3, 128, 8, 16,
                    partition, maxSplits);
            assertTrue(RelativeError.of(reduced, whole) < 1e-13, "partition " + partition);
        }
    }

    static short[] randomBf16(Random random, int n) {
        short[] out = new short[n];
        for (int i = 0; i < n; i++) {
            out[i] = Bf16.fromFloat((float) random.nextGaussian());
        }
        return out;
    }
}
