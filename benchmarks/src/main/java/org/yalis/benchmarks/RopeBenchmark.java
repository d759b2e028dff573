package org.yalis.benchmarks;

import java.lang.foreign.ValueLayout;
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

import org.yalis.engine.cpu.CpuBackend;
import org.yalis.engine.cpu.WeightPlacement;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * RoPE ({@code CpuBackend.rope}, in place) on the queries of the 1B layout (32 heads of 64): one
 * decode token at position 1023, or a prefill chunk at positions 0..127. Rotating the same rows
 * again and again keeps their magnitudes, so the values stay tame over millions of calls.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RopeBenchmark {

    @Param({"1", "128"})
    public int tokens;

    CpuBackend backend;
    Tensor queries;
    Tensor positions;
    Tensor cos;
    Tensor sin;

    @Setup(Level.Trial)
    public void setUp() {
        backend = new CpuBackend(Llama1B.threads(), WeightPlacement.COPY);
        int width = Llama1B.HEADS * Llama1B.HEAD_DIM;
        queries = Tensors.activations(backend, tokens, width, 5);
        int half = Llama1B.HEAD_DIM / 2;
        int tablePositions = Llama1B.DECODE_CONTEXT;
        cos = backend.allocate(DType.F32, tablePositions, half);
        sin = backend.allocate(DType.F32, tablePositions, half);
        for (int p = 0; p < tablePositions; p++) {
            for (int j = 0; j < half; j++) {
                double angle = p * Math.pow(Llama1B.PRESET.ropeTheta(), -2.0 * j / Llama1B.HEAD_DIM);
                cos.data().setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, (long) p * half + j, (float) Math.cos(angle));
                sin.data().setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, (long) p * half + j, (float) Math.sin(angle));
            }
        }
        positions = backend.allocate(DType.I32, tokens, 1);
        int first = tokens == 1 ? Llama1B.DECODE_CONTEXT - 1 : 0;
        for (int t = 0; t < tokens; t++) {
            positions.data().setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, t, first + t);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    public void rope() {
        backend.rope(queries, Llama1B.HEAD_DIM, positions, cos, sin);
    }

    static Work work(int tokens) {
        return Work.rope(tokens, Llama1B.HEADS, Llama1B.HEAD_DIM);
    }
}
