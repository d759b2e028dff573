package org.yalis.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.yalis.engine.model.RopeScaling;
import org.yalis.engine.model.RotaryEmbedding;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;
import org.yalis.engine.testing.TestDevice;
import org.yalis.nativelib.KernelLaunch;
import org.yalis.nativelib.YalisKernels;
import org.yalis.nativelib.reference.Bf16;
import org.yalis.nativelib.reference.ElementwiseReference;
import org.yalis.nativelib.reference.GatherReference;
import org.yalis.nativelib.reference.NormReference;
import org.yalis.nativelib.reference.RelativeError;
import org.yalis.nativelib.reference.RopeReference;
import org.yalis.nativelib.reference.SamplingReference;
import org.yalis.nativelib.reference.Tolerances;

/**
 * Every kernel except the attention ones (the cuda attention backend's checks cover those) against its
 * CPU reference from the native test-jar, on fresh random inputs each run (the seed is printed), into
 * outputs that start as NaN: bit-exact kernels bit for bit, bf16 outputs within 1e-2 and f32 outputs
 * within 1e-4 relative L2 error (KERNELS.md, METHOD.md). Where the CUDA backend launches a kernel, the
 * check goes through its own launch code ({@link KernelOps}).
 *
 * <p>The same bodies run on the kernel simulator here ({@code KernelChecksSimTest}) and on a GPU
 * ({@code KernelChecksGpuTest}, tagged gpu).
 */
abstract class KernelChecks {
    private TestDevice device;
    private Random random;
    private long seed;

    /** The device these checks run on. */
    abstract TestDevice openDevice();

    @BeforeEach
    void open() {
        device = openDevice();
        seed = System.nanoTime();
        random = new Random(seed);
    }

    @AfterEach
    void close() {
        if (device != null) {
            device.close();
        }
    }

    private short[] randomBf16(int n, double scale) {
        short[] bits = new short[n];
        for (int i = 0; i < n; i++) {
            bits[i] = Bf16.fromFloat((float) (random.nextGaussian() * scale));
        }
        return bits;
    }

    private float[] randomFloats(int n, double scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * scale);
        }
        return values;
    }

    private void assertClose(String what, double error, double bound) {
        String line = String.format("%-9s %-46s relative error %.3e (bound %.0e, seed %d)", device.name(), what, error,
                bound, seed);
        System.out.println(line);
        assertTrue(error <= bound, line);
    }

    private String where(String what) {
        return device.name() + ": " + what + " (seed " + seed + ")";
    }

    @Test
    void castsRoundExactlyAsTheHost() {
        int n = 1000 + random.nextInt(100);   // not a multiple of 8: the scalar tail too
        float[] values = randomFloats(n, 100);
        values[0] = Float.NaN;
        values[1] = Float.POSITIVE_INFINITY;
        values[2] = 3.4e38f;    // rounds past bf16's largest finite value: infinity
        values[3] = -0f;
        values[4] = 1e-40f;     // subnormal
        Tensor f32 = device.uploadF32(values, 1, n);
        Tensor bf16 = device.allocateScratch(DType.BF16, 1, n);
        KernelOps.castToBf16(device, DType.F32, f32.data(), bf16.data(), n);
        short[] rounded = ElementwiseReference.castF32ToBf16(values);
        assertArrayEquals(rounded, device.shorts(bf16), where("yalis_cast_f32_to_bf16"));

        Tensor widened = device.allocateScratch(DType.F32, 1, n);
        device.launch(YalisKernels.CAST_BF16_TO_F32, KernelLaunch.elementwise(n),
                a -> a.pointer(bf16.data()).pointer(widened.data()).int64(n));
        float[] back = device.floats(widened);
        float[] expected = ElementwiseReference.castBf16ToF32(rounded);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(back[i]),
                    where("yalis_cast_bf16_to_f32 at " + i));
        }

        short[] halves = new short[n];
        for (int i = 0; i < n; i++) {
            halves[i] = Float.floatToFloat16((float) random.nextGaussian() * 1000);
        }
        Tensor f16 = device.uploadF16(halves, 1, n);
        Tensor fromHalves = device.allocateScratch(DType.BF16, 1, n);
        KernelOps.castToBf16(device, DType.F16, f16.data(), fromHalves.data(), n);
        assertArrayEquals(ElementwiseReference.castF16ToBf16(halves), device.shorts(fromHalves),
                where("yalis_cast_f16_to_bf16"));
    }

    @Test
    void embeddingAndGatherRowsCopyRowsBitForBit() {
        int vocab = 300;
        int hidden = 256;
        short[] table = randomBf16(vocab * hidden, 1);
        int[] ids = new int[37];
        for (int t = 0; t < ids.length; t++) {
            ids[t] = random.nextInt(vocab);
        }
        ids[5] = -1;       // out of range: a NaN row, not a read out of bounds
        ids[6] = vocab;
        Tensor tableTensor = device.uploadBf16(table, vocab, hidden);
        Tensor embedded = device.allocateScratch(DType.BF16, ids.length, hidden);
        KernelOps.embedding(device, tableTensor, device.uploadI32(ids, ids.length, 1), embedded);
        assertArrayEquals(GatherReference.embedding(table, vocab, hidden, ids), device.shorts(embedded),
                where("yalis_embedding_bf16"));

        int rows = 20;
        int cols = 129;    // f32 logits-like rows of an odd width
        Tensor x = device.uploadF32(randomFloats(rows * cols, 3), rows, cols);
        int[] picks = {19, 0, 7, 7, 3};
        Tensor gathered = device.allocateScratch(DType.F32, picks.length, cols);
        KernelOps.gatherRows(device, x, device.uploadI32(picks, picks.length, 1), gathered);
        assertArrayEquals(GatherReference.gatherRows(device.bytes(x), rows, cols * 4, picks), device.bytes(gathered),
                where("yalis_gather_rows"));
    }

    @Test
    void normsMatchTheirFloat64References() {
        for (int width : new int[] {256, 250}) {   // vector path, scalar path
            int rows = 7;
            float eps = 1e-5f;
            short[] x = randomBf16(rows * width, 2);
            short[] weight = randomBf16(width, 1);
            short[] residual = randomBf16(rows * width, 2);
            Tensor xTensor = device.uploadBf16(x, rows, width);
            Tensor w = device.uploadBf16(weight, 1, width);
            Tensor out = device.allocateScratch(DType.BF16, rows, width);
            KernelOps.rmsnorm(device, xTensor, w, eps, out);
            assertClose("yalis_rmsnorm_bf16 width " + width, RelativeError.ofBf16(device.shorts(out),
                    NormReference.rmsnorm(x, weight, rows, width, eps)), Tolerances.BF16_OUTPUT);

            Tensor res = device.uploadBf16(residual, rows, width);
            Tensor fused = device.allocateScratch(DType.BF16, rows, width);
            device.launch(YalisKernels.ADD_RMSNORM_BF16, KernelLaunch.rmsnorm(rows, width), a -> a.pointer(res.data())
                    .pointer(xTensor.data()).pointer(w.data()).pointer(fused.data()).int32(rows).int32(width)
                    .float32(eps));
            NormReference.AddRmsnorm expected = NormReference.addRmsnorm(residual, x, weight, rows, width, eps);
            assertArrayEquals(expected.residual(), device.shorts(res), where("yalis_add_rmsnorm_bf16 residual"));
            assertClose("yalis_add_rmsnorm_bf16 width " + width, RelativeError.ofBf16(device.shorts(fused),
                    expected.out()), Tolerances.BF16_OUTPUT);
            // The backend's fused op launches it the same way.
            Tensor res2 = device.uploadBf16(residual, rows, width);
            Tensor fused2 = device.allocateScratch(DType.BF16, rows, width);
            KernelOps.addRmsnorm(device, res2, xTensor, w, eps, fused2);
            assertArrayEquals(expected.residual(), device.shorts(res2), where("KernelOps.addRmsnorm residual"));
            assertArrayEquals(device.shorts(fused), device.shorts(fused2), where("KernelOps.addRmsnorm out"));

            Tensor sums = device.allocateScratch(DType.F32, rows, 1);
            KernelOps.sumOfSquares(device, xTensor, sums);
            float[] partial = device.floats(sums);
            assertClose("yalis_sum_of_squares_bf16 width " + width,
                    RelativeError.of(partial, NormReference.sumOfSquares(x, rows, width)), Tolerances.F32_OUTPUT);
            int wholeWidth = 4 * width;   // as if three more ranks held the rest of the row
            float[] whole = new float[rows];
            for (int r = 0; r < rows; r++) {
                whole[r] = partial[r] * (1 + 3 * random.nextFloat());
            }
            Tensor split = device.allocateScratch(DType.BF16, rows, width);
            KernelOps.rmsnormFromSumOfSquares(device, xTensor, device.uploadF32(whole, rows, 1), wholeWidth, w, eps,
                    split);
            assertClose("yalis_rmsnorm_from_sum_of_squares_bf16 " + width, RelativeError.ofBf16(device.shorts(split),
                    NormReference.rmsnormFromSumOfSquares(x, whole, weight, rows, width, wholeWidth, eps)),
                    Tolerances.BF16_OUTPUT);
        }
    }

    @Test
    void ropeRotatesEveryHeadBitForBit() {
        int headDim = 64;
        int heads = 4;
        int kvHeads = 2;
        int rows = 9;
        int maxPositions = 300;
        float[][] tables = RotaryEmbedding.tables(RotaryEmbedding.inverseFrequencies(headDim, 500000.0,
                new RopeScaling.Llama3(32, 1, 4, 8192)), maxPositions);
        int[] positions = new int[rows];
        for (int t = 0; t < rows; t++) {
            positions[t] = random.nextInt(maxPositions);
        }
        Tensor positionTensor = device.uploadI32(positions, rows, 1);
        Tensor cos = device.uploadF32(tables[0], maxPositions, headDim / 2);
        Tensor sin = device.uploadF32(tables[1], maxPositions, headDim / 2);
        short[] q = randomBf16(rows * heads * headDim, 2);
        Tensor qTensor = device.uploadBf16(q, rows, heads * headDim);
        KernelOps.rope(device, qTensor, headDim, positionTensor, cos, sin);
        short[] expected = q.clone();
        RopeReference.rope(expected, rows, heads * headDim, 0, heads, headDim, positions, tables[0], tables[1],
                maxPositions);
        assertArrayEquals(expected, device.shorts(qTensor), where("yalis_rope_qk_bf16 (q only, as the backend)"));

        // q and k as column ranges of one fused matrix, in one launch.
        int stride = (heads + 2 * kvHeads) * headDim;
        short[] qkv = randomBf16(rows * stride, 2);
        Tensor qkvTensor = device.uploadBf16(qkv, rows, stride);
        long kOffset = (long) heads * headDim * 2;
        device.launch(YalisKernels.ROPE_QK_BF16, KernelLaunch.perRow(rows), a -> a.pointer(qkvTensor.data())
                .int32(heads).int64(stride).pointer(java.lang.foreign.MemorySegment.ofAddress(
                        qkvTensor.data().address() + kOffset)).int32(kvHeads).int64(stride).int32(rows).int32(headDim)
                .pointer(positionTensor.data()).pointer(cos.data()).pointer(sin.data()).int32(maxPositions));
        short[] fused = qkv.clone();
        RopeReference.rope(fused, rows, stride, 0, heads, headDim, positions, tables[0], tables[1], maxPositions);
        RopeReference.rope(fused, rows, stride, heads * headDim, kvHeads, headDim, positions, tables[0], tables[1],
                maxPositions);
        assertArrayEquals(fused, device.shorts(qkvTensor), where("yalis_rope_qk_bf16 (q and k)"));

        // The backend's ropeQk: q and k as separate tensors, one launch.
        short[] k = randomBf16(rows * kvHeads * headDim, 2);
        Tensor q2 = device.uploadBf16(q, rows, heads * headDim);
        Tensor k2 = device.uploadBf16(k, rows, kvHeads * headDim);
        KernelOps.ropeQk(device, q2, k2, headDim, positionTensor, cos, sin);
        short[] expectedK = k.clone();
        RopeReference.rope(expectedK, rows, kvHeads * headDim, 0, kvHeads, headDim, positions, tables[0], tables[1],
                maxPositions);
        assertArrayEquals(expected, device.shorts(q2), where("KernelOps.ropeQk q"));
        assertArrayEquals(expectedK, device.shorts(k2), where("KernelOps.ropeQk k"));
    }

    @Test
    void siluMulFusedSiluMulAndAdd() {
        int rows = 6;
        int cols = 344 + 1;   // odd: the scalar tails
        short[] gate = randomBf16(rows * cols, 2);
        short[] up = randomBf16(rows * cols, 1);
        Tensor g = device.uploadBf16(gate, rows, cols);
        Tensor u = device.uploadBf16(up, rows, cols);
        KernelOps.siluMul(device, g, u, g);   // in place over gate, as the model does
        assertClose("yalis_silu_mul_bf16", RelativeError.ofBf16(device.shorts(g),
                ElementwiseReference.siluMul(gate, up)), Tolerances.BF16_OUTPUT);

        int inter = 344;
        short[] gateUp = randomBf16(rows * 2 * inter, 2);
        Tensor gu = device.uploadBf16(gateUp, rows, 2 * inter);
        Tensor fusedOut = device.allocateScratch(DType.BF16, rows, inter);
        device.launch(YalisKernels.SILU_MUL_FUSED_BF16, KernelLaunch.elementwise((long) rows * inter),
                a -> a.pointer(gu.data()).pointer(fusedOut.data()).int32(rows).int32(inter));
        assertClose("yalis_silu_mul_fused_bf16", RelativeError.ofBf16(device.shorts(fusedOut),
                ElementwiseReference.siluMulFused(gateUp, rows, inter)), Tolerances.BF16_OUTPUT);

        short[] accumulator = randomBf16(rows * cols, 1);
        Tensor acc = device.uploadBf16(accumulator, rows, cols);
        KernelOps.add(device, acc, u);
        assertArrayEquals(ElementwiseReference.add(accumulator, up), device.shorts(acc), where("yalis_add_bf16"));
    }

    @Test
    void argmaxPicksTheLowestIndexOfTheLargestValue() {
        int rows = 5;
        int vocab = 5000 + 3;
        float[] logits = randomFloats(rows * vocab, 4);
        logits[2 * vocab + 17] = 100;      // a tie: the lower index wins
        logits[2 * vocab + 4000] = 100;
        logits[3 * vocab + 9] = Float.NaN; // NaN never wins
        Tensor in = device.uploadF32(logits, rows, vocab);
        Tensor index = device.allocateScratch(DType.I32, rows, 1);
        Tensor value = device.allocateScratch(DType.F32, rows, 1);
        device.launch(YalisKernels.ARGMAX_F32, KernelLaunch.rowReduction(rows, vocab), a -> a.pointer(in.data())
                .int32(rows).int32(vocab).pointer(index.data()).pointer(value.data()));
        int[] expected = SamplingReference.argmaxRows(logits, rows, vocab);
        assertArrayEquals(expected, device.ints(index), where("yalis_argmax_f32"));
        assertEquals(17, device.ints(index)[2]);
        float[] values = device.floats(value);
        for (int r = 0; r < rows; r++) {
            assertEquals(logits[r * vocab + expected[r]], values[r], where("yalis_argmax_f32 value"));
        }

        // The backend's greedy pick launches the same kernel, without values.
        Tensor picked = device.allocateScratch(DType.I32, rows, 1);
        KernelOps.argmaxRows(device, in, picked);
        assertArrayEquals(expected, device.ints(picked), where("KernelOps.argmaxRows"));

        short[] bf16 = randomBf16(rows * 4096, 4);
        Tensor bfIn = device.uploadBf16(bf16, rows, 4096);
        Tensor bfIndex = device.allocateScratch(DType.I32, rows, 1);
        device.launch(YalisKernels.ARGMAX_BF16, KernelLaunch.rowReduction(rows, 4096), a -> a.pointer(bfIn.data())
                .int32(rows).int32(4096).pointer(bfIndex.data()).pointer(java.lang.foreign.MemorySegment.NULL));
        assertArrayEquals(SamplingReference.argmaxRows(bf16, rows, 4096), device.ints(bfIndex),
                where("yalis_argmax_bf16"));
    }

    @Test
    void softmaxRowStatisticsAndCountsAboveThresholds() {
        int rows = 3;
        int vocab = 700;
        float temperature = 0.7f + random.nextFloat();
        float[] logits = randomFloats(rows * vocab, 2);
        Tensor in = device.uploadF32(logits, rows, vocab);
        Tensor probs = device.allocateScratch(DType.F32, rows, vocab);
        KernelLaunch launch = KernelLaunch.rowReduction(rows, vocab);
        device.launch(YalisKernels.SOFTMAX_F32, launch, a -> a.pointer(in.data()).pointer(probs.data()).int32(rows)
                .int32(vocab).float32(temperature));
        double[] p = SamplingReference.softmax(logits, rows, vocab, temperature);
        assertClose("yalis_softmax_f32", RelativeError.of(device.floats(probs), p), Tolerances.F32_OUTPUT);

        Tensor max = device.allocateScratch(DType.F32, rows, 1);
        Tensor sum = device.allocateScratch(DType.F32, rows, 1);
        device.launch(YalisKernels.ROW_MAX_SUMEXP_F32, launch, a -> a.pointer(in.data()).int32(rows).int32(vocab)
                .float32(temperature).pointer(max.data()).pointer(sum.data()));
        assertArrayEquals(SamplingReference.rowMax(logits, rows, vocab), device.floats(max),
                where("yalis_row_max_sumexp_f32 max"));
        assertClose("yalis_row_max_sumexp_f32 sum", RelativeError.of(device.floats(sum),
                SamplingReference.rowSumExp(logits, rows, vocab, temperature)), Tolerances.F32_OUTPUT);

        int count = 4;
        float[] thresholds = new float[rows * count];
        int[] ranks = {vocab - 1, vocab - 5, vocab / 2, 0};
        for (int r = 0; r < rows; r++) {
            double[] sorted = Arrays.copyOfRange(p, r * vocab, (r + 1) * vocab);
            Arrays.sort(sorted);
            for (int k = 0; k < count; k++) {
                // Midway between neighbours, far from any probability, so f32 and f64 agree on the count.
                double below = ranks[k] == 0 ? 0 : sorted[ranks[k] - 1];
                thresholds[r * count + k] = (float) ((sorted[ranks[k]] + below) / 2);
            }
        }
        Tensor limits = device.uploadF32(thresholds, rows, count);
        Tensor counts = device.allocateScratch(DType.I32, rows, count);
        Tensor masses = device.allocateScratch(DType.F32, rows, count);
        device.launch(YalisKernels.COUNT_ABOVE_F32, KernelLaunch.countAbove(rows, vocab), a -> a.pointer(in.data())
                .int32(rows).int32(vocab).float32(temperature).pointer(max.data()).pointer(sum.data())
                .pointer(limits.data()).int32(count).pointer(counts.data()).pointer(masses.data()));
        SamplingReference.CountAbove expected = SamplingReference.countAbove(logits, rows, vocab, temperature,
                thresholds, count);
        assertArrayEquals(expected.counts(), device.ints(counts), where("yalis_count_above_f32 counts"));
        assertClose("yalis_count_above_f32 masses", RelativeError.of(device.floats(masses), expected.masses()),
                Tolerances.F32_OUTPUT);
    }
}
