package org.yalis.attention.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.yalis.engine.attention.AttentionBatch;
import org.yalis.engine.attention.AttentionSpec;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;
import org.yalis.engine.testing.TestDevice;
import org.yalis.nativelib.reference.Bf16;
import org.yalis.nativelib.reference.GatherReference;
import org.yalis.nativelib.reference.PagedAttentionReference;
import org.yalis.nativelib.reference.RelativeError;
import org.yalis.nativelib.reference.Tolerances;

/**
 * {@link CudaAttention} as the engine drives it (beginStep, then per layer writeKv and prefill or
 * decode): prefill, chunked prefill over a cached prefix, unsplit decode and split-K decode past one
 * partition, in one pool of shuffled blocks over two layers, on fresh random inputs into outputs that
 * start as NaN, against the float64 reference on a host copy of the cache (relative L2 error 1e-2).
 * This covers the attention kernels (KV write, prefill, decode, decode reduction) through the
 * backend's own launch code.
 *
 * <p>The same bodies run in the kernel simulator here ({@code CudaAttentionSimTest}) and on a GPU
 * ({@code CudaAttentionGpuTest}, tagged gpu).
 */
abstract class CudaAttentionChecks {
    /** The device these checks run on. */
    abstract TestDevice openDevice();

    private final Random random = new Random(System.nanoTime());

    /** The engine's side: per sequence its block table and length; a host mirror of every layer's cache. */
    private final class Engine {
        final AttentionSpec spec;
        final PagedAttentionReference.Shape shape;
        final int kvDim;
        final List<Integer> freeBlocks = new ArrayList<>();
        final List<int[]> tables = new ArrayList<>();
        final List<Integer> lengths = new ArrayList<>();
        final short[][] keys;
        final short[][] values;

        Engine(AttentionSpec spec) {
            this.spec = spec;
            this.shape = new PagedAttentionReference.Shape(spec.heads(), spec.kvHeads(), spec.headDim(),
                    spec.blockSize(), spec.scale());
            this.kvDim = spec.kvHeads() * spec.headDim();
            for (int b = 0; b < spec.blocks(); b++) {
                freeBlocks.add(b);
            }
            Collections.shuffle(freeBlocks, random);
            int slots = spec.blocks() * spec.blockSize();
            keys = new short[spec.layers()][slots * kvDim];
            values = new short[spec.layers()][slots * kvDim];
        }

        int addSequence() {
            tables.add(new int[0]);
            lengths.add(0);
            return tables.size() - 1;
        }

        /** A step in which sequence s[i] brings newTokens[i] tokens. */
        AttentionBatch step(int[] sequences, int[] newTokens) {
            int tokens = Arrays.stream(newTokens).sum();
            int[] starts = new int[sequences.length];
            int[] contexts = new int[sequences.length];
            int[][] blockTables = new int[sequences.length][];
            int[] slots = new int[tokens];
            int row = 0;
            for (int i = 0; i < sequences.length; i++) {
                int s = sequences[i];
                int length = lengths.get(s) + newTokens[i];
                int[] table = tables.get(s);
                int needed = Math.ceilDiv(length, spec.blockSize());
                if (table.length < needed) {
                    int[] grown = Arrays.copyOf(table, needed);
                    for (int b = table.length; b < needed; b++) {
                        grown[b] = freeBlocks.removeFirst();
                    }
                    tables.set(s, grown);
                    table = grown;
                }
                starts[i] = row;
                contexts[i] = length;
                blockTables[i] = table;
                for (int p = lengths.get(s); p < length; p++) {
                    slots[row++] = table[p / spec.blockSize()] * spec.blockSize() + p % spec.blockSize();
                }
                lengths.set(s, length);
            }
            return new AttentionBatch(starts, newTokens.clone(), contexts, blockTables, slots);
        }
    }

    private short[] randomBf16(int n) {
        short[] bits = new short[n];
        for (int i = 0; i < n; i++) {
            bits[i] = Bf16.fromFloat((float) random.nextGaussian());
        }
        return bits;
    }

    /** One step on every layer; checks each layer's output against the reference on the host cache. */
    private void runStep(TestDevice device, CudaAttention attention, Engine engine, AttentionBatch batch,
                         boolean decode, String what) {
        AttentionSpec spec = engine.spec;
        int tokens = batch.tokens();
        int width = spec.heads() * spec.headDim();
        attention.beginStep(batch);
        for (int layer = 0; layer < spec.layers(); layer++) {
            short[] k = randomBf16(tokens * engine.kvDim);
            short[] v = randomBf16(tokens * engine.kvDim);
            short[] q = randomBf16(tokens * width);
            Tensor out = device.allocateScratch(DType.BF16, tokens, width);
            attention.writeKv(layer, device.uploadBf16(k, tokens, engine.kvDim),
                    device.uploadBf16(v, tokens, engine.kvDim));
            Tensor queries = device.uploadBf16(q, tokens, width);
            if (decode) {
                attention.decode(layer, queries, out);
            } else {
                attention.prefill(layer, queries, out);
            }
            GatherReference.kvCacheWrite(k, engine.kvDim, 0, v, engine.kvDim, 0, engine.keys[layer],
                    engine.values[layer], batch.slotMapping(), tokens, engine.kvDim);
            double[] expected = decode
                    ? PagedAttentionReference.decode(q, width, engine.keys[layer], engine.values[layer],
                            batch.queryStarts(), batch.contextLengths(), batch.blockTables(), tokens, width,
                            engine.shape)
                    : PagedAttentionReference.prefill(q, width, engine.keys[layer], engine.values[layer],
                            batch.queryStarts(), batch.queryLengths(), batch.contextLengths(), batch.blockTables(),
                            tokens, width, engine.shape);
            double error = RelativeError.ofBf16(device.shorts(out), expected);
            System.out.printf("%-9s %-58s relative error %.3e (bound %.0e)%n", device.name(),
                    what + ", layer " + layer, error, Tolerances.BF16_OUTPUT);
            assertTrue(error <= Tolerances.BF16_OUTPUT, what + ", layer " + layer + ": " + error);
        }
    }

    @ParameterizedTest(name = "heads {0}, kv heads {1}, head_dim {2}, block {3}")
    @CsvSource({"4, 2, 16, 16", "6, 2, 8, 5"})
    void prefillChunkedPrefillAndDecodeMatchTheReference(int heads, int kvHeads, int headDim, int blockSize) {
        AttentionSpec spec = new AttentionSpec(2, heads, kvHeads, headDim, (float) (1 / Math.sqrt(headDim)), blockSize,
                Math.ceilDiv(700, blockSize) + 20, DType.BF16);
        try (TestDevice device = openDevice()) {
            CudaAttention attention = new CudaAttention(spec, device);
            assertEquals(2L * 2 * spec.blocks() * blockSize * kvHeads * headDim * 2, attention.kvCacheBytes());
            Engine engine = new Engine(spec);
            int a = engine.addSequence();
            int b = engine.addSequence();
            int c = engine.addSequence();
            runStep(device, attention, engine, engine.step(new int[] {a, b, c}, new int[] {5, 20, 33}), false,
                    "prefill of 3 prompts");
            runStep(device, attention, engine, engine.step(new int[] {b}, new int[] {7}), false,
                    "chunked prefill over a cached prefix");
            runStep(device, attention, engine, engine.step(new int[] {a, b, c}, new int[] {1, 1, 1}), true,
                    "decode, unsplit");
            // A long sequence: its prompt's keys and values go in without attention (only the cache matters),
            // then it decodes past one partition (split-K + reduction) next to a short one (unsplit).
            int d = engine.addSequence();
            AttentionBatch longPrompt = engine.step(new int[] {d}, new int[] {600});
            attention.beginStep(longPrompt);
            for (int layer = 0; layer < spec.layers(); layer++) {
                short[] k = randomBf16(600 * engine.kvDim);
                short[] v = randomBf16(600 * engine.kvDim);
                attention.writeKv(layer, device.uploadBf16(k, 600, engine.kvDim),
                        device.uploadBf16(v, 600, engine.kvDim));
                GatherReference.kvCacheWrite(k, engine.kvDim, 0, v, engine.kvDim, 0, engine.keys[layer],
                        engine.values[layer], longPrompt.slotMapping(), 600, engine.kvDim);
            }
            runStep(device, attention, engine, engine.step(new int[] {a, d}, new int[] {1, 1}), true,
                    "decode, 601 positions split in 2 + a short one");
            IllegalStateException notDecode = assertThrows(IllegalStateException.class, () -> {
                attention.beginStep(engine.step(new int[] {a}, new int[] {2}));
                attention.decode(0, device.allocateScratch(DType.BF16, 2, heads * headDim),
                        device.allocateScratch(DType.BF16, 2, heads * headDim));
            });
            assertTrue(notDecode.getMessage().contains("one new token per sequence"));
            int beforeClose = device.liveAllocations();
            attention.close();
            // Everything the attention took went back: K and V per layer, the layout buffer, the split workspace.
            assertEquals(2 * spec.layers() + 2, beforeClose - device.liveAllocations());
        }
    }

    /**
     * What {@code --cuda-graphs} relies on: every decode step whose {@link CudaAttention#graphKey} equals an
     * earlier one's replays that step's captured launches (parameters frozen, memory read at replay) and
     * still matches the reference, while two sequences grow past block-table strides and one past a
     * decode partition (which must change the key). Inputs go into the same device buffers every step,
     * as the model's workspace does; outputs are poisoned before each replay.
     */
    @ParameterizedTest(name = "block {0}")
    @CsvSource({"4", "16"})
    void decodeStepsReplayedFromCapturedLaunchesMatchTheReference(int blockSize) {
        int heads = 4;
        int kvHeads = 2;
        int headDim = 16;
        int layers = 2;
        AttentionSpec spec = new AttentionSpec(layers, heads, kvHeads, headDim, (float) (1 / Math.sqrt(headDim)),
                blockSize, Math.ceilDiv(560, blockSize) + Math.ceilDiv(60, blockSize) + 8, DType.BF16);
        int width = heads * headDim;
        try (TestDevice device = openDevice()) {
            CudaAttention attention = new CudaAttention(spec, device);
            Engine engine = new Engine(spec);
            int shortOne = engine.addSequence();
            int longOne = engine.addSequence();
            // Prompts go in without attention: 5 tokens, and 500 that decode across the 512-position partition.
            AttentionBatch prompts = engine.step(new int[] {shortOne, longOne}, new int[] {5, 500});
            attention.beginStep(prompts);
            for (int layer = 0; layer < layers; layer++) {
                short[] k = randomBf16(prompts.tokens() * engine.kvDim);
                short[] v = randomBf16(prompts.tokens() * engine.kvDim);
                attention.writeKv(layer, device.uploadBf16(k, prompts.tokens(), engine.kvDim),
                        device.uploadBf16(v, prompts.tokens(), engine.kvDim));
                GatherReference.kvCacheWrite(k, engine.kvDim, 0, v, engine.kvDim, 0, engine.keys[layer],
                        engine.values[layer], prompts.slotMapping(), prompts.tokens(), engine.kvDim);
            }
            Tensor[] queries = new Tensor[layers];
            Tensor[] keys = new Tensor[layers];
            Tensor[] values = new Tensor[layers];
            Tensor[] outs = new Tensor[layers];
            for (int layer = 0; layer < layers; layer++) {
                queries[layer] = device.allocateScratch(DType.BF16, 2, width);
                keys[layer] = device.allocateScratch(DType.BF16, 2, engine.kvDim);
                values[layer] = device.allocateScratch(DType.BF16, 2, engine.kvDim);
                outs[layer] = device.allocateScratch(DType.BF16, 2, width);
            }
            java.util.Map<Record, org.yalis.engine.tensor.StepGraph> graphs = new java.util.HashMap<>();
            List<Record> keysSeen = new ArrayList<>();
            int steps = 20;
            for (int step = 0; step < steps; step++) {
                AttentionBatch batch = engine.step(new int[] {shortOne, longOne}, new int[] {1, 1});
                attention.beginStep(batch);
                short[][] q = new short[layers][];
                short[][] k = new short[layers][];
                short[][] v = new short[layers][];
                for (int layer = 0; layer < layers; layer++) {
                    q[layer] = randomBf16(2 * width);
                    k[layer] = randomBf16(2 * engine.kvDim);
                    v[layer] = randomBf16(2 * engine.kvDim);
                    overwrite(device, queries[layer], q[layer]);
                    overwrite(device, keys[layer], k[layer]);
                    overwrite(device, values[layer], v[layer]);
                    short[] poison = new short[2 * width];
                    Arrays.fill(poison, (short) 0xFFFF);
                    overwrite(device, outs[layer], poison);
                }
                Record key = attention.graphKey().orElseThrow();
                if (keysSeen.isEmpty() || !keysSeen.getLast().equals(key)) {
                    keysSeen.add(key);
                }
                org.yalis.engine.tensor.StepGraph graph = graphs.computeIfAbsent(key, unused -> device.capture(() -> {
                    for (int layer = 0; layer < layers; layer++) {
                        attention.writeKv(layer, keys[layer], values[layer]);
                        attention.decode(layer, queries[layer], outs[layer]);
                    }
                }));
                graph.replay();
                for (int layer = 0; layer < layers; layer++) {
                    GatherReference.kvCacheWrite(k[layer], engine.kvDim, 0, v[layer], engine.kvDim, 0,
                            engine.keys[layer], engine.values[layer], batch.slotMapping(), 2, engine.kvDim);
                    double[] expected = PagedAttentionReference.decode(q[layer], width, engine.keys[layer],
                            engine.values[layer], batch.queryStarts(), batch.contextLengths(), batch.blockTables(), 2,
                            width, engine.shape);
                    double error = RelativeError.ofBf16(device.shorts(outs[layer]), expected);
                    String what = "replayed decode step " + step + " (contexts " + Arrays.toString(batch.contextLengths())
                            + "), layer " + layer;
                    assertTrue(error <= Tolerances.BF16_OUTPUT, what + ": " + error);
                }
            }
            System.out.printf("%-9s block %d: %d decode steps replayed from %d captures%n", device.name(), blockSize,
                    steps, graphs.size());
            assertTrue(graphs.size() < steps / 3, graphs.size() + " captures for " + steps + " steps: the key changes "
                    + "more often than block-table strides and decode splits do");
            assertTrue(keysSeen.size() >= 2, "crossing 512 positions must change the decode split, and so the key");
            graphs.values().forEach(org.yalis.engine.tensor.StepGraph::close);
            attention.close();
        }
    }

    /**
     * The decode split alone must change the graph key: contexts of 1000 and 1100 positions in blocks of 12
     * share the block-table stride (84 and 92 blocks: 128) and the split-K workspace (sized by the first),
     * but take 2 and 3 partitions, so a graph of one would launch the other with the wrong grid.
     */
    @org.junit.jupiter.api.Test
    void theGraphKeyChangesWithTheDecodeSplitAlone() {
        AttentionSpec spec = new AttentionSpec(1, 4, 2, 16, 0.25f, 12, 200, DType.BF16);
        try (TestDevice device = openDevice()) {
            CudaAttention attention = new CudaAttention(spec, device);
            attention.beginStep(decodeStep(1100, 12));
            Record longer = attention.graphKey().orElseThrow();
            attention.beginStep(decodeStep(1000, 12));
            Record shorter = attention.graphKey().orElseThrow();
            org.junit.jupiter.api.Assertions.assertNotEquals(longer, shorter);
            attention.beginStep(decodeStep(1100, 12));
            assertEquals(longer, attention.graphKey().orElseThrow(), "the same shape gives the same key");
            attention.close();
        }
    }

    /** One sequence decoding its token at {@code context - 1}, blocks 0, 1, 2, ... */
    private static AttentionBatch decodeStep(int context, int blockSize) {
        int[] table = new int[Math.ceilDiv(context, blockSize)];
        for (int b = 0; b < table.length; b++) {
            table[b] = b;
        }
        int position = context - 1;
        return new AttentionBatch(new int[] {0}, new int[] {1}, new int[] {context}, new int[][] {table},
                new int[] {table[position / blockSize] * blockSize + position % blockSize});
    }

    /** New contents for an existing bf16 tensor, at the same address (as the model's workspace buffers are). */
    private static void overwrite(TestDevice device, Tensor tensor, short[] bits) {
        int[] pairs = new int[bits.length / 2];
        for (int i = 0; i < pairs.length; i++) {
            pairs[i] = (bits[2 * i] & 0xFFFF) | (bits[2 * i + 1] << 16);
        }
        device.copyFromHost(pairs, new Tensor(tensor.data(), DType.I32, tensor.rows(), tensor.cols() / 2));
    }
}
