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

import org.yalis.engine.Quantization;
import org.yalis.engine.cpu.CpuBackend;
import org.yalis.engine.cpu.WeightPlacement;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * The CPU matmul ({@code CpuBackend.matmul}, all threads) on the Llama-3.2-1B projections, for each
 * weight dtype (Q8_0: {@code --quantize q8}, quantized from bf16), at a decode step (1 token: bound by
 * reading the weights) and a prefill chunk (128 tokens: bound by arithmetic), on both paths: the
 * batch-invariant Vector API kernels, and the default one, where 8 or more tokens go to oneDNN's GEMM
 * where it is installed (the decode step and Q8_0 take the Vector API kernels either way). Calls cycle
 * through copies of the weight that together exceed the caches ({@code coldSetMiB}; 0 for one copy,
 * which stays cache-hot when it fits).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MatmulBenchmark {

    /** A projection: {@code rows} outputs from {@code cols} inputs, as nn.Linear stores the weight. */
    public enum Projection {
        /** q_proj (o_proj has the same shape): hidden to heads x head_dim. */
        Q_PROJ(Llama1B.HEADS * Llama1B.HEAD_DIM, Llama1B.HIDDEN),
        /** gate_proj and up_proj: hidden to intermediate. */
        GATE_UP(Llama1B.INTERMEDIATE, Llama1B.HIDDEN),
        /** down_proj: intermediate to hidden. */
        DOWN(Llama1B.HIDDEN, Llama1B.INTERMEDIATE);

        final int rows;
        final int cols;

        Projection(int rows, int cols) {
            this.rows = rows;
            this.cols = cols;
        }
    }

    @Param({"Q_PROJ", "GATE_UP", "DOWN"})
    public Projection projection;

    @Param({"F32", "BF16", "F16", "Q8_0"})
    public DType weights;

    /** {@code invariant}: {@code --batch-invariant}; {@code library}: the default (oneDNN for prefill). */
    @Param({"invariant", "library"})
    public String path;

    @Param({"1", "128"})
    public int tokens;

    @Param(Llama1B.COLD_SET_MIB)
    public int coldSetMiB;

    CpuBackend backend;
    Tensor x;
    Tensor[] weightCopies;
    int nextCopy;
    Tensor out;

    @Setup(Level.Trial)
    public void setUp() {
        boolean quantized = weights == DType.Q8_0;
        backend = new CpuBackend(new CpuBackend.Settings(Llama1B.threads(), WeightPlacement.COPY,
                path.equals("invariant"), quantized ? Quantization.Q8 : Quantization.NONE));
        long weightBytes = weights.bytesFor(projection.rows, projection.cols);
        weightCopies = Tensors.weights(backend, quantized ? DType.BF16 : weights, projection.rows, projection.cols, 1,
                Llama1B.copies(coldSetMiB, weightBytes));
        x = Tensors.activations(backend, tokens, projection.cols, 2);
        out = backend.allocate(DType.F32, tokens, projection.rows);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
    }

    /** The result lands in native memory, which the JIT cannot prove dead: nothing to return. */
    @Benchmark
    public void matmul() {
        Tensor w = weightCopies[nextCopy];
        nextCopy = nextCopy + 1 == weightCopies.length ? 0 : nextCopy + 1;
        backend.matmul(x, w, out);
    }

    static Work work(Projection projection, DType weights, int tokens) {
        return Work.matmul(tokens, projection.rows, projection.cols, weights);
    }
}
