package org.yalis.benchmarks;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import org.yalis.engine.attention.Attention;
import org.yalis.engine.attention.AttentionBackends;
import org.yalis.engine.attention.AttentionBatch;
import org.yalis.engine.attention.AttentionSpec;
import org.yalis.engine.cpu.CpuBackend;
import org.yalis.engine.cpu.WeightPlacement;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * The cpu attention backend (paged, f32 cache) with the 1B head layout (32 query heads, 8 KV heads
 * of 64), one sequence: a decode step over a 1024-token context, and the prefill of a 128-token
 * prompt. The KV cache is filled once; the step's layout is set up once; the benchmark is the
 * attention call alone. Decode calls cycle through layers whose caches together exceed the caches
 * of the CPU ({@code coldSetMiB}; 0 for one layer), as a forward pass does; a prefill reads the keys
 * and values it has just written, which are hot in a real forward pass too.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AttentionBenchmark {

    public enum Phase {
        /** One new token attending over {@link Llama1B#DECODE_CONTEXT} cached ones (itself the last). */
        DECODE(Llama1B.DECODE_TOKENS, Llama1B.DECODE_CONTEXT),
        /** A fresh prompt of {@link Llama1B#PREFILL_TOKENS}, causally. */
        PREFILL(Llama1B.PREFILL_TOKENS, Llama1B.PREFILL_TOKENS);

        final int queries;
        final int context;

        Phase(int queries, int context) {
            this.queries = queries;
            this.context = context;
        }
    }

    @Param({"DECODE", "PREFILL"})
    public Phase phase;

    @Param(Llama1B.COLD_SET_MIB)
    public int coldSetMiB;

    CpuBackend backend;
    Attention attention;
    int layers;
    int nextLayer;
    Tensor queries;
    Tensor out;

    @Setup(Level.Trial)
    public void setUp() {
        backend = new CpuBackend(Llama1B.threads(), WeightPlacement.COPY);
        int blocks = (phase.context + Llama1B.KV_BLOCK_SIZE - 1) / Llama1B.KV_BLOCK_SIZE;
        int kvWidth = Llama1B.KV_HEADS * Llama1B.HEAD_DIM;
        long kvBytesPerLayer = 2L * blocks * Llama1B.KV_BLOCK_SIZE * kvWidth * Float.BYTES;
        layers = phase == Phase.DECODE ? Llama1B.copies(coldSetMiB, kvBytesPerLayer) : 1;
        AttentionSpec spec = new AttentionSpec(layers, Llama1B.HEADS, Llama1B.KV_HEADS, Llama1B.HEAD_DIM,
                (float) (1 / Math.sqrt(Llama1B.HEAD_DIM)), Llama1B.KV_BLOCK_SIZE, blocks, DType.F32);
        attention = AttentionBackends.select("cpu", "cpu", spec).create(spec, backend);
        int[] blockTable = new int[blocks];
        for (int b = 0; b < blocks; b++) {
            blockTable[b] = b;
        }
        // Write the whole context's keys and values into every layer, as a prefill of it would.
        attention.beginStep(batch(phase.context, phase.context, blockTable));
        Tensor keys = Tensors.activations(backend, phase.context, kvWidth, 6);
        Tensor values = Tensors.activations(backend, phase.context, kvWidth, 7);
        for (int layer = 0; layer < layers; layer++) {
            attention.writeKv(layer, keys, values);
        }
        attention.beginStep(batch(phase.queries, phase.context, blockTable));
        queries = Tensors.activations(backend, phase.queries, Llama1B.HEADS * Llama1B.HEAD_DIM, 8);
        out = backend.allocate(DType.F32, phase.queries, Llama1B.HEADS * Llama1B.HEAD_DIM);
    }

    /** One sequence whose last {@code queries} of {@code context} tokens are this step's. */
    private static AttentionBatch batch(int queries, int context, int[] blockTable) {
        int[] slots = new int[queries];
        for (int i = 0; i < queries; i++) {
            slots[i] = context - queries + i;   // block b holds slots b*16.., and block b is at index b
        }
        return new AttentionBatch(new int[] {0}, new int[] {queries}, new int[] {context}, new int[][] {blockTable},
                slots);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        attention.close();
        backend.close();
    }

    @Benchmark
    public void attention() {
        int layer = nextLayer;
        nextLayer = nextLayer + 1 == layers ? 0 : nextLayer + 1;
        if (phase == Phase.DECODE) {
            attention.decode(layer, queries, out);
        } else {
            attention.prefill(layer, queries, out);
        }
    }

    static Work work(Phase phase) {
        return Work.attention(phase.queries, phase.context, Llama1B.HEADS, Llama1B.KV_HEADS, Llama1B.HEAD_DIM);
    }
}
