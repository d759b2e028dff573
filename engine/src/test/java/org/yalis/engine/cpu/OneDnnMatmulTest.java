package org.yalis.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.yalis.engine.Quantization;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;
import org.yalis.engine.testing.TestModels;

/**
 * The library GEMM path ({@link OneDnnMatmul} behind {@link CpuBackend#matmul}) against a float64
 * reference on random shapes with ragged edges: token counts off the 16-row padding, output counts off
 * the 64-column slices, odd inner sizes.
 *
 * <p>Error bound, per output element, with {@code S = sum_k |x_k w_k|} over the stored weights:
 * <ul>
 *   <li>f32 weights: {@code k * 2^-24 * S} (f32 accumulation in any order);</li>
 *   <li>bf16 weights: {@code (2^-8 + k * 2^-24) * S}: the activations are rounded to bf16 first (to nearest,
 *       a relative error of at most 2^-8 with bf16's 8-bit significand), the bf16 products are exact in f32,
 *       and they are accumulated in f32.</li>
 * </ul>
 */
class OneDnnMatmulTest {

    @BeforeAll
    static void needsOneDnn() {
        TestModels.requireOneDnn();
    }

    private static CpuBackend libraryBackend(int threads) {
        return new CpuBackend(new CpuBackend.Settings(threads, WeightPlacement.COPY, false, Quantization.NONE));
    }

    @ParameterizedTest(name = "{0} weights, {1} tokens, {2} in, {3} out, {4} threads")
    @CsvSource({
            "F32, 8, 64, 64, 1", "F32, 17, 33, 65, 2", "F32, 40, 300, 130, 2", "F32, 128, 7, 300, 2",
            "BF16, 8, 64, 64, 1", "BF16, 9, 33, 5, 2", "BF16, 16, 100, 63, 1", "BF16, 17, 300, 130, 2",
            "BF16, 70, 172, 257, 2", "BF16, 128, 256, 512, 2"})
    void matchesTheFloat64ReferenceWithinTheBound(DType weightType, int tokens, int in, int out, int threads) {
        Random random = new Random(31L * tokens + in + 7L * out);
        float[] weights = HostTensors.uniform(random, out * in);
        float[] x = HostTensors.uniform(random, tokens * in);
        float[] stored = HostTensors.storedValues(weightType, weights);
        try (Arena host = Arena.ofShared(); CpuBackend backend = libraryBackend(threads)) {
            assertTrue(backend.matmulDescription().startsWith("oneDNN"), backend.matmulDescription());
            Tensor weight = backend.loadWeight(HostTensors.hostTensor(host, weightType, out, in, weights));
            Tensor result = backend.allocate(DType.F32, tokens, out);
            backend.matmul(HostTensors.activations(backend, tokens, in, x), weight, result);
            float[] actual = HostTensors.read(backend, result);
            double unit = weightType == DType.BF16 ? 0x1p-8 : 0;
            for (int t = 0; t < tokens; t++) {
                for (int o = 0; o < out; o++) {
                    double exact = 0;
                    double magnitude = 0;
                    for (int k = 0; k < in; k++) {
                        double product = (double) x[t * in + k] * stored[o * in + k];
                        exact += product;
                        magnitude += Math.abs(product);
                    }
                    double bound = (unit + in * 0x1p-24) * magnitude + 1e-30;
                    double error = Math.abs(actual[t * out + o] - exact);
                    assertTrue(error <= bound, weightType + " token " + t + " output " + o + ": error " + error
                            + " above the bound " + bound);
                }
            }
        }
    }

    /**
     * Q8_0 weights for many tokens go through bf16 tiles: against the float64 reference of the dequantized
     * weights, the bound is {@code (2^-8 + 2^-8 + k * 2^-24) * S}: the activations and the weights are each
     * rounded to bf16 once.
     */
    @ParameterizedTest(name = "{0} tokens, {1} in, {2} out, {3} threads")
    @CsvSource({"8, 64, 64, 1", "17, 100, 300, 2", "40, 300, 130, 2", "128, 256, 528, 2"})
    void q8WeightsThroughBf16TilesMatchTheReferenceWithinTheBound(int tokens, int in, int out, int threads) {
        Random random = new Random(13L * tokens + in + 3L * out);
        float[] weights = HostTensors.uniform(random, out * in);
        float[] x = HostTensors.uniform(random, tokens * in);
        try (Arena host = Arena.ofShared(); CpuBackend backend = new CpuBackend(new CpuBackend.Settings(threads,
                WeightPlacement.COPY, false, Quantization.Q8))) {
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
                    double bound = (0x1p-7 + in * 0x1p-24) * magnitude + 1e-30;
                    double error = Math.abs(actual[t * out + o] - exact);
                    assertTrue(error <= bound, "token " + t + " output " + o + ": error " + error + " above " + bound);
                }
            }
        }
    }

    @Test
    void mismatchedShapesAreRefusedBeforeOneDnnSeesThem() {
        try (Arena host = Arena.ofShared(); CpuBackend backend = libraryBackend(2)) {
            Tensor weight = backend.loadWeight(HostTensors.hostTensor(host, DType.BF16, 64, 32,
                    HostTensors.uniform(new Random(1), 64 * 32)));
            Tensor x = backend.allocate(DType.F32, 16, 48);   // 48 inputs for a 32-input weight
            Tensor out = backend.allocate(DType.F32, 16, 64);
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> backend.matmul(x, weight, out));
        }
    }

    @Test
    void fewerTokensThanTheThresholdRunOnTheInvariantKernelsBitForBit() {
        Random random = new Random(3);
        int in = 96;
        int out = 40;
        float[] weights = HostTensors.uniform(random, out * in);
        float[] x = HostTensors.uniform(random, (CpuBackend.GEMM_MIN_TOKENS - 1) * in);
        try (Arena host = Arena.ofShared(); CpuBackend library = libraryBackend(2);
             CpuBackend invariant = new CpuBackend(2, WeightPlacement.COPY)) {
            float[] expected = multiply(invariant, host, weights, x, in, out);
            float[] actual = multiply(library, host, weights, x, in, out);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "element " + i);
            }
        }
    }

    private static float[] multiply(CpuBackend backend, Arena host, float[] weights, float[] x, int in, int out) {
        Tensor weight = backend.loadWeight(HostTensors.hostTensor(host, DType.BF16, out, in, weights));
        int tokens = x.length / in;
        Tensor result = backend.allocate(DType.F32, tokens, out);
        backend.matmul(HostTensors.activations(backend, tokens, in, x), weight, result);
        return HostTensors.read(backend, result);
    }

    @Test
    void bf16RoundingOfActivationsIsRoundToNearestEvenLikeTheScalarOne() {
        float[] special = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0x7F800001),
                Float.intBitsToFloat(0xFFC00001), Float.intBitsToFloat(0x3F808000), Float.intBitsToFloat(0x3F818000),
                Float.intBitsToFloat(0x3F807FFF), Float.intBitsToFloat(0x7F7FFFFF), Float.intBitsToFloat(0x3F80C000)};
        Random random = new Random(11);
        int count = 1000;   // many whole vectors and a ragged tail
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment floats = arena.allocate(4L * count, 64);
            MemorySegment halves = arena.allocate(2L * count, 64);
            for (int i = 0; i < count; i++) {
                float value = i < special.length ? special[i] : Float.intBitsToFloat(random.nextInt());
                floats.setAtIndex(ValueLayout.JAVA_FLOAT, i, value);
            }
            OneDnnMatmul.roundRowToBf16(floats, 0, halves, count);
            for (int i = 0; i < count; i++) {
                float value = floats.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                assertEquals(Numerics.floatToBf16(value), halves.getAtIndex(ValueLayout.JAVA_SHORT, i),
                        "element " + i + " (" + Integer.toHexString(Float.floatToRawIntBits(value)) + ")");
            }
        }
    }
}
