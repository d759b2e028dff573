package org.yalis.nativelib.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.yalis.nativelib.sim.SimTesting.assertCloseBf16;
import static org.yalis.nativelib.sim.SimTesting.assertCloseF32;
import static org.yalis.nativelib.sim.SimTesting.randomBf16;
import static org.yalis.nativelib.sim.SimTesting.simulator;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.yalis.nativelib.KernelLaunch;
import org.yalis.nativelib.YalisKernels;
import org.yalis.nativelib.reference.GatherReference;
import org.yalis.nativelib.reference.NormReference;
import org.yalis.nativelib.reference.RopeReference;
import org.yalis.nativelib.reference.Tolerances;

/** Embedding, gather, KV write, RoPE and the norms in the CPU simulator against their references. */
class RowKernelsSimTest {
    private final Random random = new Random(23);

    @Test
    void embeddingCopiesRowsAndPoisonsBadIds() {
        for (int hidden : new int[] {64, 13}) {  // 16-byte copies, 2-byte copies
            int vocab = 50;
            short[] table = randomBf16(random, vocab * hidden, 1);
            int[] ids = {3, 49, 0, -1, 50, 3};
            KernelSimulator sim = simulator();
            var t = sim.buffer(table);
            var idBuffer = sim.buffer(ids);
            var out = sim.buffer(new short[ids.length * hidden]);
            sim.launch(YalisKernels.EMBEDDING_BF16, KernelLaunch.perRow(ids.length), t, idBuffer, out, ids.length,
                    hidden, vocab);
            sim.run();
            assertArrayEquals(GatherReference.embedding(table, vocab, hidden, ids), out.shorts(), "hidden " + hidden);
        }
    }

    @Test
    void gatherRowsOfAnyWidth() {
        for (int rowBytes : new int[] {4096, 12, 7}) {
            int rows = 9;
            byte[] x = new byte[rows * rowBytes];
            random.nextBytes(x);
            int[] indices = {8, 0, 3, 9, -2, 3};
            KernelSimulator sim = simulator();
            var in = sim.buffer(x);
            var idx = sim.buffer(indices);
            var out = sim.buffer(new byte[indices.length * rowBytes]);
            sim.launch(YalisKernels.GATHER_ROWS, KernelLaunch.perRow(indices.length), in, idx, out, indices.length,
                    (long) rowBytes, rows);
            sim.run();
            assertArrayEquals(GatherReference.gatherRows(x, rows, rowBytes, indices), out.bytes(), "row " + rowBytes);
        }
    }

    @Test
    void kvCacheWriteFromAFusedQkvMatrix() {
        // qkv rows of (heads + 2 kvHeads) * headDim: k starts at heads*headDim, v after k.
        int heads = 4;
        int kvHeads = 2;
        int headDim = 16;
        int kvDim = kvHeads * headDim;
        int stride = (heads + 2 * kvHeads) * headDim;
        int tokens = 5;
        int slots = 12;
        short[] qkv = randomBf16(random, tokens * stride, 1);
        short[] kCache = randomBf16(random, slots * kvDim, 1);
        short[] vCache = randomBf16(random, slots * kvDim, 1);
        int[] slotMapping = {7, 0, -1, 11, 12};
        KernelSimulator sim = simulator();
        var qkvBuffer = sim.buffer(qkv);
        var k = sim.buffer(kCache);
        var v = sim.buffer(vCache);
        var mapping = sim.buffer(slotMapping);
        sim.launch(YalisKernels.KV_CACHE_WRITE_BF16, KernelLaunch.perRow(tokens), qkvBuffer.at(heads * headDim * 2L),
                (long) stride, qkvBuffer.at((heads + kvHeads) * headDim * 2L), (long) stride, k, v, mapping, tokens,
                kvDim, (long) slots);
        sim.run();
        GatherReference.kvCacheWrite(qkv, stride, heads * headDim, qkv, stride, (heads + kvHeads) * headDim, kCache,
                vCache, slotMapping, tokens, kvDim);
        assertArrayEquals(kCache, k.shorts());
        assertArrayEquals(vCache, v.shorts());
    }

    @Test
    void ropeOnQAndKIsBitExact() {
        int heads = 4;
        int kvHeads = 2;
        int headDim = 32;
        int half = headDim / 2;
        int stride = (heads + 2 * kvHeads) * headDim;
        int rows = 6;
        int maxPositions = 40;
        float[] cos = new float[maxPositions * half];
        float[] sin = new float[maxPositions * half];
        for (int p = 0; p < maxPositions; p++) {
            for (int j = 0; j < half; j++) {
                double angle = p * Math.pow(10000, -2.0 * j / headDim);
                cos[p * half + j] = (float) Math.cos(angle);
                sin[p * half + j] = (float) Math.sin(angle);
            }
        }
        int[] positions = {0, 1, 39, 17, 40, -1};
        short[] qkv = randomBf16(random, rows * stride, 2);
        KernelSimulator sim = simulator();
        var x = sim.buffer(qkv);
        var pos = sim.buffer(positions);
        var c = sim.buffer(cos);
        var s = sim.buffer(sin);
        sim.launch(YalisKernels.ROPE_QK_BF16, KernelLaunch.perRow(rows), x, heads, (long) stride,
                x.at(heads * headDim * 2L), kvHeads, (long) stride, rows, headDim, pos, c, s, maxPositions);
        var qOnly = sim.buffer(qkv);
        sim.launch(YalisKernels.ROPE_QK_BF16, KernelLaunch.perRow(rows), qOnly, heads, (long) stride, null, 0, 0L,
                rows, headDim, pos, c, s, maxPositions);
        sim.run();
        short[] expected = qkv.clone();
        RopeReference.rope(expected, rows, stride, 0, heads, headDim, positions, cos, sin, maxPositions);
        short[] expectedQOnly = expected.clone();
        RopeReference.rope(expected, rows, stride, heads * headDim, kvHeads, headDim, positions, cos, sin,
                maxPositions);
        assertArrayEquals(expected, x.shorts(), "q and k (v untouched)");
        // q only: k and v columns keep their input values.
        for (int t = 0; t < rows; t++) {
            System.arraycopy(qkv, t * stride + heads * headDim, expectedQOnly, t * stride + heads * headDim,
                    2 * kvHeads * headDim);
        }
        assertArrayEquals(expectedQOnly, qOnly.shorts(), "q only");
    }

    @Test
    void rmsnormAndFusedAddRmsnorm() {
        for (int hidden : new int[] {256, 250}) {  // vector path, scalar path
            int rows = 3;
            float eps = 1e-5f;
            short[] x = randomBf16(random, rows * hidden, 2);
            short[] residual = randomBf16(random, rows * hidden, 2);
            short[] weight = randomBf16(random, hidden, 1);
            KernelSimulator sim = simulator();
            var xBuffer = sim.buffer(x);
            var w = sim.buffer(weight);
            var out = sim.poisoned(rows * hidden * 2);
            var inPlace = sim.buffer(x);
            var res = sim.buffer(residual);
            var fusedOut = sim.poisoned(rows * hidden * 2);
            KernelLaunch launch = KernelLaunch.rmsnorm(rows, hidden);
            sim.launch(YalisKernels.RMSNORM_BF16, launch, xBuffer, w, out, rows, hidden, eps);
            sim.launch(YalisKernels.RMSNORM_BF16, new KernelLaunch(rows, 1, 1, 64, 0), inPlace, w, inPlace, rows,
                    hidden, eps);
            sim.launch(YalisKernels.ADD_RMSNORM_BF16, launch, res, xBuffer, w, fusedOut, rows, hidden, eps);
            sim.run();
            assertCloseBf16("yalis_rmsnorm_bf16 hidden " + hidden, out.shorts(),
                    NormReference.rmsnorm(x, weight, rows, hidden, eps), Tolerances.BF16_OUTPUT);
            assertCloseBf16("yalis_rmsnorm_bf16 in place, 64 threads, hidden " + hidden, inPlace.shorts(),
                    NormReference.rmsnorm(x, weight, rows, hidden, eps), Tolerances.BF16_OUTPUT);
            var expected = NormReference.addRmsnorm(residual, x, weight, rows, hidden, eps);
            assertArrayEquals(expected.residual(), res.shorts(), "residual += x, bit-exact");
            assertCloseBf16("yalis_add_rmsnorm_bf16 hidden " + hidden, fusedOut.shorts(), expected.out(),
                    Tolerances.BF16_OUTPUT);
        }
    }

    @Test
    void splitRmsnormPartsMatchTheirReferencesAndTheUnsplitNorm() {
        for (int cols : new int[] {256, 250}) {  // vector path, scalar path
            int rows = 3;
            int width = 4 * cols;  // this rank holds a quarter of the row
            float eps = 1e-5f;
            short[] x = randomBf16(random, rows * cols, 2);
            short[] weight = randomBf16(random, cols, 1);
            // The other ranks' squares: the whole row's sum is this rank's plus theirs.
            float[] others = new float[rows];
            for (int r = 0; r < rows; r++) {
                others[r] = (float) (3 * cols * 4 * (0.5 + random.nextDouble()));
            }
            KernelSimulator sim = simulator();
            var xBuffer = sim.buffer(x);
            var w = sim.buffer(weight);
            var sums = sim.poisoned(rows * 4);
            KernelLaunch launch = KernelLaunch.rmsnorm(rows, cols);
            sim.launch(YalisKernels.SUM_OF_SQUARES_BF16, launch, xBuffer, sums, rows, cols);
            sim.run();
            float[] partial = sums.floats();
            assertCloseF32("yalis_sum_of_squares_bf16 cols " + cols, partial,
                    NormReference.sumOfSquares(x, rows, cols), Tolerances.F32_OUTPUT);

            float[] whole = new float[rows];
            for (int r = 0; r < rows; r++) {
                whole[r] = partial[r] + others[r];
            }
            var wholeSums = sim.buffer(whole);
            var out = sim.poisoned(rows * cols * 2);
            var inPlace = sim.buffer(x);
            sim.launch(YalisKernels.RMSNORM_FROM_SUM_OF_SQUARES_BF16, launch, xBuffer, wholeSums, w, out, rows, cols,
                    width, eps);
            sim.launch(YalisKernels.RMSNORM_FROM_SUM_OF_SQUARES_BF16, new KernelLaunch(rows, 1, 1, 64, 0), inPlace,
                    wholeSums, w, inPlace, rows, cols, width, eps);
            // One rank: the pair equals yalis_rmsnorm_bf16 bit for bit (same block size, same partial sums).
            var oneRankOut = sim.poisoned(rows * cols * 2);
            var plainOut = sim.poisoned(rows * cols * 2);
            sim.launch(YalisKernels.RMSNORM_FROM_SUM_OF_SQUARES_BF16, launch, xBuffer, sums, w, oneRankOut, rows,
                    cols, cols, eps);
            sim.launch(YalisKernels.RMSNORM_BF16, launch, xBuffer, w, plainOut, rows, cols, eps);
            sim.run();
            double[] expected = NormReference.rmsnormFromSumOfSquares(x, whole, weight, rows, cols, width, eps);
            assertCloseBf16("yalis_rmsnorm_from_sum_of_squares_bf16 cols " + cols, out.shorts(), expected,
                    Tolerances.BF16_OUTPUT);
            assertCloseBf16("... in place, 64 threads, cols " + cols, inPlace.shorts(), expected,
                    Tolerances.BF16_OUTPUT);
            assertArrayEquals(plainOut.shorts(), oneRankOut.shorts(), "one rank: equal to yalis_rmsnorm_bf16");
        }
    }
}
