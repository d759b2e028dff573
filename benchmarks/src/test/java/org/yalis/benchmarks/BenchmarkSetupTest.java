package org.yalis.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * Each benchmark's setup, one call and teardown, without JMH, checked against a plain-Java
 * reference on the same random inputs: the benchmarks measure the work they claim on the shapes
 * they claim (and still run after engine changes), though JMH never runs during the build.
 */
class BenchmarkSetupTest {

    /** {@code count} values of a fill with {@code seed}, rounded to {@code dtype}. */
    private static float[] values(long seed, int count, DType dtype) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            float value = Tensors.next(random);
            values[i] = switch (dtype) {
                case BF16 -> Float.intBitsToFloat(Float.floatToRawIntBits(value) & 0xFFFF0000);
                case F16 -> Float.float16ToFloat(Float.floatToFloat16(value));
                default -> value;
            };
        }
        return values;
    }

    private static float get(Tensor tensor, int row, int col) {
        return tensor.data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, (long) row * tensor.cols() + col);
    }

    /**
     * Every projection, weight dtype, token count and path at least once; one copy of the weights (cold
     * set 0) keeps the test fast, and the 32 MiB case cycles through 4 copies of 8 MiB. Q8_0 is
     * quantized from the bf16 values: its bound adds half a quantization step of every weight (its
     * block's largest magnitude over 254), and the library path's bf16 roundings.
     */
    @ParameterizedTest
    @CsvSource({"Q_PROJ, F32, 1, 0, invariant", "Q_PROJ, BF16, 1, 32, invariant", "Q_PROJ, F16, 128, 0, invariant",
            "GATE_UP, BF16, 128, 0, library", "DOWN, F16, 1, 0, library", "Q_PROJ, Q8_0, 1, 0, invariant",
            "DOWN, Q8_0, 128, 0, library", "Q_PROJ, F32, 128, 0, library"})
    void matmulMultipliesTheProjectionsWeights(MatmulBenchmark.Projection projection, DType weights, int tokens,
                                               int coldSetMiB, String path) {
        MatmulBenchmark benchmark = new MatmulBenchmark();
        benchmark.projection = projection;
        benchmark.weights = weights;
        benchmark.tokens = tokens;
        benchmark.coldSetMiB = coldSetMiB;
        benchmark.path = path;
        benchmark.setUp();
        try {
            long weightBytes = weights.bytesFor(projection.rows, projection.cols);
            assertEquals(Math.max(1, (coldSetMiB << 20) / weightBytes), benchmark.weightCopies.length);
            for (int call = 0; call <= benchmark.weightCopies.length; call++) {
                benchmark.matmul();   // every copy, and round to the first again
            }
            assertEquals(projection.rows, benchmark.out.cols());
            int cols = projection.cols;
            int row = 5;
            int token = tokens - 1;
            boolean quantized = weights == DType.Q8_0;
            float[] weightRow = new float[cols];
            System.arraycopy(values(1, (row + 1) * cols, quantized ? DType.BF16 : weights), row * cols, weightRow, 0,
                    cols);
            float[] inputs = values(2, tokens * cols, DType.F32);
            double expected = 0;
            double magnitude = 0;
            double quantization = 0;
            for (int k = 0; k < cols; k++) {
                expected += (double) weightRow[k] * inputs[token * cols + k];
                magnitude += Math.abs((double) weightRow[k] * inputs[token * cols + k]);
                if (quantized) {
                    double amax = 0;
                    for (int j = k / 32 * 32; j < Math.min(cols, k / 32 * 32 + 32); j++) {
                        amax = Math.max(amax, Math.abs(weightRow[j]));
                    }
                    quantization += Math.abs(inputs[token * cols + k]) * amax / 127 * (0.5 + 127 * 0x1p-11);
                }
            }
            // The library path rounds bf16 products' activations to bf16 (and Q8_0 tiles' weights too).
            boolean roundsToBf16 = path.equals("library") && tokens >= 8 && weights != DType.F32 && weights != DType.F16;
            double bound = (quantized ? quantization : 1e-3) + (roundsToBf16 ? 0x1p-7 * magnitude : 0);
            assertEquals(expected, get(benchmark.out, token, row), bound, projection + " " + weights + " " + path);
        } finally {
            benchmark.tearDown();
        }
    }

    @Test
    void rmsnormNormalisesEachToken() {
        RmsnormBenchmark benchmark = new RmsnormBenchmark();
        benchmark.tokens = 128;
        benchmark.setUp();
        try {
            benchmark.rmsnorm();
            int width = Llama1B.HIDDEN;
            float[] x = values(3, 128 * width, DType.F32);
            float[] weight = values(4, width, DType.F32);
            int token = 77;
            double sumOfSquares = 0;
            for (int i = 0; i < width; i++) {
                sumOfSquares += x[token * width + i] * x[token * width + i];
            }
            double scale = 1 / Math.sqrt(sumOfSquares / width + RmsnormBenchmark.EPS);
            assertEquals(x[token * width + 5] * scale * weight[5], get(benchmark.out, token, 5), 1e-5);
        } finally {
            benchmark.tearDown();
        }
    }

    @Test
    void ropeRotatesTheDecodeTokenByItsPositionsAngles() {
        RopeBenchmark benchmark = new RopeBenchmark();
        benchmark.tokens = 1;
        benchmark.setUp();
        try {
            benchmark.rope();
            float[] before = values(5, Llama1B.HEADS * Llama1B.HEAD_DIM, DType.F32);
            int half = Llama1B.HEAD_DIM / 2;
            int head = 3;
            int j = 1;
            double angle = (Llama1B.DECODE_CONTEXT - 1) * Math.pow(Llama1B.PRESET.ropeTheta(), -2.0 * j / Llama1B.HEAD_DIM);
            float first = before[head * Llama1B.HEAD_DIM + j];
            float second = before[head * Llama1B.HEAD_DIM + j + half];
            assertEquals(first * Math.cos(angle) - second * Math.sin(angle),
                    get(benchmark.queries, 0, head * Llama1B.HEAD_DIM + j), 1e-5);
            assertEquals(second * Math.cos(angle) + first * Math.sin(angle),
                    get(benchmark.queries, 0, head * Llama1B.HEAD_DIM + j + half), 1e-5);
        } finally {
            benchmark.tearDown();
        }
    }

    /** A 16 MiB cold set gives decode 4 layers of 4 MiB to cycle through; prefill always has one. */
    @ParameterizedTest
    @CsvSource({"DECODE, 16, 4", "DECODE, 0, 1", "PREFILL, 16, 1"})
    void attentionOfTheLastQueryMatchesSoftmaxOverItsWholeContext(AttentionBenchmark.Phase phase, int coldSetMiB,
                                                                 int layers) {
        AttentionBenchmark benchmark = new AttentionBenchmark();
        benchmark.phase = phase;
        benchmark.coldSetMiB = coldSetMiB;
        benchmark.setUp();
        try {
            assertEquals(layers, benchmark.layers);
            for (int call = 0; call <= layers; call++) {
                benchmark.attention();   // every layer, and round to the first again
            }
            int headDim = Llama1B.HEAD_DIM;
            int kvWidth = Llama1B.KV_HEADS * headDim;
            int width = Llama1B.HEADS * headDim;
            float[] keys = values(6, phase.context * kvWidth, DType.F32);
            float[] cachedValues = values(7, phase.context * kvWidth, DType.F32);
            float[] queries = values(8, phase.queries * width, DType.F32);
            int row = phase.queries - 1;   // the last query sees the whole context
            int head = 13;
            int kvHead = head / (Llama1B.HEADS / Llama1B.KV_HEADS);
            double[] scores = new double[phase.context];
            double max = Double.NEGATIVE_INFINITY;
            for (int p = 0; p < phase.context; p++) {
                double dot = 0;
                for (int d = 0; d < headDim; d++) {
                    dot += queries[row * width + head * headDim + d] * keys[p * kvWidth + kvHead * headDim + d];
                }
                scores[p] = dot / Math.sqrt(headDim);
                max = Math.max(max, scores[p]);
            }
            double sum = 0;
            for (int p = 0; p < phase.context; p++) {
                scores[p] = Math.exp(scores[p] - max);
                sum += scores[p];
            }
            int d = 9;
            double expected = 0;
            for (int p = 0; p < phase.context; p++) {
                expected += scores[p] / sum * cachedValues[p * kvWidth + kvHead * headDim + d];
            }
            assertEquals(expected, get(benchmark.out, row, head * headDim + d), 1e-5, phase.toString());
        } finally {
            benchmark.tearDown();
        }
    }
}
