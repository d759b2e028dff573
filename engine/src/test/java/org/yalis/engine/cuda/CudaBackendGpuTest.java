package org.yalis.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import org.yalis.engine.cpu.CpuBackend;
import org.yalis.engine.cpu.Numerics;
import org.yalis.engine.cpu.WeightPlacement;
import org.yalis.engine.metrics.Category;
import org.yalis.engine.metrics.PhaseBreakdown;
import org.yalis.engine.metrics.Profiler;
import org.yalis.engine.model.Phase;
import org.yalis.engine.model.RopeScaling;
import org.yalis.engine.model.RotaryEmbedding;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;
import org.yalis.engine.testing.Gpu;
import org.yalis.nativelib.reference.RelativeError;
import org.yalis.nativelib.reference.Tolerances;

/**
 * The CUDA backend through the {@link ComputeBackend} interface, operation by operation against the
 * CPU backend on the same inputs (bf16-representable values, so both start from identical numbers):
 * copies exact, bf16 outputs within 1e-2 and f32 outputs within 1e-4 relative L2 error; weights
 * converted on upload bit for bit; cuBLAS GEMMs of awkward shapes; every byte back on close; calls from
 * another thread; event-timed profiling; the device's ceilings. Skipped without a GPU.
 */
@Tag("gpu")
class CudaBackendGpuTest {
    private final long seed = System.nanoTime();
    private final Random random = new Random(seed);

    private float[] bf16Values(int n, double scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = Numerics.bf16ToFloat(Numerics.floatToBf16((float) (random.nextGaussian() * scale)));
        }
        return values;
    }

    private static Tensor hostTensor(Arena arena, DType dtype, int rows, int cols, float[] values) {
        MemorySegment segment = arena.allocate(Math.max(1L, (long) values.length * dtype.byteSize()), 64);
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case F32 -> segment.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, values[i]);
                case BF16 -> segment.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Numerics.floatToBf16(values[i]));
                case F16 -> segment.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(values[i]));
                case I32, Q8_0 -> throw new IllegalArgumentException();
            }
        }
        return new Tensor(segment, dtype, rows, cols);
    }

    /** An activation tensor of {@code backend} holding {@code values}. */
    private static Tensor activations(ComputeBackend backend, int rows, int cols, float[] values) {
        Tensor tensor = backend.allocate(backend.activationDType(), rows, cols);
        backend.copyFromHost(values, tensor);
        return tensor;
    }

    private static Tensor f32(ComputeBackend backend, int rows, int cols, float[] values) {
        Tensor tensor = backend.allocate(DType.F32, rows, cols);
        backend.copyFromHost(values, tensor);
        return tensor;
    }

    private static Tensor ints(ComputeBackend backend, int[] values) {
        Tensor tensor = backend.allocate(DType.I32, values.length, 1);
        backend.copyFromHost(values, tensor);
        return tensor;
    }

    private static float[] read(ComputeBackend backend, Tensor tensor) {
        float[] values = new float[(int) tensor.elementCount()];
        backend.copyToHost(tensor, values);
        return values;
    }

    private static double[] doubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private void assertClose(String what, float[] gpu, float[] cpu, double bound) {
        double error = RelativeError.of(gpu, doubles(cpu));
        String line = String.format("%-44s relative error %.3e (bound %.0e, seed %d)", what, error, bound, seed);
        System.out.println(line);
        assertTrue(error <= bound, line);
    }

    @Test
    void everyOperationMatchesTheCpuBackend() {
        int tokens = 13;
        int hidden = 256;
        int vocab = 500;
        int heads = 4;
        int headDim = 64;
        int inter = 344;
        float eps = 1e-5f;
        try (Arena host = Arena.ofShared(); CpuBackend cpu = new CpuBackend(4, WeightPlacement.COPY);
             CudaBackend gpu = Gpu.backend()) {
            // embedding: both copy the same bf16 rows (the CPU widens them to f32 exactly)
            Tensor table = hostTensor(host, DType.BF16, vocab, hidden, bf16Values(vocab * hidden, 1));
            int[] ids = random.ints(tokens, 0, vocab).toArray();
            Tensor cpuX = cpu.allocate(DType.F32, tokens, hidden);
            Tensor gpuX = gpu.allocate(DType.BF16, tokens, hidden);
            cpu.embedding(cpu.loadWeight(table), ints(cpu, ids), cpuX);
            gpu.embedding(gpu.loadWeight(table), ints(gpu, ids), gpuX);
            assertArrayEquals(read(cpu, cpuX), read(gpu, gpuX), "embedding (seed " + seed + ")");

            // rmsnorm, with bf16 weights on both
            float[] x = bf16Values(tokens * hidden, 2);
            Tensor normWeight = hostTensor(host, DType.BF16, 1, hidden, bf16Values(hidden, 1));
            Tensor cpuNormed = cpu.allocate(DType.F32, tokens, hidden);
            Tensor gpuNormed = gpu.allocate(DType.BF16, tokens, hidden);
            cpu.rmsnorm(activations(cpu, tokens, hidden, x), cpu.loadWeight(normWeight), eps, cpuNormed);
            gpu.rmsnorm(activations(gpu, tokens, hidden, x), gpu.loadWeight(normWeight), eps, gpuNormed);
            assertClose("rmsnorm", read(gpu, gpuNormed), read(cpu, cpuNormed), Tolerances.BF16_OUTPUT);

            // sum of squares, and the norm from an all-reduced sum of squares
            Tensor cpuSums = cpu.allocate(DType.F32, tokens, 1);
            Tensor gpuSums = gpu.allocate(DType.F32, tokens, 1);
            cpu.sumOfSquares(activations(cpu, tokens, hidden, x), cpuSums);
            gpu.sumOfSquares(activations(gpu, tokens, hidden, x), gpuSums);
            float[] sums = read(cpu, cpuSums);
            assertClose("sumOfSquares", read(gpu, gpuSums), sums, Tolerances.F32_OUTPUT);
            for (int t = 0; t < tokens; t++) {
                sums[t] *= 2;   // as if a second rank held as much again
            }
            Tensor cpuSplit = cpu.allocate(DType.F32, tokens, hidden);
            Tensor gpuSplit = gpu.allocate(DType.BF16, tokens, hidden);
            cpu.rmsnormFromSumOfSquares(activations(cpu, tokens, hidden, x), f32(cpu, tokens, 1, sums), 2 * hidden,
                    cpu.loadWeight(normWeight), eps, cpuSplit);
            gpu.rmsnormFromSumOfSquares(activations(gpu, tokens, hidden, x), f32(gpu, tokens, 1, sums), 2 * hidden,
                    gpu.loadWeight(normWeight), eps, gpuSplit);
            assertClose("rmsnormFromSumOfSquares", read(gpu, gpuSplit), read(cpu, cpuSplit), Tolerances.BF16_OUTPUT);

            // rope over 4 heads, Llama 3 tables
            int maxPositions = 200;
            float[][] tables = RotaryEmbedding.tables(RotaryEmbedding.inverseFrequencies(headDim, 500000.0,
                    new RopeScaling.Llama3(32, 1, 4, 8192)), maxPositions);
            int[] positions = random.ints(tokens, 0, maxPositions).toArray();
            float[] q = bf16Values(tokens * heads * headDim, 2);
            Tensor cpuQ = activations(cpu, tokens, heads * headDim, q);
            Tensor gpuQ = activations(gpu, tokens, heads * headDim, q);
            cpu.rope(cpuQ, headDim, ints(cpu, positions), f32(cpu, maxPositions, headDim / 2, tables[0]),
                    f32(cpu, maxPositions, headDim / 2, tables[1]));
            gpu.rope(gpuQ, headDim, ints(gpu, positions), f32(gpu, maxPositions, headDim / 2, tables[0]),
                    f32(gpu, maxPositions, headDim / 2, tables[1]));
            assertClose("rope", read(gpu, gpuQ), read(cpu, cpuQ), Tolerances.BF16_OUTPUT);
            float[] k = bf16Values(tokens * 2 * headDim, 2);
            Tensor cpuQ2 = activations(cpu, tokens, heads * headDim, q);
            Tensor gpuQ2 = activations(gpu, tokens, heads * headDim, q);
            Tensor cpuK = activations(cpu, tokens, 2 * headDim, k);
            Tensor gpuK = activations(gpu, tokens, 2 * headDim, k);
            cpu.ropeQk(cpuQ2, cpuK, headDim, ints(cpu, positions), f32(cpu, maxPositions, headDim / 2, tables[0]),
                    f32(cpu, maxPositions, headDim / 2, tables[1]));
            gpu.ropeQk(gpuQ2, gpuK, headDim, ints(gpu, positions), f32(gpu, maxPositions, headDim / 2, tables[0]),
                    f32(gpu, maxPositions, headDim / 2, tables[1]));
            assertClose("ropeQk q", read(gpu, gpuQ2), read(cpu, cpuQ2), Tolerances.BF16_OUTPUT);
            assertClose("ropeQk k", read(gpu, gpuK), read(cpu, cpuK), Tolerances.BF16_OUTPUT);

            // silu(gate) * up in place over gate, and the residual add
            float[] gate = bf16Values(tokens * inter, 2);
            float[] up = bf16Values(tokens * inter, 1);
            Tensor cpuGate = activations(cpu, tokens, inter, gate);
            Tensor gpuGate = activations(gpu, tokens, inter, gate);
            cpu.siluMul(cpuGate, activations(cpu, tokens, inter, up), cpuGate);
            gpu.siluMul(gpuGate, activations(gpu, tokens, inter, up), gpuGate);
            assertClose("siluMul", read(gpu, gpuGate), read(cpu, cpuGate), Tolerances.BF16_OUTPUT);
            float[] addend = bf16Values(tokens * hidden, 1);
            Tensor cpuAcc = activations(cpu, tokens, hidden, x);
            Tensor gpuAcc = activations(gpu, tokens, hidden, x);
            cpu.add(cpuAcc, activations(cpu, tokens, hidden, addend));
            gpu.add(gpuAcc, activations(gpu, tokens, hidden, addend));
            assertClose("add", read(gpu, gpuAcc), read(cpu, cpuAcc), Tolerances.BF16_OUTPUT);
            Tensor cpuResidual = activations(cpu, tokens, hidden, x);
            Tensor gpuResidual = activations(gpu, tokens, hidden, x);
            Tensor cpuFused = cpu.allocate(DType.F32, tokens, hidden);
            Tensor gpuFused = gpu.allocate(DType.BF16, tokens, hidden);
            cpu.addRmsnorm(cpuResidual, activations(cpu, tokens, hidden, addend), cpu.loadWeight(normWeight), eps,
                    cpuFused);
            gpu.addRmsnorm(gpuResidual, activations(gpu, tokens, hidden, addend), gpu.loadWeight(normWeight), eps,
                    gpuFused);
            assertClose("addRmsnorm residual", read(gpu, gpuResidual), read(cpu, cpuResidual), Tolerances.BF16_OUTPUT);
            assertClose("addRmsnorm out", read(gpu, gpuFused), read(cpu, cpuFused), Tolerances.BF16_OUTPUT);

            // matmul into bf16 activations and into f32 logits
            Tensor w = hostTensor(host, DType.BF16, vocab, hidden, bf16Values(vocab * hidden, 1 / Math.sqrt(hidden)));
            Tensor cpuW = cpu.loadWeight(w);
            Tensor gpuW = gpu.loadWeight(w);
            Tensor cpuY = cpu.allocate(DType.F32, tokens, vocab);
            cpu.matmul(activations(cpu, tokens, hidden, x), cpuW, cpuY);
            Tensor gpuY16 = gpu.allocate(DType.BF16, tokens, vocab);
            Tensor gpuY32 = gpu.allocate(DType.F32, tokens, vocab);
            gpu.matmul(activations(gpu, tokens, hidden, x), gpuW, gpuY16);
            gpu.matmul(activations(gpu, tokens, hidden, x), gpuW, gpuY32);
            float[] cpuLogits = read(cpu, cpuY);
            assertClose("matmul, bf16 out", read(gpu, gpuY16), cpuLogits, Tolerances.BF16_OUTPUT);
            assertClose("matmul, f32 out (logits)", read(gpu, gpuY32), cpuLogits, Tolerances.F32_OUTPUT);

            // gather rows of the same f32 logits on both
            int[] rows = {12, 0, 5};
            Tensor cpuLast = cpu.allocate(DType.F32, rows.length, vocab);
            Tensor gpuLast = gpu.allocate(DType.F32, rows.length, vocab);
            cpu.gatherRows(cpuY, ints(cpu, rows), cpuLast);
            gpu.gatherRows(f32(gpu, tokens, vocab, cpuLogits), ints(gpu, rows), gpuLast);
            assertArrayEquals(read(cpu, cpuLast), read(gpu, gpuLast), "gatherRows (seed " + seed + ")");

            // indices are checked on the host, as the CPU backend does
            assertThrows(IllegalArgumentException.class, () -> gpu.embedding(gpu.loadWeight(table),
                    ints(gpu, new int[] {vocab}), gpu.allocate(DType.BF16, 1, hidden)));
        }
    }

    @Test
    void cublasGemmsOfAwkwardShapesMatchTheCpuMatmul() {
        try (Arena host = Arena.ofShared(); CpuBackend cpu = new CpuBackend(4, WeightPlacement.COPY);
             CudaBackend gpu = Gpu.backend()) {
            int[][] shapes = {{1, 512, 64}, {7, 1000, 172}, {64, 2048, 2048}, {333, 520, 8}, {16, 128256, 64}};
            for (int[] shape : shapes) {
                int m = shape[0];
                int n = shape[1];
                int k = shape[2];
                float[] x = bf16Values(m * k, 1);
                Tensor w = hostTensor(host, DType.BF16, n, k, bf16Values(n * k, 1 / Math.sqrt(k)));
                Tensor cpuY = cpu.allocate(DType.F32, m, n);
                cpu.matmul(activations(cpu, m, k, x), cpu.loadWeight(w), cpuY);
                Tensor gpuW = gpu.loadWeight(w);
                Tensor y16 = gpu.allocate(DType.BF16, m, n);
                Tensor y32 = gpu.allocate(DType.F32, m, n);
                gpu.matmul(activations(gpu, m, k, x), gpuW, y16);
                gpu.matmul(activations(gpu, m, k, x), gpuW, y32);
                float[] expected = read(cpu, cpuY);
                String what = "gemm M=" + m + " N=" + n + " K=" + k;
                assertClose(what + ", bf16 out", read(gpu, y16), expected, Tolerances.BF16_OUTPUT);
                assertClose(what + ", f32 out", read(gpu, y32), expected, Tolerances.F32_OUTPUT);
            }
        }
    }

    @Test
    void weightsOfEveryCheckpointTypeArriveAsBf16BitForBit() {
        try (Arena host = Arena.ofShared(); CudaBackend gpu = Gpu.backend()) {
            int rows = 300;
            int cols = 1000;
            float[] values = new float[rows * cols];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian() * 10;
            }
            for (DType type : new DType[] {DType.F32, DType.F16, DType.BF16}) {
                Tensor source = hostTensor(host, type, rows, cols, values);
                Tensor whole = gpu.loadWeight(source);
                Tensor shard = gpu.loadWeightColumns(source, 250, 333);
                assertEquals(DType.BF16, whole.dtype());
                float[] wholeBack = read(gpu, whole);
                float[] shardBack = read(gpu, shard);
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        float stored = switch (type) {
                            case F32 -> values[r * cols + c];
                            case F16 -> Float.float16ToFloat(Float.floatToFloat16(values[r * cols + c]));
                            default -> Numerics.bf16ToFloat(Numerics.floatToBf16(values[r * cols + c]));
                        };
                        float expected = Numerics.bf16ToFloat(Numerics.floatToBf16(stored));
                        assertEquals(expected, wholeBack[r * cols + c], type + " weight at " + r + "," + c);
                        if (c >= 250 && c < 583) {
                            assertEquals(expected, shardBack[r * 333 + c - 250], type + " shard at " + r + "," + c);
                        }
                    }
                }
            }
            Tensor onDevice = gpu.allocate(DType.BF16, 2, 2);
            assertThrows(IllegalArgumentException.class, () -> gpu.loadWeight(onDevice), "a device tensor is no source");
        }
    }

    @Test
    void closeGivesEveryByteBack() {
        long freeAtStart;
        long held;
        try (CudaBackend gpu = Gpu.backend(); Arena host = Arena.ofShared()) {
            freeAtStart = gpu.freeDeviceMemoryBytes().orElseThrow();
            Tensor big = gpu.loadWeight(hostTensor(host, DType.F32, 4096, 8192, new float[4096 * 8192]));
            Tensor scratch = gpu.allocateScratch(DType.BF16, 1 << 20, 64);
            gpu.releaseScratch(scratch);
            for (int i = 0; i < 100; i++) {
                gpu.allocate(DType.I32, 1 + i, 3);
            }
            held = gpu.allocatedBytes();
            assertTrue(held >= big.byteSize() + (128L << 20), "weights and the cached scratch are held: " + held);
            gpu.close();
            assertEquals(0, gpu.allocatedBytes(), "every block freed on close");
            assertThrows(IllegalStateException.class, () -> gpu.allocate(DType.BF16, 1, 1));
            assertFalse(big.data().scope().isAlive(), "a device tensor of a closed backend cannot be used");
        }
        try (CudaBackend again = Gpu.backend()) {
            long freeNow = again.freeDeviceMemoryBytes().orElseThrow();
            System.out.printf("device free memory: %d MiB at the first open, %d MiB after closing %d MiB and opening"
                    + " again%n", freeAtStart >> 20, freeNow >> 20, held >> 20);
            assertTrue(Math.abs(freeNow - freeAtStart) < (64L << 20), "the device got its memory back: "
                    + (freeAtStart >> 20) + " MiB free before, " + (freeNow >> 20) + " MiB after");
        }
    }

    @Test
    void anotherThreadCanIssueWork() throws InterruptedException {
        try (CudaBackend gpu = Gpu.backend()) {
            float[] a = bf16Values(4096, 1);
            float[] b = bf16Values(4096, 1);
            Tensor acc = activations(gpu, 1, 4096, a);
            Tensor addend = activations(gpu, 1, 4096, b);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread worker = Thread.ofPlatform().start(() -> {
                try {
                    gpu.add(acc, addend);   // this thread is bound to the GPU's context by the call itself
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            worker.join();
            if (failure.get() != null) {
                throw new AssertionError("the worker thread's call failed", failure.get());
            }
            float[] sum = read(gpu, acc);
            for (int i = 0; i < sum.length; i++) {
                assertEquals(Numerics.bf16ToFloat(Numerics.floatToBf16(a[i] + b[i])), sum[i], "element " + i);
            }
        }
    }

    /**
     * A graph of cuBLAS and kernel work replays on the tensors' current contents; a capture that tries a
     * host copy is refused, discarded, and leaves the backend usable.
     */
    @Test
    void aCapturedGraphReplaysMatmulAndKernelsOnNewContents() {
        try (CudaBackend gpu = Gpu.backend()) {
            int n = 8;
            int k = 256;
            int m = 64;
            float[] weightValues = bf16Values(m * k, 0.1);
            Tensor weight = activations(gpu, m, k, weightValues);
            Tensor x = gpu.allocate(DType.BF16, n, k);
            Tensor y = gpu.allocate(DType.BF16, n, m);
            Tensor doubled = gpu.allocate(DType.BF16, n, m);
            org.yalis.engine.tensor.StepGraph graph = gpu.capture(() -> {
                gpu.matmul(x, weight, y);
                gpu.add(doubled, y);   // doubled += y: kernels and cuBLAS in one graph
            });
            for (int round = 0; round < 3; round++) {
                float[] input = bf16Values(n * k, 1);
                gpu.copyFromHost(input, x);
                gpu.copyFromHost(new float[n * m], doubled);
                graph.replay();
                float[] expected = new float[n * m];
                try (CpuBackend cpu = new CpuBackend(1, WeightPlacement.COPY)) {
                    Tensor cx = cpu.allocate(DType.F32, n, k);
                    Tensor cw = cpu.allocate(DType.F32, m, k);
                    Tensor cy = cpu.allocate(DType.F32, n, m);
                    cpu.copyFromHost(input, cx);
                    cpu.copyFromHost(weightValues, cw);
                    cpu.matmul(cx, cw, cy);
                    cpu.copyToHost(cy, expected);
                }
                assertClose("replay " + round, read(gpu, doubled), expected, Tolerances.BF16_OUTPUT);
            }
            graph.close();
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> gpu.capture(() -> gpu.copyFromHost(new float[n * k], x)));
            assertTrue(refused.getMessage().startsWith("a copy from the host while a CUDA graph is being captured"),
                    refused.getMessage());
            gpu.add(doubled, y);   // the stream left capture mode
            gpu.synchronize();
        }
    }

    @Test
    void profilingTimesOnTheGpuTimeline() {
        try (Arena host = Arena.ofShared(); CudaBackend gpu = Gpu.backend()) {
            int n = 4096;
            Tensor w = gpu.loadWeight(hostTensor(host, DType.BF16, n, n, bf16Values(n * n, 0.01)));
            Tensor x = activations(gpu, 256, n, bf16Values(256 * n, 1));
            Tensor y = gpu.allocate(DType.BF16, 256, n);
            Profiler profiler = new Profiler(gpu.stepClock());
            for (int step = 0; step < 3; step++) {
                profiler.beginStep(Phase.PREFILL);
                profiler.enter(Category.GEMM);
                for (int i = 0; i < 10; i++) {
                    gpu.matmul(x, w, y);
                }
                profiler.exit();
                profiler.endStep(256);
            }
            PhaseBreakdown prefill = profiler.breakdown(Phase.PREFILL);
            long sum = prefill.nanos().values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("profiled: gemm %.3f ms of %.3f ms over 3 steps%n", prefill.millis(Category.GEMM),
                    prefill.stepMillis());
            assertEquals(3, prefill.steps());
            assertTrue(prefill.millis(Category.GEMM) > 0.01, "thirty 256x4096x4096 GEMMs take time");
            assertEquals(prefill.stepNanos(), sum, "categories add up to the steps");
            assertTrue(prefill.share(Category.GEMM) > 0.5, "the GEMMs dominate their steps");
        }
    }

    @Test
    void devicePeaksAreMeasured() {
        try (CudaBackend gpu = Gpu.backend()) {
            DevicePeaks peaks = DevicePeaks.measure(gpu, 1L << 30, 4096, 5);
            System.out.printf("device copy %.0f GB/s (read + written, %d MiB), bf16 GEMM %.0f TFLOP/s (%d^3)%n",
                    peaks.copyGigabytesPerSecond(), peaks.copyBytes() >> 20, peaks.gemmTeraflops(), peaks.gemmSize());
            assertTrue(peaks.copyGigabytesPerSecond() > 100, "an HBM copy beats 100 GB/s");
            assertTrue(peaks.gemmTeraflops() > 1, "a bf16 GEMM beats 1 TFLOP/s");
        }
    }
}
