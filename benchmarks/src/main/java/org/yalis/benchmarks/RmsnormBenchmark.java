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

import org.yalis.engine.cpu.CpuBackend;
import org.yalis.engine.cpu.WeightPlacement;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/** RMSNorm ({@code CpuBackend.rmsnorm}) over the 1B model's hidden width, decode and prefill token counts. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RmsnormBenchmark {
    static final float EPS = 1e-5f;

    @Param({"1", "128"})
    public int tokens;

    CpuBackend backend;
    Tensor x;
    Tensor weight;
    Tensor out;

    @Setup(Level.Trial)
    public void setUp() {
        backend = new CpuBackend(Llama1B.threads(), WeightPlacement.COPY);
        x = Tensors.activations(backend, tokens, Llama1B.HIDDEN, 3);
        weight = Tensors.activations(backend, 1, Llama1B.HIDDEN, 4);
        out = backend.allocate(DType.F32, tokens, Llama1B.HIDDEN);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    public void rmsnorm() {
        backend.rmsnorm(x, weight, EPS, out);
    }

    static Work work(int tokens) {
        return Work.rmsnorm(tokens, Llama1B.HIDDEN);
    }
}
