package org.yalis.nativelib.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.yalis.nativelib.sim.SimTesting.assertClose;
import static org.yalis.nativelib.sim.SimTesting.assertCloseBf16;
import static org.yalis.nativelib.sim.SimTesting.randomBf16;
import static org.yalis.nativelib.sim.SimTesting.simulator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.yalis.nativelib.KernelLaunch;
import org.yalis.nativelib.YalisKernels;
import org.yalis.nativelib.reference.PagedAttentionReference;
import org.yalis.nativelib.reference.Tolerances;

/** Paged prefill and decode (unsplit and split-K + reduction) in the CPU simulator against float64. */
class AttentionKernelsSimTest {
    private final Random random = new Random(31);

    /** A paged cache with sequences scattered over shuffled blocks. */
    private final class Cache {
        final PagedAttentionReference.Shape shape;
        final int[] contexts;
        final int[][] tables;
        final int[] flatTables;
        final int tableStride;
        final short[] k;
        final short[] v;
        final int slots;

        Cache(PagedAttentionReference.Shape shape, int[] contexts) {
            this.shape = shape;
            this.contexts = contexts;
            int needed = 0;
            int widest = 1;
            for (int c : contexts) {
                needed += Math.ceilDiv(c, shape.blockSize());
                widest = Math.max(widest, Math.ceilDiv(c, shape.blockSize()));
            }
            int blocks = needed + 3;
            List<Integer> ids = new ArrayList<>();
            for (int b = 0; b < blocks; b++) {
                ids.add(b);
            }
            Collections.shuffle(ids, random);
            tables = new int[contexts.length][];
            tableStride = widest + 1;
            flatTables = new int[contexts.length * tableStride];
            Arrays.fill(flatTables, -1);  // padding a kernel must never read
            int next = 0;
            for (int s = 0; s < contexts.length; s++) {
                tables[s] = new int[Math.ceilDiv(contexts[s], shape.blockSize())];
                for (int i = 0; i < tables[s].length; i++) {
                    tables[s][i] = ids.get(next++);
                    flatTables[s * tableStride + i] = tables[s][i];
                }
            }
            slots = blocks * shape.blockSize();
            int kvDim = shape.kvHeads() * shape.headDim();
            k = randomBf16(random, slots * kvDim, 1);
            v = randomBf16(random, slots * kvDim, 1);
        }
    }

    @ParameterizedTest(name = "heads {0}, kv heads {1}, head_dim {2}, block {3}")
    @CsvSource({"4, 4, 32, 16", "8, 2, 64, 16", "6, 2, 8, 3", "20, 1, 16, 5", "2, 1, 128, 16", "2, 2, 256, 8"})
    void prefillMatchesFloat64(int heads, int kvHeads, int headDim, int blockSize) {
        var shape = new PagedAttentionReference.Shape(heads, kvHeads, headDim, blockSize, 1 / Math.sqrt(headDim));
        boolean big = headDim >= 128;
        int[] queryLengths = big ? new int[] {3, 9} : new int[] {5, 20, 1, 33};
        int[] contexts = big ? new int[] {3, 40} : new int[] {5, 45, 33, 70};
        Cache cache = new Cache(shape, contexts);
        int[] starts = new int[queryLengths.length];
        int rows = 0;
        int maxQuery = 0;
        for (int s = 0; s < queryLengths.length; s++) {
            starts[s] = rows;
            rows += queryLengths[s];
            maxQuery = Math.max(maxQuery, queryLengths[s]);
        }
        int width = heads * headDim;
        int qStride = width + 8;  // q as a column range of a wider matrix
        short[] q = randomBf16(random, rows * qStride, 1);
        KernelSimulator sim = simulator();
        var qBuffer = sim.buffer(q);
        var k = sim.buffer(cache.k);
        var v = sim.buffer(cache.v);
        var out = sim.poisoned(rows * width * 2);
        var startBuffer = sim.buffer(starts);
        var lengthBuffer = sim.buffer(queryLengths);
        var contextBuffer = sim.buffer(contexts);
        var tableBuffer = sim.buffer(cache.flatTables);
        sim.launch(YalisKernels.PAGED_ATTENTION_PREFILL_BF16,
                KernelLaunch.prefill(queryLengths.length, maxQuery, heads, kvHeads, headDim), qBuffer, (long) qStride,
                k, v, out, (long) width, startBuffer, lengthBuffer, contextBuffer, tableBuffer, cache.tableStride,
                heads, kvHeads, headDim, blockSize, (float) shape.scale());
        sim.run();
        double[] expected = PagedAttentionReference.prefill(q, qStride, cache.k, cache.v, starts, queryLengths,
                contexts, cache.tables, rows, width, shape);
        assertCloseBf16("prefill " + heads + "/" + kvHeads + " heads, head_dim " + headDim + ", block " + blockSize,
                out.shorts(), expected, Tolerances.BF16_OUTPUT);
    }

    @ParameterizedTest(name = "heads {0}, kv heads {1}, head_dim {2}, block {3}, partition {4}")
    @CsvSource({"8, 2, 64, 16, 32", "4, 4, 32, 16, 7", "20, 1, 16, 5, 50", "6, 3, 128, 16, 64"})
    void decodeUnsplitAndSplitMatchFloat64(int heads, int kvHeads, int headDim, int blockSize, int partition) {
        var shape = new PagedAttentionReference.Shape(heads, kvHeads, headDim, blockSize, 1 / Math.sqrt(headDim));
        int[] contexts = headDim >= 128 ? new int[] {1, 70} : new int[] {1, 31, 32, 33, 100};
        Cache cache = new Cache(shape, contexts);
        int sequences = contexts.length;
        int[] starts = new int[sequences];
        for (int s = 0; s < sequences; s++) {
            starts[s] = sequences - 1 - s;  // rows in reverse order
        }
        int width = heads * headDim;
        short[] q = randomBf16(random, sequences * width, 1);
        int maxContext = Arrays.stream(contexts).max().orElseThrow();
        int maxSplits = KernelLaunch.decodeSplits(maxContext, partition);
        int partials = sequences * heads * maxSplits;

        KernelSimulator sim = simulator();
        var qBuffer = sim.buffer(q);
        var k = sim.buffer(cache.k);
        var v = sim.buffer(cache.v);
        var startBuffer = sim.buffer(starts);
        var contextBuffer = sim.buffer(contexts);
        var tableBuffer = sim.buffer(cache.flatTables);
        var unsplit = sim.poisoned(sequences * width * 2);
        var split = sim.poisoned(sequences * width * 2);
        var workspace = sim.poisoned(Math.toIntExact(
                KernelLaunch.decodeWorkspaceBytes(sequences, heads, headDim, maxSplits)));
        var maxPointer = workspace.at(0);
        var sumPointer = workspace.at(partials * 4L);
        var outPointer = workspace.at(partials * 8L);
        sim.launch(YalisKernels.PAGED_ATTENTION_DECODE_BF16, KernelLaunch.decode(sequences, heads, kvHeads, headDim, 1),
                qBuffer, (long) width, k, v, unsplit, (long) width, null, null, null, startBuffer, contextBuffer,
                tableBuffer, cache.tableStride, heads, kvHeads, headDim, blockSize, (float) shape.scale(), partition, 1);
        sim.launch(YalisKernels.PAGED_ATTENTION_DECODE_BF16,
                KernelLaunch.decode(sequences, heads, kvHeads, headDim, maxSplits), qBuffer, (long) width, k, v, split,
                (long) width, maxPointer, sumPointer, outPointer, startBuffer, contextBuffer, tableBuffer,
                cache.tableStride, heads, kvHeads, headDim, blockSize, (float) shape.scale(), partition, maxSplits);
        sim.run();
        byte[] untouched = split.bytes();
        float[] ws = workspace.floats();
        sim.launch(YalisKernels.PAGED_ATTENTION_DECODE_REDUCE_BF16, KernelLaunch.decodeReduce(sequences, heads),
                maxPointer, sumPointer, outPointer, startBuffer, contextBuffer, split, (long) width, heads, headDim,
                partition, maxSplits);
        sim.run();

        String name = heads + "/" + kvHeads + " heads, head_dim " + headDim + ", block " + blockSize;
        double[] expected = PagedAttentionReference.decode(q, width, cache.k, cache.v, starts, contexts, cache.tables,
                sequences, width, shape);
        assertCloseBf16("decode unsplit " + name, unsplit.shorts(), expected, Tolerances.BF16_OUTPUT);
        for (byte b : untouched) {
            assertEquals((byte) 0xFF, b, "the split pass must leave out to the reduction");
        }
        // The partials the split pass wrote, against float64 partials (unused splits stay unwritten).
        var reference = PagedAttentionReference.decodePartials(q, width, cache.k, cache.v, starts, contexts,
                cache.tables, partition, maxSplits, shape);
        List<Double> actualMax = new ArrayList<>();
        List<Double> expectedMax = new ArrayList<>();
        List<Double> actualOut = new ArrayList<>();
        List<Double> expectedOut = new ArrayList<>();
        List<Double> actualSum = new ArrayList<>();
        List<Double> expectedSum = new ArrayList<>();
        for (int x = 0; x < partials; x++) {
            if (Double.isNaN(reference.max()[x])) {
                assertEquals(true, Float.isNaN(ws[x]), "unused split " + x + " was written");
                continue;
            }
            actualMax.add((double) ws[x]);
            expectedMax.add(reference.max()[x]);
            actualSum.add((double) ws[partials + x]);
            expectedSum.add(reference.sum()[x]);
            for (int d = 0; d < headDim; d++) {
                actualOut.add((double) ws[2 * partials + x * headDim + d]);
                expectedOut.add(reference.out()[x * headDim + d]);
            }
        }
        assertClose("decode partial max " + name, unbox(actualMax), unbox(expectedMax), Tolerances.F32_OUTPUT);
        assertClose("decode partial sum " + name, unbox(actualSum), unbox(expectedSum), Tolerances.F32_OUTPUT);
        assertClose("decode partial out " + name, unbox(actualOut), unbox(expectedOut), Tolerances.F32_OUTPUT);
        assertCloseBf16("decode split " + partition + " + reduce " + name, split.shorts(), expected,
                Tolerances.BF16_OUTPUT);
        // The reduction alone, on the simulated partials, against the float64 reduction of the same partials.
        double[] wsMax = new double[partials];
        double[] wsSum = new double[partials];
        double[] wsOut = new double[partials * headDim];
        for (int x = 0; x < partials; x++) {
            wsMax[x] = ws[x];
            wsSum[x] = ws[partials + x];
        }
        for (int i = 0; i < wsOut.length; i++) {
            wsOut[i] = ws[2 * partials + i];
        }
        double[] reduced = PagedAttentionReference.decodeReduce(wsMax, wsSum, wsOut, starts, contexts, sequences,
                width, heads, headDim, partition, maxSplits);
        assertCloseBf16("decode reduce alone " + name, split.shorts(), reduced, Tolerances.BF16_OUTPUT);
    }

    @Test
    void brokenLaunchContractsTrap() {
        var shape = new PagedAttentionReference.Shape(2, 1, 16, 4, 0.25);
        Cache cache = new Cache(shape, new int[] {5});
        short[] q = randomBf16(random, 2 * 16, 1);
        KernelLaunch good = KernelLaunch.prefill(1, 1, 2, 1, 16);
        KernelLaunch[] broken = {
            new KernelLaunch(good.gridX(), good.gridY(), good.gridZ(), 64, good.sharedBytes()),  // block 64
            new KernelLaunch(good.gridX(), good.gridY(), good.gridZ(), 128, good.sharedBytes() - 16),  // smem short
        };
        for (KernelLaunch launch : broken) {
            KernelSimulator sim = simulator();
            sim.launch(YalisKernels.PAGED_ATTENTION_PREFILL_BF16, launch, sim.buffer(q), 32L, sim.buffer(cache.k),
                    sim.buffer(cache.v), sim.poisoned(64), 32L, sim.buffer(new int[] {0}), sim.buffer(new int[] {1}),
                    sim.buffer(new int[] {5}), sim.buffer(cache.flatTables), cache.tableStride, 2, 1, 16, 4, 0.25f);
            var failure = assertThrows(KernelSimulator.SimulationFailure.class, sim::run);
            assertEquals(42, failure.status(), failure.getMessage());
        }
        KernelSimulator sim = simulator();  // head_dim 12 is not a multiple of 8
        sim.launch(YalisKernels.PAGED_ATTENTION_DECODE_BF16, new KernelLaunch(1, 1, 1, 128, 8192), sim.buffer(q), 24L,
                sim.buffer(cache.k), sim.buffer(cache.v), sim.poisoned(64), 24L, null, null, null,
                sim.buffer(new int[] {0}), sim.buffer(new int[] {5}), sim.buffer(cache.flatTables), cache.tableStride,
                2, 1, 12, 4, 0.25f, 512, 1);
        assertEquals(42, assertThrows(KernelSimulator.SimulationFailure.class, sim::run).status());
    }

    private static double[] unbox(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
