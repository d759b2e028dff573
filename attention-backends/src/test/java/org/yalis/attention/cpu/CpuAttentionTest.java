package org.yalis.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.yalis.engine.attention.Attention;
import org.yalis.engine.attention.AttentionBatch;
import org.yalis.engine.attention.AttentionSpec;
import org.yalis.engine.cpu.CpuBackend;
import org.yalis.engine.cpu.WeightPlacement;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * Paged attention against a float64 reference over contiguous keys and values: two sequences with
 * scattered blocks, prefilled in two chunks (the second over a cached prefix) and then decoded.
 */
class CpuAttentionTest {
    private static final int HEADS = 4;
    private static final int KV_HEADS = 2;

    /** Keys, values and queries of every position of one sequence (all heads). */
    private record SequenceData(float[][] keys, float[][] values, float[][] queries, int[] blockTable) {
    }

    @ParameterizedTest(name = "head_dim {0}, block size {1}, threads {2}")
    @CsvSource({"8, 1, 1", "8, 3, 2", "16, 4, 2", "64, 16, 2", "40, 5, 1"})
    void prefillInChunksThenDecodeMatchesTheReference(int headDim, int blockSize, int threads) {
        int[] lengths = {11, 6};
        int blocks = 64;
        AttentionSpec spec = new AttentionSpec(1, HEADS, KV_HEADS, headDim, (float) (1 / Math.sqrt(headDim)),
                blockSize, blocks, DType.F32);
        Random random = new Random(headDim * 31L + blockSize);
        List<Integer> freeBlocks = new ArrayList<>();
        for (int b = 0; b < blocks; b++) {
            freeBlocks.add(b);
        }
        Collections.shuffle(freeBlocks, random);   // scattered, not contiguous, blocks
        List<SequenceData> sequences = new ArrayList<>();
        for (int length : lengths) {
            int[] table = new int[(length + blockSize - 1) / blockSize];
            for (int i = 0; i < table.length; i++) {
                table[i] = freeBlocks.removeFirst();
            }
            sequences.add(new SequenceData(randomRows(random, length, KV_HEADS * headDim),
                    randomRows(random, length, KV_HEADS * headDim), randomRows(random, length, HEADS * headDim),
                    table));
        }
        try (CpuBackend backend = new CpuBackend(threads, WeightPlacement.COPY)) {
            Attention attention = new CpuAttentionBackend().create(spec, backend);
            // Step 1: first chunk of each sequence (5 and 3 tokens). Step 2: the rest but the last
            // token, attending over the cached chunk. Step 3: decode the last token of each.
            int[][] chunkEnds = {{5, 3}, {10, 5}, {11, 6}};
            int[] done = {0, 0};
            for (int[] ends : chunkEnds) {
                float[][] outputs = runStep(backend, attention, spec, sequences, done, ends,
                        ends == chunkEnds[2]);
                int row = 0;
                for (int s = 0; s < sequences.size(); s++) {
                    for (int position = done[s]; position < ends[s]; position++) {
                        float[] expected = reference(sequences.get(s), position, headDim, spec.scale());
                        assertClose(expected, outputs[row++], "sequence " + s + " position " + position);
                    }
                    done[s] = ends[s];
                }
            }
        }
    }

    @ParameterizedTest(name = "head_dim {0}")
    @CsvSource({"8", "64"})
    void aTokenGetsBitwiseTheSameOutputFromPrefillAndFromDecode(int headDim) {
        int length = 9;
        AttentionSpec spec = new AttentionSpec(1, HEADS, KV_HEADS, headDim, 0.125f, 4, 8, DType.F32);
        Random random = new Random(7);
        SequenceData data = new SequenceData(randomRows(random, length, KV_HEADS * headDim),
                randomRows(random, length, KV_HEADS * headDim), randomRows(random, length, HEADS * headDim),
                new int[] {5, 2, 7});
        try (CpuBackend backend = new CpuBackend(2, WeightPlacement.COPY)) {
            Attention attention = new CpuAttentionBackend().create(spec, backend);
            float[][] wholePrefill = runStep(backend, attention, spec, List.of(data), new int[] {0}, new int[] {length},
                    false);
            Attention another = new CpuAttentionBackend().create(spec, backend);
            runStep(backend, another, spec, List.of(data), new int[] {0}, new int[] {length - 1}, false);
            float[][] decoded = runStep(backend, another, spec, List.of(data), new int[] {length - 1},
                    new int[] {length}, true);
            assertArrayEquals(wholePrefill[length - 1], decoded[0]);
        }
    }

    /** Writes the step's keys and values, runs prefill (or decode) and returns each new row's output. */
    private static float[][] runStep(CpuBackend backend, Attention attention, AttentionSpec spec,
                                     List<SequenceData> sequences, int[] from, int[] to, boolean decode) {
        int tokens = 0;
        for (int s = 0; s < sequences.size(); s++) {
            tokens += to[s] - from[s];
        }
        int qDim = HEADS * spec.headDim();
        int kvDim = KV_HEADS * spec.headDim();
        float[] q = new float[tokens * qDim];
        float[] k = new float[tokens * kvDim];
        float[] v = new float[tokens * kvDim];
        int[] slots = new int[tokens];
        int[] starts = new int[sequences.size()];
        int[] queryLengths = new int[sequences.size()];
        int[] contexts = new int[sequences.size()];
        int[][] tables = new int[sequences.size()][];
        int row = 0;
        for (int s = 0; s < sequences.size(); s++) {
            SequenceData data = sequences.get(s);
            starts[s] = row;
            queryLengths[s] = to[s] - from[s];
            contexts[s] = to[s];
            tables[s] = data.blockTable();
            for (int position = from[s]; position < to[s]; position++) {
                System.arraycopy(data.queries()[position], 0, q, row * qDim, qDim);
                System.arraycopy(data.keys()[position], 0, k, row * kvDim, kvDim);
                System.arraycopy(data.values()[position], 0, v, row * kvDim, kvDim);
                slots[row] = data.blockTable()[position / spec.blockSize()] * spec.blockSize()
                        + position % spec.blockSize();
                row++;
            }
        }
        Tensor queries = upload(backend, q, tokens, qDim);
        Tensor out = backend.allocate(DType.F32, tokens, qDim);
        attention.beginStep(new AttentionBatch(starts, queryLengths, contexts, tables, slots));
        attention.writeKv(0, upload(backend, k, tokens, kvDim), upload(backend, v, tokens, kvDim));
        if (decode) {
            attention.decode(0, queries, out);
        } else {
            attention.prefill(0, queries, out);
        }
        float[] host = new float[tokens * qDim];
        backend.copyToHost(out, host);
        float[][] rows = new float[tokens][];
        for (int r = 0; r < tokens; r++) {
            rows[r] = java.util.Arrays.copyOfRange(host, r * qDim, (r + 1) * qDim);
        }
        return rows;
    }

    /** softmax(q·k / sqrt(d)) · v over positions 0..p, in double, every head (GQA: head h reads kv head h/2). */
    private static float[] reference(SequenceData data, int position, int headDim, float scale) {
        float[] out = new float[HEADS * headDim];
        for (int h = 0; h < HEADS; h++) {
            int kvHead = h / (HEADS / KV_HEADS);
            double[] scores = new double[position + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= position; j++) {
                double dot = 0;
                for (int d = 0; d < headDim; d++) {
                    dot += (double) data.queries()[position][h * headDim + d] * data.keys()[j][kvHead * headDim + d];
                }
                scores[j] = dot * scale;
                max = Math.max(max, scores[j]);
            }
            double sum = 0;
            for (int j = 0; j <= position; j++) {
                scores[j] = Math.exp(scores[j] - max);
                sum += scores[j];
            }
            for (int d = 0; d < headDim; d++) {
                double value = 0;
                for (int j = 0; j <= position; j++) {
                    value += scores[j] * data.values()[j][kvHead * headDim + d];
                }
                out[h * headDim + d] = (float) (value / sum);
            }
        }
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            // Outputs are convex combinations of values in [-1, 1]: an absolute bound is the right one.
            assertTrue(Math.abs(expected[i] - actual[i]) <= 2e-6, what + " element " + i + ": expected "
                    + expected[i] + ", got " + actual[i]);
        }
    }

    private static float[][] randomRows(Random random, int rows, int cols) {
        float[][] data = new float[rows][cols];
        for (float[] row : data) {
            for (int i = 0; i < cols; i++) {
                row[i] = random.nextFloat() * 2 - 1;
            }
        }
        return data;
    }

    private static Tensor upload(CpuBackend backend, float[] values, int rows, int cols) {
        Tensor tensor = backend.allocate(DType.F32, rows, cols);
        backend.copyFromHost(values, tensor);
        return tensor;
    }
}
