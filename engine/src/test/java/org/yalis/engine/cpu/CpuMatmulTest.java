package org.yalis.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/** {@link CpuBackend#matmul}: {@code out = x · Wᵀ} for f32, bf16 and f16 weights against float64 references. */
class CpuMatmulTest {
    /** In features: around and between the vector widths (8, 16, 32 floats) the kernels step by. */
    private static final int[] IN_FEATURES = {1, 7, 31, 33, 64, 100, 172, 300};
    /** Out features: whole 4-row tiles, a partial tile, and both. */
    private static final int[] OUT_FEATURES = {1, 3, 4, 5, 13};
    /** Tokens: whole 4-token tiles, remainders, and 70 (past the 64-token block). */
    private static final int[] TOKEN_COUNTS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 70};

    static Stream<Arguments> weightTypesThreadsAndPlacements() {
        List<Arguments> combinations = new ArrayList<>();
        for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            for (int threads : new int[] {1, 2}) {
                for (WeightPlacement placement : WeightPlacement.values()) {
                    combinations.add(Arguments.of(dtype, threads, placement));
                }
            }
        }
        return combinations.stream();
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16", "F16"})
    void handComputedTwoByThreeTimesTransposedTwoByThree(DType weightType) {
        // x = [[1, 2, 3], [4, 5, 6]], W = [[1, 0, -1], [0.5, 2, -3]] (exact in every dtype)
        // out[0] = [1*1 + 2*0 + 3*-1, 1*0.5 + 2*2 + 3*-3] = [-2, -4.5]
        // out[1] = [4*1 + 5*0 + 6*-1, 4*0.5 + 5*2 + 6*-3] = [-2, -6]
        float[] expected = {-2f, -4.5f, -2f, -6f};
        for (WeightPlacement placement : WeightPlacement.values()) {
            try (Arena host = Arena.ofShared(); CpuBackend backend = new CpuBackend(1, placement)) {
                Tensor weight = backend.loadWeight(
                        HostTensors.hostTensor(host, weightType, 2, 3, new float[] {1, 0, -1, 0.5f, 2, -3}));
                Tensor x = HostTensors.activations(backend, 2, 3, new float[] {1, 2, 3, 4, 5, 6});
                Tensor out = backend.allocate(DType.F32, 2, 2);
                backend.matmul(x, weight, out);
                assertArrayEquals(expected, HostTensors.read(backend, out), 0f, weightType + " " + placement);
            }
        }
    }

    @ParameterizedTest(name = "{0} weights, {1} threads, {2}")
    @MethodSource("weightTypesThreadsAndPlacements")
    void matchesFloat64ReferenceOverManyShapes(DType weightType, int threads, WeightPlacement placement) {
        Random random = new Random(1234 + weightType.ordinal() * 10 + threads);
        int maxTokens = 70;
        int maxIn = 300;
        int maxOut = 13;
        try (Arena host = Arena.ofShared(); CpuBackend backend = new CpuBackend(threads, placement)) {
            Tensor xBuffer = backend.allocate(DType.F32, maxTokens, maxIn);
            Tensor outBuffer = backend.allocate(DType.F32, maxTokens, maxOut);
            for (int in : IN_FEATURES) {
                for (int outFeatures : OUT_FEATURES) {
                    float[] weightValues = HostTensors.uniform(random, outFeatures * in);
                    float[] storedWeights = HostTensors.storedValues(weightType, weightValues);
                    Tensor weight = backend.loadWeight(
                            HostTensors.hostTensor(host, weightType, outFeatures, in, weightValues));
                    for (int tokens : TOKEN_COUNTS) {
                        float[] xValues = HostTensors.uniform(random, tokens * in);
                        Tensor x = new Tensor(xBuffer.data(), DType.F32, tokens, in);
                        backend.copyFromHost(xValues, x);
                        Tensor out = new Tensor(outBuffer.data(), DType.F32, tokens, outFeatures);
                        backend.matmul(x, weight, out);
                        float[] actual = HostTensors.read(backend, out);
                        assertWithinAccumulationError(xValues, storedWeights, tokens, outFeatures, in, actual,
                                weightType + " tokens=" + tokens + " out=" + outFeatures + " in=" + in);
                    }
                }
            }
        }
    }

    /**
     * Compares with {@code sum_k x[t][k] * w[r][k]} in double over the weights as stored, so the only
     * error left is the kernel's f32 accumulation. However the kernel orders its sum (per-lane FMA
     * chains, a lane reduction, a scalar remainder with a rounded product), every product passes
     * through at most {@code in + 1} roundings, so |error| <= gamma(in + 1) * sum_k |x||w| with
     * {@code gamma(n) = n u / (1 - n u)}, {@code u = 2^-24}; a little absolute slack covers underflow.
     */
    static void assertWithinAccumulationError(float[] x, float[] storedWeights, int tokens, int outFeatures,
                                              int in, float[] actual, String context) {
        double roundings = in + 1;
        double gamma = roundings * HostTensors.F32_UNIT_ROUNDOFF / (1 - roundings * HostTensors.F32_UNIT_ROUNDOFF);
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < outFeatures; r++) {
                double reference = 0;
                double magnitude = 0;
                for (int k = 0; k < in; k++) {
                    double product = (double) x[t * in + k] * storedWeights[r * in + k];
                    reference += product;
                    magnitude += Math.abs(product);
                }
                double bound = gamma * magnitude + in * (double) Float.MIN_VALUE;
                double error = Math.abs(actual[t * outFeatures + r] - reference);
                if (!(error <= bound)) {
                    fail(context + ": out[" + t + "][" + r + "] = " + actual[t * outFeatures + r]
                            + ", reference " + reference + ", error " + error + " > bound " + bound);
                }
            }
        }
    }

    /**
     * A one-hot token row picks one weight column: {@code out[t][r] = 0 * w[r][k != j] + 1 * w[r][j]}, which
     * is exactly the weight converted to f32 (a zero of either sign comes out +0: the accumulator starts
     * at +0). Special values sit in column {@code j} only, so the other columns' products are zeros.
     * Columns in the vector part and in the scalar remainder (in = 37); 14 rows cover 4-row tiles and
     * single rows; 5 tokens cover the 4-token tile and a single token.
     */
    @ParameterizedTest
    @EnumSource(WeightPlacement.class)
    void f16SpecialValuesComeOutExactlyThroughOneHotRows(WeightPlacement placement) {
        short[] specials = {0x0001, (short) 0x8001, 0x03FF, 0x0400, 0x7BFF, (short) 0xFBFF, 0x7C00,
            (short) 0xFC00, (short) 0x8000, 0x0000, 0x3C00, 0x3555, 0x7E00, 0x7C01};
        float[] expectedValues = {
            0x1p-24f, -0x1p-24f,            // smallest subnormals
            1023 * 0x1p-24f,                // largest subnormal
            0x1p-14f,                       // smallest normal
            65504f, -65504f,                // largest finite
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            0f, 0f,                         // -0 and +0: +0 after the +0 accumulator
            1f,
            0x1.554p-2f,                    // exponent 13 - 15 = -2, mantissa 1 + 0x155 / 1024
            Float.NaN, Float.NaN};          // quiet and signalling NaN
        int in = 37;
        int tokens = 5;
        Random random = new Random(7);
        try (Arena host = Arena.ofShared(); CpuBackend backend = new CpuBackend(1, placement)) {
            for (int column : new int[] {0, 1, 15, 16, 17, 30, 31, 32, 36}) {
                short[] bits = new short[specials.length * in];
                for (int r = 0; r < specials.length; r++) {
                    for (int k = 0; k < in; k++) {
                        bits[r * in + k] = k == column ? specials[r] : Float.floatToFloat16(random.nextFloat() * 8 - 4);
                    }
                }
                Tensor weight = backend.loadWeight(HostTensors.hostBits(host, DType.F16, specials.length, in, bits));
                float[] oneHot = new float[tokens * in];
                for (int t = 0; t < tokens; t++) {
                    oneHot[t * in + column] = 1f;
                }
                Tensor x = HostTensors.activations(backend, tokens, in, oneHot);
                Tensor out = backend.allocate(DType.F32, tokens, specials.length);
                backend.matmul(x, weight, out);
                float[] actual = HostTensors.read(backend, out);
                for (int t = 0; t < tokens; t++) {
                    for (int r = 0; r < specials.length; r++) {
                        float expected = expectedValues[r];
                        float got = actual[t * specials.length + r];
                        String where = String.format("half 0x%04x at column %d, token %d", specials[r], column, t);
                        if (Float.isNaN(expected)) {
                            assertTrue(Float.isNaN(got), where + ": expected NaN, got " + got);
                        } else {
                            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got),
                                    where + ": expected " + expected + ", got " + got);
                        }
                    }
                }
            }
        }
    }

    /**
     * Every finite f16 pattern through the vectorised half-to-float conversion: the weights hold all
     * 63488 finite halves, 32 per row (in = 32: no scalar remainder), and the tokens are the rows of the
     * 32x32 identity, so {@code out[t][r] = w[r][t]} exactly. Three extra tokens (single-token path) and
     * three extra rows (single-row path) repeat some patterns. Infinities and NaNs (exponent 31) are
     * checked one per row with zeros around them, as a zero token element times an infinity is NaN.
     */
    @Test
    void everyF16PatternConvertsExactlyInTheVectorKernels() {
        int in = 32;
        List<Short> finite = new ArrayList<>();
        List<Short> infOrNan = new ArrayList<>();
        for (int bits = 0; bits < 1 << 16; bits++) {
            ((bits & 0x7C00) == 0x7C00 ? infOrNan : finite).add((short) bits);
        }
        int[] extraTokenColumns = {0, 17, 31};
        float[] identityPlusExtra = new float[(in + extraTokenColumns.length) * in];
        for (int t = 0; t < in; t++) {
            identityPlusExtra[t * in + t] = 1f;
        }
        for (int e = 0; e < extraTokenColumns.length; e++) {
            identityPlusExtra[(in + e) * in + extraTokenColumns[e]] = 1f;
        }
        int tokens = in + extraTokenColumns.length;
        try (Arena host = Arena.ofShared(); CpuBackend backend = new CpuBackend(2, WeightPlacement.COPY)) {
            Tensor x = HostTensors.activations(backend, tokens, in, identityPlusExtra);

            // Finite patterns: row r holds patterns [32 r, 32 r + 32), then 3 rows repeating the start.
            int finiteRows = finite.size() / in + 3;
            short[] finiteBits = new short[finiteRows * in];
            for (int i = 0; i < finiteBits.length; i++) {
                finiteBits[i] = finite.get(i % finite.size());
            }
            float[] finiteOut = multiplyBits(backend, host, x, finiteBits, finiteRows, in);
            for (int t = 0; t < tokens; t++) {
                int column = t < in ? t : extraTokenColumns[t - in];
                for (int r = 0; r < finiteRows; r++) {
                    short half = finiteBits[r * in + column];
                    float expected = Float.float16ToFloat(half) + 0f;
                    float got = finiteOut[t * finiteRows + r];
                    if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(got)) {
                        fail(String.format("half 0x%04x (row %d, token %d): expected %s, got %s",
                                half, r, t, expected, got));
                    }
                }
            }

            // Infinities and NaNs: row r holds its pattern at column r % 32 and +0 elsewhere.
            int specialRows = infOrNan.size() + 3;
            short[] specialBits = new short[specialRows * in];
            for (int r = 0; r < specialRows; r++) {
                specialBits[r * in + r % in] = infOrNan.get(r % infOrNan.size());
            }
            float[] specialOut = multiplyBits(backend, host, x, specialBits, specialRows, in);
            for (int t = 0; t < tokens; t++) {
                int column = t < in ? t : extraTokenColumns[t - in];
                for (int r = column; r < specialRows; r += in) {
                    short half = specialBits[r * in + column];
                    float expected = Float.float16ToFloat(half);
                    float got = specialOut[t * specialRows + r];
                    boolean same = Float.isNaN(expected) ? Float.isNaN(got) : expected == got;
                    if (!same) {
                        fail(String.format("half 0x%04x (row %d, token %d): expected %s, got %s",
                                half, r, t, expected, got));
                    }
                }
            }
        }
    }

    private static float[] multiplyBits(CpuBackend backend, Arena host, Tensor x, short[] bits, int rows, int in) {
        Tensor weight = backend.loadWeight(HostTensors.hostBits(host, DType.F16, rows, in, bits));
        Tensor out = backend.allocate(DType.F32, x.rows(), rows);
        backend.matmul(x, weight, out);
        return HostTensors.read(backend, out);
    }

    @Test
    void rejectsMismatchedShapes() {
        try (Arena host = Arena.ofShared(); CpuBackend backend = new CpuBackend(1, WeightPlacement.COPY)) {
            Tensor weight = backend.loadWeight(HostTensors.hostTensor(host, DType.F32, 3, 4, new float[12]));
            Tensor x = backend.allocate(DType.F32, 2, 5);
            assertThrows(IllegalArgumentException.class,
                    () -> backend.matmul(x, weight, backend.allocate(DType.F32, 2, 3)));
            Tensor goodX = backend.allocate(DType.F32, 2, 4);
            assertThrows(IllegalArgumentException.class,
                    () -> backend.matmul(goodX, weight, backend.allocate(DType.F32, 2, 4)));
        }
    }
}
