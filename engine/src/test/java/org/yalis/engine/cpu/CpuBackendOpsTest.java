package org.yalis.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.yalis.engine.model.RopeScaling;
import org.yalis.engine.model.RotaryEmbedding;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/** The CPU backend's elementwise and row operations against hand values and float64 references. */
class CpuBackendOpsTest {
    private static final double U = HostTensors.F32_UNIT_ROUNDOFF;

    // ---------------------------------------------------------------- rmsnorm

    @Test
    void rmsnormHandCase() {
        // x = [3, 4]: mean of squares (9 + 16) / 2 = 12.5, rms = sqrt(12.5) = 3.5355339
        // out = [3 / 3.5355339 * 1, 4 / 3.5355339 * 2] = [0.8485281, 2.2627417]
        try (Arena host = Arena.ofShared(); CpuBackend backend = new CpuBackend(1, WeightPlacement.COPY)) {
            Tensor weight = backend.loadWeight(HostTensors.hostTensor(host, DType.F32, 1, 2, new float[] {1, 2}));
            Tensor x = HostTensors.activations(backend, 1, 2, new float[] {3, 4});
            Tensor out = backend.allocate(DType.F32, 1, 2);
            backend.rmsnorm(x, weight, 0f, out);
            assertArrayEquals(new float[] {0.8485281f, 2.2627417f}, HostTensors.read(backend, out), 1e-6f);
        }
    }

    @ParameterizedTest(name = "{0} weight, {1} threads")
    @CsvSource({"F32, 1", "F32, 2", "BF16, 1", "BF16, 2"})
    void rmsnormMatchesFloat64ReferenceAndMayWriteInPlace(DType weightType, int threads) {
        Random random = new Random(5 + threads);
        float eps = 1e-5f;
        try (Arena host = Arena.ofShared(); CpuBackend backend = new CpuBackend(threads, WeightPlacement.MMAP)) {
            // 70 x 1000 reaches the parallel path (>= 2^16 elements); 3 x 7 stays on the caller.
            for (int[] shape : new int[][] {{3, 7}, {5, 64}, {70, 1000}}) {
                int tokens = shape[0];
                int width = shape[1];
                float[] weightValues = HostTensors.uniform(random, width);
                float[] storedWeights = HostTensors.storedValues(weightType, weightValues);
                Tensor weight = backend.loadWeight(HostTensors.hostTensor(host, weightType, 1, width, weightValues));
                float[] xValues = new float[tokens * width];
                for (int t = 0; t < tokens; t++) {
                    float scale = (float) Math.pow(10, t % 5 - 2);   // rows from 0.01 to 100 in magnitude
                    for (int i = 0; i < width; i++) {
                        xValues[t * width + i] = (random.nextFloat() * 2 - 1) * scale;
                    }
                }
                Tensor x = HostTensors.activations(backend, tokens, width, xValues);
                Tensor out = backend.allocate(DType.F32, tokens, width);
                backend.rmsnorm(x, weight, eps, out);
                float[] actual = HostTensors.read(backend, out);
                for (int t = 0; t < tokens; t++) {
                    double sumOfSquares = 0;
                    for (int i = 0; i < width; i++) {
                        sumOfSquares += (double) xValues[t * width + i] * xValues[t * width + i];
                    }
                    double inverseRms = 1 / Math.sqrt(sumOfSquares / width + eps);
                    for (int i = 0; i < width; i++) {
                        double reference = xValues[t * width + i] * inverseRms * storedWeights[i];
                        // f32 squares (u), the f32 scale (u), two f32 products (2u), sqrt halving: < 8u relative
                        double bound = 8 * U * Math.abs(reference) + Float.MIN_NORMAL;
                        assertClose(reference, actual[t * width + i], bound,
                                "rmsnorm " + weightType + " " + tokens + "x" + width + " [" + t + "][" + i + "]");
                    }
                }
                backend.rmsnorm(x, weight, eps, x);
                assertArrayEquals(actual, HostTensors.read(backend, x), 0f, "rmsnorm in place differs");
            }
        }
    }

    // ---------------------------------------------------------------- rope

    @Test
    void ropeHandCaseRotatesUnitVectorByOneRadian() {
        // head_dim 2, frequency 1, position 1: angle 1, (1, 0) -> (cos 1, sin 1) = (0.5403023, 0.84147098)
        float[][] tables = RotaryEmbedding.tables(new double[] {1.0}, 2);
        try (CpuBackend backend = new CpuBackend(1, WeightPlacement.COPY)) {
            Tensor cos = HostTensors.activations(backend, 2, 1, tables[0]);
            Tensor sin = HostTensors.activations(backend, 2, 1, tables[1]);
            Tensor x = HostTensors.activations(backend, 1, 2, new float[] {1, 0});
            backend.rope(x, 2, HostTensors.indices(backend, new int[] {1}), cos, sin);
            float[] rotated = HostTensors.read(backend, x);
            assertEquals((float) Math.cos(1), rotated[0], 0f);
            assertEquals((float) Math.sin(1), rotated[1], 0f);
            assertEquals(0.5403023f, rotated[0], 1e-7f);
            assertEquals(0.84147098f, rotated[1], 1e-7f);
        }
    }

    /**
     * Hugging Face's rotate-half in double: in each head, {@code x[j]} pairs with {@code x[j + d/2]},
     * {@code out[j] = x[j] cos - x[j + d/2] sin} and {@code out[j + d/2] = x[j + d/2] cos + x[j] sin},
     * with the float tables of {@link RotaryEmbedding#tables}. Several heads, tokens at scattered
     * positions, and a batch large enough for the parallel path.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void ropeMatchesFloat64RotateHalfReference(int threads) {
        Random random = new Random(11 + threads);
        int maxPositions = 4096;
        try (CpuBackend backend = new CpuBackend(threads, WeightPlacement.COPY)) {
            for (int[] shape : new int[][] {{4, 3, 8}, {9, 4, 64}, {64, 16, 64}}) {
                int tokens = shape[0];
                int heads = shape[1];
                int headDim = shape[2];
                int half = headDim / 2;
                int width = heads * headDim;
                float[][] tables = RotaryEmbedding.tables(
                        RotaryEmbedding.inverseFrequencies(headDim, 10000, new RopeScaling.None()), maxPositions);
                Tensor cos = HostTensors.activations(backend, maxPositions, half, tables[0]);
                Tensor sin = HostTensors.activations(backend, maxPositions, half, tables[1]);
                int[] positions = new int[tokens];
                for (int t = 0; t < tokens; t++) {
                    positions[t] = t == 0 ? 0 : t == 1 ? maxPositions - 1 : random.nextInt(maxPositions);
                }
                float[] xValues = HostTensors.uniform(random, tokens * width);
                Tensor x = HostTensors.activations(backend, tokens, width, xValues);
                backend.rope(x, headDim, HostTensors.indices(backend, positions), cos, sin);
                float[] actual = HostTensors.read(backend, x);
                for (int t = 0; t < tokens; t++) {
                    for (int h = 0; h < heads; h++) {
                        int head = t * width + h * headDim;
                        for (int j = 0; j < half; j++) {
                            double c = tables[0][positions[t] * half + j];
                            double s = tables[1][positions[t] * half + j];
                            double first = xValues[head + j];
                            double second = xValues[head + j + half];
                            // two rounded products and one rounded sum: < 3u of the sum of the products' magnitudes
                            double firstBound = 3 * U * (Math.abs(first * c) + Math.abs(second * s)) + Float.MIN_NORMAL;
                            double secondBound = 3 * U * (Math.abs(second * c) + Math.abs(first * s)) + Float.MIN_NORMAL;
                            String where = "rope token " + t + " (position " + positions[t] + ") head " + h + " j " + j;
                            assertClose(first * c - second * s, actual[head + j], firstBound, where);
                            assertClose(second * c + first * s, actual[head + j + half], secondBound, where + " + d/2");
                        }
                    }
                }
            }
        }
    }

    @Test
    void ropeRejectsPositionOutsideTheTable() {
        float[][] tables = RotaryEmbedding.tables(new double[] {1.0, 0.5}, 3);
        try (CpuBackend backend = new CpuBackend(1, WeightPlacement.COPY)) {
            Tensor cos = HostTensors.activations(backend, 3, 2, tables[0]);
            Tensor sin = HostTensors.activations(backend, 3, 2, tables[1]);
            Tensor x = HostTensors.activations(backend, 1, 4, new float[4]);
            assertThrows(IllegalArgumentException.class,
                    () -> backend.rope(x, 4, HostTensors.indices(backend, new int[] {3}), cos, sin));
        }
    }

    // ---------------------------------------------------------------- siluMul, add

    @Test
    void argmaxRowsPicksSamplersGreedyTokens() {
        int rows = 4;
        int vocab = 1000;
        float[] logits = new float[rows * vocab];
        Random random = new Random(5);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) random.nextGaussian();
        }
        logits[17] = 9;                  // row 0: a tie, the lower index wins
        logits[400] = 9;
        logits[vocab + 3] = Float.NaN;   // row 1: a NaN never wins
        logits[2 * vocab] = Float.NaN;   // row 2: ... except at index 0, where the scan starts
        try (CpuBackend backend = new CpuBackend(1, WeightPlacement.COPY)) {
            Tensor in = HostTensors.activations(backend, rows, vocab, logits);
            Tensor out = backend.allocate(DType.I32, rows + 2, 1);
            backend.argmaxRows(in, out);
            int[] picked = new int[rows + 2];
            backend.copyToHost(out, picked);
            for (int r = 0; r < rows; r++) {
                assertEquals(org.yalis.engine.sample.Sampler.argmax(logits, r * vocab, vocab), picked[r], "row " + r);
            }
            assertEquals(17, picked[0]);
            assertEquals(0, picked[2]);
            assertThrows(IllegalArgumentException.class, () -> backend.argmaxRows(in, out.firstRows(rows - 1)));
        }
    }

    @Test
    void siluMulHandValues() {
        // silu(0) * 5 = 0; silu(1) * 2 = 2 / (1 + e^-1) = 1.4621172; silu(-1) * 1 = -1 / (1 + e) = -0.26894142
        try (CpuBackend backend = new CpuBackend(1, WeightPlacement.COPY)) {
            Tensor gate = HostTensors.activations(backend, 1, 3, new float[] {0, 1, -1});
            Tensor up = HostTensors.activations(backend, 1, 3, new float[] {5, 2, 1});
            Tensor out = backend.allocate(DType.F32, 1, 3);
            backend.siluMul(gate, up, out);
            assertArrayEquals(new float[] {0f, 1.4621172f, -0.26894142f}, HostTensors.read(backend, out), 1e-6f);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void siluMulMatchesFloat64ReferenceAndMayWriteIntoGate(int threads) {
        Random random = new Random(21 + threads);
        try (CpuBackend backend = new CpuBackend(threads, WeightPlacement.COPY)) {
            for (int[] shape : new int[][] {{1, 5}, {3, 33}, {70, 1000}}) {
                int count = shape[0] * shape[1];
                float[] gateValues = new float[count];
                for (int i = 0; i < count; i++) {
                    gateValues[i] = (random.nextFloat() * 2 - 1) * 12;
                }
                gateValues[0] = -100f;   // exp(100) overflows f32: silu must come out as (minus) zero
                if (count > 1) {
                    gateValues[1] = 100f;
                }
                float[] upValues = HostTensors.uniform(random, count);
                Tensor gate = HostTensors.activations(backend, shape[0], shape[1], gateValues);
                Tensor up = HostTensors.activations(backend, shape[0], shape[1], upValues);
                Tensor out = backend.allocate(DType.F32, shape[0], shape[1]);
                backend.siluMul(gate, up, out);
                float[] actual = HostTensors.read(backend, out);
                for (int i = 0; i < count; i++) {
                    double g = gateValues[i];
                    double reference = g / (1 + Math.exp(-g)) * upValues[i];
                    // exp rounded to f32, one sum, one quotient, one product (each < u relative): < 6u
                    double bound = 6 * U * Math.abs(reference) + Float.MIN_NORMAL;
                    assertClose(reference, actual[i], bound, "siluMul " + shape[0] + "x" + shape[1] + " [" + i + "]");
                }
                backend.siluMul(gate, up, gate);
                assertArrayEquals(actual, HostTensors.read(backend, gate), 0f, "siluMul into gate differs");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void addIsExactF32AdditionOfEveryElement(int threads) {
        Random random = new Random(31 + threads);
        try (CpuBackend backend = new CpuBackend(threads, WeightPlacement.COPY)) {
            for (int[] shape : new int[][] {{1, 1}, {3, 17}, {70, 1000}}) {
                int count = shape[0] * shape[1];
                float[] accumulatorValues = HostTensors.uniform(random, count);
                float[] addendValues = HostTensors.uniform(random, count);
                Tensor accumulator = HostTensors.activations(backend, shape[0], shape[1], accumulatorValues);
                Tensor addend = HostTensors.activations(backend, shape[0], shape[1], addendValues);
                backend.add(accumulator, addend);
                float[] expected = new float[count];
                for (int i = 0; i < count; i++) {
                    // the double sum of two floats is exact, so rounding it once is the f32 sum
                    expected[i] = (float) ((double) accumulatorValues[i] + addendValues[i]);
                }
                assertArrayEquals(expected, HostTensors.read(backend, accumulator), 0f);
                assertArrayEquals(addendValues, HostTensors.read(backend, addend), 0f, "addend changed");
            }
        }
    }

    // ---------------------------------------------------------------- embedding, gatherRows

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void embeddingCopiesTheTableRowsOfTheIds(DType tableType) {
        Random random = new Random(41);
        int vocabulary = 11;
        int width = 37;
        float[] tableValues = HostTensors.uniform(random, vocabulary * width);
        float[] storedTable = HostTensors.storedValues(tableType, tableValues);
        int[] ids = {3, 0, 10, 3, 7};
        try (Arena host = Arena.ofShared(); CpuBackend backend = new CpuBackend(1, WeightPlacement.COPY)) {
            Tensor table = backend.loadWeight(HostTensors.hostTensor(host, tableType, vocabulary, width, tableValues));
            Tensor out = backend.allocate(DType.F32, ids.length, width);
            backend.embedding(table, HostTensors.indices(backend, ids), out);
            float[] expected = new float[ids.length * width];
            for (int t = 0; t < ids.length; t++) {
                System.arraycopy(storedTable, ids[t] * width, expected, t * width, width);
            }
            assertArrayEquals(expected, HostTensors.read(backend, out), 0f);

            for (int outOfRange : new int[] {-1, vocabulary}) {
                Tensor oneOut = backend.allocate(DType.F32, 1, width);
                Tensor badId = HostTensors.indices(backend, new int[] {outOfRange});
                assertThrows(IllegalArgumentException.class, () -> backend.embedding(table, badId, oneOut),
                        "id " + outOfRange);
            }
        }
    }

    @Test
    void gatherRowsPicksTheIndexedRows() {
        Random random = new Random(51);
        int rows = 9;
        int width = 13;
        float[] xValues = HostTensors.uniform(random, rows * width);
        int[] picked = {8, 0, 4, 4};
        try (CpuBackend backend = new CpuBackend(1, WeightPlacement.COPY)) {
            Tensor x = HostTensors.activations(backend, rows, width, xValues);
            Tensor out = backend.allocate(DType.F32, picked.length, width);
            backend.gatherRows(x, HostTensors.indices(backend, picked), out);
            float[] expected = new float[picked.length * width];
            for (int i = 0; i < picked.length; i++) {
                System.arraycopy(xValues, picked[i] * width, expected, i * width, width);
            }
            assertArrayEquals(expected, HostTensors.read(backend, out), 0f);

            Tensor oneOut = backend.allocate(DType.F32, 1, width);
            assertThrows(IllegalArgumentException.class,
                    () -> backend.gatherRows(x, HostTensors.indices(backend, new int[] {rows}), oneOut));
        }
    }

    private static void assertClose(double reference, float actual, double bound, String where) {
        double error = Math.abs(actual - reference);
        if (!(error <= bound)) {
            fail(where + ": got " + actual + ", reference " + reference + ", error " + error + " > bound " + bound);
        }
    }
}
