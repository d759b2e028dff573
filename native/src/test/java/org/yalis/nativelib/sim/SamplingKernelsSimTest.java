package org.yalis.nativelib.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.yalis.nativelib.sim.SimTesting.assertCloseF32;
import static org.yalis.nativelib.sim.SimTesting.randomFloats;
import static org.yalis.nativelib.sim.SimTesting.simulator;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.yalis.nativelib.KernelLaunch;
import org.yalis.nativelib.YalisKernels;
import org.yalis.nativelib.reference.Bf16;
import org.yalis.nativelib.reference.SamplingReference;
import org.yalis.nativelib.reference.Tolerances;

/** argmax and the sampling helpers in the CPU simulator against their references. */
class SamplingKernelsSimTest {
    private static final float NAN = Float.NaN;
    private static final float NEG_INF = Float.NEGATIVE_INFINITY;
    private final Random random = new Random(47);

    /** Rows of {@code vocab} logits: the edge cases first (ties, NaN, -inf, signed zeros), then random. */
    private float[] logits(int rows, int vocab) {
        float[] x = randomFloats(random, rows * vocab, 4);
        Arrays.fill(x, 0, vocab, 1);                    // row 0: all equal -> 0
        x[vocab + vocab - 1] = 100;                     // row 1: a tie at the end and the middle -> middle
        x[vocab + vocab / 2] = 100;
        x[2 * vocab] = NAN;                             // row 2: NaN at index 0 -> 0
        x[2 * vocab + 3] = 100;
        Arrays.fill(x, 3 * vocab, 4 * vocab, NEG_INF);  // row 3: all -inf -> 0
        x[4 * vocab + 5] = NAN;                         // row 4: NaN elsewhere loses
        x[4 * vocab + 6] = 50;
        Arrays.fill(x, 5 * vocab, 6 * vocab, -0.0f);    // row 5: -0.0 and 0.0 tie -> 0
        x[5 * vocab + 1] = 0.0f;
        Arrays.fill(x, 6 * vocab, 7 * vocab, NAN);      // row 6: only NaN -> 0
        return x;
    }

    @Test
    void argmaxF32MatchesTheSampler() {
        for (int vocab : new int[] {1000, 1001, 33}) {  // vector path, scalar path, tiny
            int rows = 9;
            float[] x = logits(rows, vocab);
            KernelSimulator sim = simulator();
            var in = sim.buffer(x);
            var index = sim.poisoned(rows * 4);
            var value = sim.poisoned(rows * 4);
            sim.launch(YalisKernels.ARGMAX_F32, KernelLaunch.rowReduction(rows, vocab), in, rows, vocab, index, value);
            sim.run();
            int[] expected = SamplingReference.argmaxRows(x, rows, vocab);
            assertArrayEquals(expected, index.ints(), "vocab " + vocab);
            for (int r = 0; r < rows; r++) {
                assertEquals(Float.floatToIntBits(x[r * vocab + expected[r]]), Float.floatToIntBits(value.floats()[r]));
            }
        }
    }

    @Test
    void argmaxBf16MatchesTheSampler() {
        for (int vocab : new int[] {512, 515}) {
            int rows = 9;
            short[] x = Bf16.fromFloats(logits(rows, vocab));  // bf16 rounding makes more ties
            KernelSimulator sim = simulator();
            var in = sim.buffer(x);
            var index = sim.poisoned(rows * 4);
            sim.launch(YalisKernels.ARGMAX_BF16, new KernelLaunch(rows, 1, 1, 96, 0), in, rows, vocab, index, null);
            sim.run();
            assertArrayEquals(SamplingReference.argmaxRows(x, rows, vocab), index.ints(), "vocab " + vocab);
        }
    }

    @Test
    void softmaxAndRowStatistics() {
        int rows = 3;
        int vocab = 777;
        float temperature = 0.7f;
        float[] x = randomFloats(random, rows * vocab, 3);
        x[5] = NEG_INF;
        KernelSimulator sim = simulator();
        var in = sim.buffer(x);
        var probs = sim.poisoned(rows * vocab * 4);
        var inPlace = sim.buffer(x);
        var max = sim.poisoned(rows * 4);
        var sum = sim.poisoned(rows * 4);
        KernelLaunch launch = KernelLaunch.rowReduction(rows, vocab);
        sim.launch(YalisKernels.SOFTMAX_F32, launch, in, probs, rows, vocab, temperature);
        sim.launch(YalisKernels.SOFTMAX_F32, launch, inPlace, inPlace, rows, vocab, temperature);
        sim.launch(YalisKernels.ROW_MAX_SUMEXP_F32, launch, in, rows, vocab, temperature, max, sum);
        sim.run();
        double[] expected = SamplingReference.softmax(x, rows, vocab, temperature);
        assertCloseF32("yalis_softmax_f32", probs.floats(), expected, Tolerances.F32_OUTPUT);
        assertArrayEquals(probs.floats(), inPlace.floats(), "in place");
        assertArrayEquals(SamplingReference.rowMax(x, rows, vocab), max.floats());
        assertCloseF32("yalis_row_max_sumexp_f32 sums", sum.floats(),
                SamplingReference.rowSumExp(x, rows, vocab, temperature), Tolerances.F32_OUTPUT);
    }

    @Test
    void countAboveThresholds() {
        int rows = 2;
        int vocab = 600;
        float temperature = 1.3f;
        float[] x = randomFloats(random, rows * vocab, 2);
        double[] p = SamplingReference.softmax(x, rows, vocab, temperature);
        int count = 5;
        float[] thresholds = new float[rows * count];
        for (int r = 0; r < rows; r++) {
            double[] sorted = Arrays.copyOfRange(p, r * vocab, (r + 1) * vocab);
            Arrays.sort(sorted);
            int[] ranks = {vocab - 1, vocab - 2, vocab - 10, vocab / 2, 0};
            for (int k = 0; k < count; k++) {
                // Midway between neighbours, far from any probability, so f32 and f64 agree on the count.
                double below = ranks[k] == 0 ? 0 : sorted[ranks[k] - 1];
                thresholds[r * count + k] = (float) ((sorted[ranks[k]] + below) / 2);
            }
        }
        KernelSimulator sim = simulator();
        var in = sim.buffer(x);
        var max = sim.poisoned(rows * 4);
        var sum = sim.poisoned(rows * 4);
        var limits = sim.buffer(thresholds);
        var counts = sim.poisoned(rows * count * 4);
        var masses = sim.poisoned(rows * count * 4);
        sim.launch(YalisKernels.ROW_MAX_SUMEXP_F32, KernelLaunch.rowReduction(rows, vocab), in, rows, vocab,
                temperature, max, sum);
        sim.launch(YalisKernels.COUNT_ABOVE_F32, KernelLaunch.countAbove(rows, vocab), in, rows, vocab, temperature,
                max, sum, limits, count, counts, masses);
        sim.run();
        var expected = SamplingReference.countAbove(x, rows, vocab, temperature, thresholds, count);
        assertArrayEquals(expected.counts(), counts.ints());
        assertArrayEquals(new int[] {1, 2, 10, vocab / 2, vocab}, Arrays.copyOfRange(counts.ints(), 0, count));
        assertCloseF32("yalis_count_above_f32 masses", masses.floats(), expected.masses(), Tolerances.F32_OUTPUT);
    }
}
