package org.yalis.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import org.yalis.engine.model.RopeScaling;
import org.yalis.engine.model.RotaryEmbedding;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;
import org.yalis.engine.testing.SimulatedKernelDevice;
import org.yalis.nativelib.reference.Bf16;
import org.yalis.nativelib.reference.ElementwiseReference;
import org.yalis.nativelib.reference.GatherReference;
import org.yalis.nativelib.reference.NormReference;
import org.yalis.nativelib.reference.RelativeError;
import org.yalis.nativelib.reference.RopeReference;
import org.yalis.nativelib.reference.Tolerances;

/**
 * The CUDA backend's operations, exactly as it launches them ({@link KernelOps}), run in the CPU kernel
 * simulator against the kernels' references: argument order, types, strides and launch configurations
 * are checked here without a GPU. Outputs start as NaN, so an unwritten element fails.
 */
class KernelOpsSimTest {
    private final Random random = new Random(System.nanoTime());

    private short[] randomBf16(int n, double scale) {
        short[] bits = new short[n];
        for (int i = 0; i < n; i++) {
            bits[i] = Bf16.fromFloat((float) (random.nextGaussian() * scale));
        }
        return bits;
    }

    private static void assertClose(String what, double error, double bound) {
        System.out.printf("%-50s relative error %.3e (bound %.0e)%n", what, error, bound);
        assertTrue(error <= bound, what + ": " + error + " > " + bound);
    }

    @Test
    void embeddingAndGatherRowsCopyRowsBitForBit() {
        try (SimulatedKernelDevice device = SimulatedKernelDevice.create()) {
            int vocab = 40;
            int hidden = 24;
            short[] table = randomBf16(vocab * hidden, 1);
            int[] ids = {3, 39, 0, 17, 3};
            Tensor tableTensor = device.uploadBf16(table, vocab, hidden);
            Tensor idTensor = device.uploadI32(ids, ids.length, 1);
            Tensor embedded = device.allocateScratch(DType.BF16, ids.length, hidden);
            KernelOps.embedding(device, tableTensor, idTensor, embedded);
            assertArrayEquals(GatherReference.embedding(table, vocab, hidden, ids), device.shorts(embedded));

            // Gather rows of f32 logits-like data (any dtype: rows of bytes).
            float[] x = new float[9 * 7];
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextFloat();
            }
            int[] rows = {8, 0, 4};
            Tensor xTensor = device.uploadF32(x, 9, 7);
            Tensor gathered = device.allocateScratch(DType.F32, rows.length, 7);
            KernelOps.gatherRows(device, xTensor, device.uploadI32(rows, 3, 1), gathered);
            byte[] expected = GatherReference.gatherRows(device.bytes(xTensor), 9, 7 * 4, rows);
            assertArrayEquals(expected, device.bytes(gathered));
        }
    }

    @Test
    void normsMatchTheirFloat64References() {
        try (SimulatedKernelDevice device = SimulatedKernelDevice.create()) {
            int rows = 3;
            int width = 64;
            float eps = 1e-5f;
            short[] x = randomBf16(rows * width, 2);
            short[] weight = randomBf16(width, 1);
            Tensor xTensor = device.uploadBf16(x, rows, width);
            Tensor w = device.uploadBf16(weight, 1, width);
            Tensor out = device.allocateScratch(DType.BF16, rows, width);
            KernelOps.rmsnorm(device, xTensor, w, eps, out);
            assertClose("rmsnorm", RelativeError.ofBf16(device.shorts(out),
                    NormReference.rmsnorm(x, weight, rows, width, eps)), Tolerances.BF16_OUTPUT);

            Tensor sums = device.allocateScratch(DType.F32, rows, 1);
            KernelOps.sumOfSquares(device, xTensor, sums);
            float[] partial = device.floats(sums);
            assertClose("sumOfSquares", RelativeError.of(partial, NormReference.sumOfSquares(x, rows, width)),
                    Tolerances.F32_OUTPUT);
            int wholeWidth = 3 * width;   // as if two more ranks held the rest of the row
            float[] whole = new float[rows];
            for (int r = 0; r < rows; r++) {
                whole[r] = partial[r] * 3;
            }
            Tensor split = device.allocateScratch(DType.BF16, rows, width);
            KernelOps.rmsnormFromSumOfSquares(device, xTensor, device.uploadF32(whole, rows, 1), wholeWidth, w, eps,
                    split);
            assertClose("rmsnormFromSumOfSquares", RelativeError.ofBf16(device.shorts(split),
                    NormReference.rmsnormFromSumOfSquares(x, whole, weight, rows, width, wholeWidth, eps)),
                    Tolerances.BF16_OUTPUT);
        }
    }

    @Test
    void ropeRotatesEveryHeadOfTheRowsAsTheReference() {
        try (SimulatedKernelDevice device = SimulatedKernelDevice.create()) {
            int headDim = 16;
            int heads = 3;
            int rows = 4;
            int maxPositions = 64;
            float[][] tables = RotaryEmbedding.tables(RotaryEmbedding.inverseFrequencies(headDim, 10000.0,
                    new RopeScaling.None()), maxPositions);
            int[] positions = {0, 5, 63, 30};
            short[] x = randomBf16(rows * heads * headDim, 2);
            Tensor xTensor = device.uploadBf16(x, rows, heads * headDim);
            KernelOps.rope(device, xTensor, headDim, device.uploadI32(positions, rows, 1),
                    device.uploadF32(tables[0], maxPositions, headDim / 2),
                    device.uploadF32(tables[1], maxPositions, headDim / 2));
            short[] expected = x.clone();
            RopeReference.rope(expected, rows, heads * headDim, 0, heads, headDim, positions, tables[0], tables[1],
                    maxPositions);
            assertArrayEquals(expected, device.shorts(xTensor));
        }
    }

    @Test
    void elementwiseSiluMulAndAdd() {
        try (SimulatedKernelDevice device = SimulatedKernelDevice.create()) {
            int rows = 5;
            int cols = 43;   // odd: the kernels' scalar tails
            short[] gate = randomBf16(rows * cols, 2);
            short[] up = randomBf16(rows * cols, 1);
            Tensor g = device.uploadBf16(gate, rows, cols);
            Tensor u = device.uploadBf16(up, rows, cols);
            KernelOps.siluMul(device, g, u, g);   // in place over gate, as the model does
            assertClose("siluMul", RelativeError.ofBf16(device.shorts(g), ElementwiseReference.siluMul(gate, up)),
                    Tolerances.BF16_OUTPUT);

            short[] accumulator = randomBf16(rows * cols, 1);
            Tensor acc = device.uploadBf16(accumulator, rows, cols);
            KernelOps.add(device, acc, u);
            assertArrayEquals(ElementwiseReference.add(accumulator, up), device.shorts(acc));
        }
    }

    @Test
    void castToBf16ConvertsF32AndF16() {
        try (SimulatedKernelDevice device = SimulatedKernelDevice.create()) {
            float[] values = new float[101];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian() * 100;
            }
            Tensor source = device.uploadF32(values, 1, values.length);
            Tensor out = device.allocateScratch(DType.BF16, 1, values.length);
            KernelOps.castToBf16(device, DType.F32, source.data(), out.data(), values.length);
            assertArrayEquals(ElementwiseReference.castF32ToBf16(values), device.shorts(out));

            short[] halves = new short[values.length];
            for (int i = 0; i < halves.length; i++) {
                halves[i] = Float.floatToFloat16(values[i]);
            }
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(halves.length * 2)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            bytes.asShortBuffer().put(halves);
            Tensor f16 = device.upload(DType.F16, 1, halves.length, bytes.array());
            KernelOps.castToBf16(device, DType.F16, f16.data(), out.data(), values.length);
            assertArrayEquals(ElementwiseReference.castF16ToBf16(halves), device.shorts(out));
            assertEquals(2, device.launches());
        }
    }
}
