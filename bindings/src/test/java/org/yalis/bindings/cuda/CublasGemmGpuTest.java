package org.yalis.bindings.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * cuBLAS on a real GPU: row-major {@code y = x·Wᵀ} in bf16 with fp32 accumulation against a
 * float64 CPU reference computed from the same bf16 inputs. Outputs are poisoned with NaN first,
 * so an element the GEMM never writes fails the test.
 */
@Tag("gpu")
class CublasGemmGpuTest {
    private CudaRuntime runtime;
    private Cublas cublas;
    private CublasHandle handle;
    private CudaStream stream;

    @BeforeEach
    void gpu() {
        GpuTests.requireGpu();
        runtime = CudaRuntime.shared();
        cublas = GpuTests.requireLibrary(Cublas::shared, "cuBLAS");
        runtime.setDevice(0);
        stream = runtime.streamCreateWithFlags(CudaStreamFlag.NON_BLOCKING);
        handle = cublas.create();
        cublas.setStream(handle, stream);
    }

    @AfterEach
    void release() {
        if (handle != null) {
            cublas.destroy(handle);
            runtime.streamDestroy(stream);
        }
    }

    private static short[] randomBf16(Random random, int count) {
        short[] values = new short[count];
        for (int i = 0; i < count; i++) {
            values[i] = Bf16.fromFloat((float) random.nextGaussian());
        }
        return values;
    }

    /** Row-major y[M,N] = x[M,K] · w[N,K]ᵀ in float64 from the bf16 values. */
    private static double[] reference(short[] x, short[] w, int rowsM, int outN, int inK) {
        double[] y = new double[rowsM * outN];
        for (int r = 0; r < rowsM; r++) {
            for (int c = 0; c < outN; c++) {
                double sum = 0;
                for (int p = 0; p < inK; p++) {
                    sum += (double) Bf16.toFloat(x[r * inK + p]) * Bf16.toFloat(w[c * inK + p]);
                }
                y[r * outN + c] = sum;
            }
        }
        return y;
    }

    private MemorySegment upload(short[] values, Arena arena) {
        MemorySegment host = arena.allocateFrom(JAVA_SHORT, values);
        MemorySegment device = runtime.malloc(host.byteSize(), arena);
        runtime.memcpy(device, host, host.byteSize(), CudaMemcpyKind.HOST_TO_DEVICE);
        return device;
    }

    @Test
    void bf16LinearWithFp32AccumulationMatchesAFloat64Reference() {
        int rowsM = 37;
        int outN = 203;
        int inK = 130;
        Random random = new Random(20251101);
        short[] x = randomBf16(random, rowsM * inK);
        short[] w = randomBf16(random, outN * inK);
        double[] expected = reference(x, w, rowsM, outN, inK);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment deviceX = upload(x, arena);
            MemorySegment deviceW = upload(w, arena);

            long bf16Bytes = 2L * rowsM * outN;
            MemorySegment deviceY = runtime.malloc(bf16Bytes, arena);
            runtime.memset(deviceY, 0xFF, bf16Bytes); // 0xFFFF is a bf16 NaN
            cublas.linear(handle, deviceX, deviceW, deviceY, rowsM, outN, inK, CudaDataType.R_16BF,
                    CudaDataType.R_16BF, CublasComputeType.COMPUTE_32F);
            runtime.streamSynchronize(stream);
            MemorySegment hostY = arena.allocate(bf16Bytes);
            runtime.memcpy(hostY, deviceY, bf16Bytes, CudaMemcpyKind.DEVICE_TO_HOST);
            double[] actual = new double[rowsM * outN];
            for (int i = 0; i < actual.length; i++) {
                actual[i] = Bf16.toFloat(hostY.getAtIndex(JAVA_SHORT, i));
                assertFalse(Double.isNaN(actual[i]), "y[" + i + "] was never written");
            }
            double error = Bf16.relativeError(actual, expected);
            assertTrue(error < 1e-2, "bf16 output: relative error " + error);

            long fp32Bytes = 4L * rowsM * outN;
            MemorySegment deviceY32 = runtime.malloc(fp32Bytes, arena);
            runtime.memset(deviceY32, 0xFF, fp32Bytes); // 0xFFFFFFFF is a float NaN
            cublas.linear(handle, deviceX, deviceW, deviceY32, rowsM, outN, inK, CudaDataType.R_16BF,
                    CudaDataType.R_32F, CublasComputeType.COMPUTE_32F);
            runtime.streamSynchronize(stream);
            MemorySegment hostY32 = arena.allocate(fp32Bytes);
            runtime.memcpy(hostY32, deviceY32, fp32Bytes, CudaMemcpyKind.DEVICE_TO_HOST);
            double[] actual32 = new double[rowsM * outN];
            for (int i = 0; i < actual32.length; i++) {
                actual32[i] = hostY32.getAtIndex(JAVA_FLOAT, i);
                assertFalse(Double.isNaN(actual32[i]), "y32[" + i + "] was never written");
            }
            double error32 = Bf16.relativeError(actual32, expected);
            // bf16 x bf16 products are exact in fp32: only the fp32 sum rounds.
            assertTrue(error32 < 1e-4, "fp32 output: relative error " + error32);
        }
    }

    /** Three independent y_b = x_b · W_bᵀ through gemmStridedBatchedEx with the same row-major mapping. */
    @Test
    void stridedBatchedGemmComputesEveryBatch() {
        int batches = 3;
        int rowsM = 5;
        int outN = 24;
        int inK = 40;
        Random random = new Random(7);
        short[] x = randomBf16(random, batches * rowsM * inK);
        short[] w = randomBf16(random, batches * outN * inK);
        RowMajorGemm plan = RowMajorGemm.xTimesWTransposed(rowsM, outN, inK);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment deviceX = upload(x, arena);
            MemorySegment deviceW = upload(w, arena);
            long yBytes = 4L * batches * rowsM * outN;
            MemorySegment deviceY = runtime.malloc(yBytes, arena);
            runtime.memset(deviceY, 0xFF, yBytes);
            MemorySegment alpha = arena.allocateFrom(JAVA_FLOAT, 1.0f);
            MemorySegment beta = arena.allocateFrom(JAVA_FLOAT, 0.0f);
            // A is W (stride N*K elements), B is X (stride M*K), C is Y (stride M*N).
            cublas.gemmStridedBatchedEx(handle, plan.transa(), plan.transb(), plan.m(), plan.n(), plan.k(), alpha,
                    deviceW, CudaDataType.R_16BF, plan.lda(), (long) outN * inK, deviceX, CudaDataType.R_16BF,
                    plan.ldb(), (long) rowsM * inK, beta, deviceY, CudaDataType.R_32F, plan.ldc(),
                    (long) rowsM * outN, batches, CublasComputeType.COMPUTE_32F, CublasGemmAlgo.DEFAULT);
            runtime.streamSynchronize(stream);
            MemorySegment hostY = arena.allocate(yBytes);
            runtime.memcpy(hostY, deviceY, yBytes, CudaMemcpyKind.DEVICE_TO_HOST);
            for (int b = 0; b < batches; b++) {
                short[] xb = java.util.Arrays.copyOfRange(x, b * rowsM * inK, (b + 1) * rowsM * inK);
                short[] wb = java.util.Arrays.copyOfRange(w, b * outN * inK, (b + 1) * outN * inK);
                double[] expected = reference(xb, wb, rowsM, outN, inK);
                double[] actual = new double[rowsM * outN];
                for (int i = 0; i < actual.length; i++) {
                    actual[i] = hostY.getAtIndex(JAVA_FLOAT, (long) b * rowsM * outN + i);
                    assertFalse(Double.isNaN(actual[i]), "batch " + b + " y[" + i + "] was never written");
                }
                double error = Bf16.relativeError(actual, expected);
                assertTrue(error < 1e-4, "batch " + b + ": relative error " + error);
            }
        }
    }

    @Test
    void mathAndPointerModesAndWorkspaceAreAccepted() {
        cublas.setMathMode(handle, CublasMath.DEFAULT_MATH, CublasMath.DISALLOW_REDUCED_PRECISION_REDUCTION);
        cublas.setPointerMode(handle, CublasPointerMode.HOST);
        try (Arena arena = Arena.ofConfined()) {
            long workspaceBytes = 32L << 20;
            MemorySegment workspace = runtime.malloc(workspaceBytes, arena);
            cublas.setWorkspace(handle, workspace, workspaceBytes);
            cublas.destroy(handle);
            handle = null;
            runtime.streamDestroy(stream);
        }
    }
}
