package org.yalis.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.yalis.engine.Quantization;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * {@code --quantize q8}: the Q8_0 quantization against llama.cpp's reference rules, and the q8 matmul
 * kernels against a float64 reference of the dequantized weights, on shapes with ragged edges (rows off
 * the 16-row groups, columns off the 32-column blocks).
 *
 * <p>Error bound of the kernels, per output element, with {@code S = sum_k |x_k q_k d_k|}:
 * {@code (k + 2) * 2^-24 * S}: each widened value {@code q} is exact, the products and the sums of a block's
 * two chains are rounded in f32 (at most {@code 32} terms), and each block's partial times its scale is
 * added to the row's sum (one rounding for the product, one for the sum), so no term passes through more
 * than {@code k + 2} roundings.
 */
class Q8MatmulTest {

    private static CpuBackend q8Backend(int threads) {
        return new CpuBackend(new CpuBackend.Settings(threads, WeightPlacement.COPY, true, Quantization.Q8));
    }

    @Test
    void quantizesAsLlamaCppsReference() {
        // One row of 32: the largest magnitude 2.54 gives d = 0.02 (stored as the f16 nearest to it), and
        // q = round(w / d) with halves away from zero: 0.01 / 0.02 = 0.5 -> 1, -0.03 / 0.02 = -1.5 -> -2.
        float[] row = new float[32];
        row[0] = 2.54f;
        row[1] = -2.54f;
        row[2] = 0.01f;
        row[3] = -0.03f;
        row[4] = 1.27f;
        try (Arena host = Arena.ofShared(); CpuBackend backend = q8Backend(1)) {
            Tensor q8 = backend.loadMatrix(HostTensors.hostTensor(host, DType.F32, 1, 32, row), 0, 32);
            assertEquals(DType.Q8_0, q8.dtype());
            float d = Float.float16ToFloat(Float.floatToFloat16(2.54f / 127f));
            assertEquals(127 * d, Q8Layout.weight(q8, 0, 0));
            assertEquals(-127 * d, Q8Layout.weight(q8, 0, 1));
            assertEquals(Q8Layout.roundHalfAwayFromZero(0.01f * (127f / 2.54f)) * d, Q8Layout.weight(q8, 0, 2));
            assertEquals(64 * d, Q8Layout.weight(q8, 0, 4));   // 1.27 / 0.02 = 63.5 -> 64
            assertEquals(0f, Q8Layout.weight(q8, 0, 31));
        }
        assertEquals(1, Q8Layout.roundHalfAwayFromZero(0.5f));
        assertEquals(-2, Q8Layout.roundHalfAwayFromZero(-1.5f));
        assertEquals(0, Q8Layout.roundHalfAwayFromZero(0.49999997f));
        assertEquals(-127, Q8Layout.roundHalfAwayFromZero(-127.0f));
    }

    @Test
    void aBlockOfZerosHasScaleZeroAndAllWeightsStayWithinHalfAStep() {
        Random random = new Random(4);
        int rows = 19;
        int cols = 70;
        float[] values = HostTensors.uniform(random, rows * cols);
        Arrays.fill(values, 32, 64, 0f);   // row 0's second block
        try (Arena host = Arena.ofShared(); CpuBackend backend = q8Backend(2)) {
            Tensor q8 = backend.loadMatrix(HostTensors.hostTensor(host, DType.BF16, rows, cols, values), 0, cols);
            float[] stored = HostTensors.storedValues(DType.BF16, values);
            for (int r = 0; r < rows; r++) {
                for (int block = 0; block * 32 < cols; block++) {
                    float amax = 0;
                    for (int c = block * 32; c < Math.min(cols, block * 32 + 32); c++) {
                        amax = Math.max(amax, Math.abs(stored[r * cols + c]));
                    }
                    for (int c = block * 32; c < Math.min(cols, block * 32 + 32); c++) {
                        double error = Math.abs(Q8Layout.weight(q8, r, c) - stored[r * cols + c]);
                        // half a step of d = amax / 127, plus the f16 rounding of d times |q| <= 127
                        assertTrue(error <= amax / 127 * (0.5 + 127 * 0x1p-11) + 1e-12,
                                "row " + r + " col " + c + ": error " + error);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} tokens, {1} in, {2} out, {3} threads")
    @CsvSource({"1, 64, 64, 1", "1, 70, 19, 2", "1, 2048, 130, 2", "2, 33, 200, 1", "3, 100, 65, 2", "4, 32, 16, 1",
            "5, 64, 33, 2", "9, 96, 81, 2", "17, 300, 48, 1"})
    void matchesTheFloat64ReferenceOfTheDequantizedWeights(int tokens, int in, int out, int threads) {
        Random random = new Random(7L * tokens + 31L * in + out);
        float[] weights = HostTensors.uniform(random, out * in);
        float[] x = HostTensors.uniform(random, tokens * in);
        try (Arena host = Arena.ofShared(); CpuBackend backend = q8Backend(threads)) {
            Tensor q8 = backend.loadMatrix(HostTensors.hostTensor(host, DType.F32, out, in, weights), 0, in);
            Tensor result = backend.allocate(DType.F32, tokens, out);
            backend.matmul(HostTensors.activations(backend, tokens, in, x), q8, result);
            float[] actual = HostTensors.read(backend, result);
            for (int t = 0; t < tokens; t++) {
                for (int o = 0; o < out; o++) {
                    double exact = 0;
                    double magnitude = 0;
                    for (int k = 0; k < in; k++) {
                        double product = (double) x[t * in + k] * Q8Layout.weight(q8, o, k);
                        exact += product;
                        magnitude += Math.abs(product);
                    }
                    double bound = (in + 2) * 0x1p-24 * magnitude + 1e-30;
                    double error = Math.abs(actual[t * out + o] - exact);
                    assertTrue(error <= bound, "token " + t + " output " + o + ": error " + error + " above " + bound);
                }
            }
        }
    }

    @Test
    void aTokensResultIsBitwiseTheSameAloneAndInAnyBatch() {
        Random random = new Random(12);
        int in = 100;
        int out = 37;
        int pool = 11;
        float[] weights = HostTensors.uniform(random, out * in);
        float[] rows = HostTensors.uniform(random, pool * in);
        try (Arena host = Arena.ofShared(); CpuBackend one = q8Backend(1); CpuBackend two = q8Backend(2)) {
            Tensor w1 = one.loadMatrix(HostTensors.hostTensor(host, DType.BF16, out, in, weights), 0, in);
            Tensor w2 = two.loadMatrix(HostTensors.hostTensor(host, DType.BF16, out, in, weights), 0, in);
            float[][] alone = new float[pool][];
            for (int t = 0; t < pool; t++) {
                alone[t] = multiply(one, w1, Arrays.copyOfRange(rows, t * in, (t + 1) * in), in, out);
            }
            for (int batch = 2; batch <= pool; batch++) {
                for (CpuBackend backend : new CpuBackend[] {one, two}) {
                    float[] all = multiply(backend, backend == one ? w1 : w2, Arrays.copyOf(rows, batch * in), in, out);
                    for (int t = 0; t < batch; t++) {
                        assertArrayEquals(bits(alone[t]), bits(Arrays.copyOfRange(all, t * out, (t + 1) * out)),
                                "token " + t + " in a batch of " + batch + " on " + backend.threads() + " threads");
                    }
                }
            }
        }
    }

    @Test
    void anEmbeddingLookupOfAQuantizedTableDequantizesTheRow() {
        Random random = new Random(9);
        int vocab = 40;
        int width = 72;
        float[] table = HostTensors.uniform(random, vocab * width);
        try (Arena host = Arena.ofShared(); CpuBackend backend = q8Backend(1)) {
            Tensor q8 = backend.loadMatrix(HostTensors.hostTensor(host, DType.F32, vocab, width, table), 0, width);
            Tensor out = backend.allocate(DType.F32, 3, width);
            backend.embedding(q8, HostTensors.indices(backend, new int[] {0, 39, 17}), out);
            float[] looked = HostTensors.read(backend, out);
            int[] ids = {0, 39, 17};
            for (int i = 0; i < ids.length; i++) {
                for (int c = 0; c < width; c++) {
                    assertEquals(Q8Layout.weight(q8, ids[i], c), looked[i * width + c]);
                }
            }
        }
    }

    @Test
    void aRowRangeOfAQuantizedTensorSplitsOnlyAtItsGroups() {
        Tensor q8 = new Tensor(Arena.ofAuto().allocate(DType.Q8_0.bytesFor(40, 64), 64), DType.Q8_0, 40, 64);
        assertEquals(DType.q8GroupBytes(64), q8.rowSlice(16, 16).data().address() - q8.data().address());
        assertEquals(8, q8.rowSlice(32, 8).rows(), "the last group may be partial");
        assertThrows(IllegalArgumentException.class, () -> q8.rowSlice(8, 16));
        assertThrows(UnsupportedOperationException.class, () -> DType.Q8_0.byteSize());
    }

    @Test
    void nonFiniteWeightsAreRefusedWhenQuantizing() {
        float[] row = new float[32];
        row[5] = Float.POSITIVE_INFINITY;
        try (Arena host = Arena.ofShared(); CpuBackend backend = q8Backend(1)) {
            Tensor source = HostTensors.hostTensor(host, DType.F32, 1, 32, row);
            IllegalArgumentException failure = assertThrows(IllegalArgumentException.class,
                    () -> backend.loadMatrix(source, 0, 32));
            assertTrue(failure.getMessage().contains("cannot hold"), failure.getMessage());
        }
    }

    private static float[] multiply(CpuBackend backend, Tensor weight, float[] x, int in, int out) {
        int tokens = x.length / in;
        Tensor result = backend.allocate(DType.F32, tokens, out);
        backend.matmul(HostTensors.activations(backend, tokens, in, x), weight, result);
        return HostTensors.read(backend, result);
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
