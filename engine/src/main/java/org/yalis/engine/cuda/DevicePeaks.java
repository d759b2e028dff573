package org.yalis.engine.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.yalis.bindings.cuda.CublasComputeType;
import org.yalis.bindings.cuda.CudaDataType;
import org.yalis.bindings.cuda.CudaEvent;
import org.yalis.bindings.cuda.CudaMemcpyKind;
import org.yalis.bindings.cuda.CudaRuntime;
import org.yalis.engine.cpu.Numerics;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * The two ceilings of a GPU (METHOD.md), measured on a backend's stream with CUDA events: the
 * bandwidth of a large device-to-device {@code cudaMemcpy}, counting bytes read plus bytes written
 * (the decode ceiling: a decode step streams every weight once), and the rate of a square bf16 GEMM
 * through cuBLAS on random data (the prefill ceiling). Each figure is the median of timed repeats after
 * warm-ups.
 *
 * @param copyBytes              bytes of one copy (it reads and writes this many)
 * @param copyGigabytesPerSecond {@code 2 * copyBytes / time}, in 1e9 bytes per second
 * @param gemmSize               M = N = K of the GEMM
 * @param gemmTeraflops          {@code 2 * M * N * K / time}, in 1e12 per second
 */
public record DevicePeaks(long copyBytes, double copyGigabytesPerSecond, int gemmSize, double gemmTeraflops) {
    private static final int WARMUPS = 2;

    /**
     * Measures with a copy of {@code copyBytes} (less when the GPU has less than four times that free)
     * and a GEMM of {@code gemmSize}³, {@code repeats} timed runs of each.
     */
    public static DevicePeaks measure(CudaBackend backend, long copyBytes, int gemmSize, int repeats) {
        backend.makeCurrent();
        long free = backend.freeDeviceMemoryBytes().orElseThrow();
        long bytes = Math.max(1L << 20, Math.min(copyBytes, free / 4) / 256 * 256);
        double copyMillis = medianCopyMillis(backend, bytes, repeats);
        double gemmMillis = medianGemmMillis(backend, gemmSize, repeats);
        backend.trimCache();
        return new DevicePeaks(bytes, 2.0 * bytes / (copyMillis * 1e-3) / 1e9, gemmSize,
                2.0 * gemmSize * gemmSize * gemmSize / (gemmMillis * 1e-3) / 1e12);
    }

    private static double medianCopyMillis(CudaBackend backend, long bytes, int repeats) {
        CudaRuntime cuda = backend.runtime();
        int rows = (int) (bytes / 256);
        Tensor source = backend.allocateScratch(DType.I32, rows, 64);
        Tensor destination = backend.allocateScratch(DType.I32, rows, 64);
        try {
            cuda.memsetAsync(source.data(), 0x5A, source.byteSize(), backend.stream());
            return medianMillis(backend, repeats, () -> cuda.memcpyAsync(destination.data(), source.data(),
                    source.byteSize(), CudaMemcpyKind.DEVICE_TO_DEVICE, backend.stream()));
        } finally {
            backend.synchronize();
            backend.releaseScratch(source);
            backend.releaseScratch(destination);
        }
    }

    private static double medianGemmMillis(CudaBackend backend, int size, int repeats) {
        Tensor x = backend.allocateScratch(DType.BF16, size, size);
        Tensor w = backend.allocateScratch(DType.BF16, size, size);
        Tensor y = backend.allocateScratch(DType.BF16, size, size);
        try (Arena host = Arena.ofConfined()) {
            // Random operands: zeros multiply measurably faster (METHOD.md).
            SplittableRandom random = new SplittableRandom(7);
            MemorySegment values = host.allocate(x.byteSize(), 64);
            for (Tensor operand : new Tensor[] {x, w}) {
                for (long i = 0; i < operand.elementCount(); i++) {
                    values.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i,
                            Numerics.floatToBf16((float) (random.nextDouble() * 2 - 1)));
                }
                backend.copyBytesFromHost(values, operand);
                backend.synchronize();
            }
            return medianMillis(backend, repeats, () -> backend.cublas().linear(backend.blas(), x.data(), w.data(),
                    y.data(), size, size, size, CudaDataType.R_16BF, CudaDataType.R_16BF,
                    CublasComputeType.COMPUTE_32F));
        } finally {
            backend.synchronize();
            backend.releaseScratch(x);
            backend.releaseScratch(w);
            backend.releaseScratch(y);
        }
    }

    /** Median event time of {@code work} over {@code repeats} runs, after warm-ups. */
    private static double medianMillis(CudaBackend backend, int repeats, Runnable work) {
        CudaRuntime cuda = backend.runtime();
        CudaEvent start = cuda.eventCreateWithFlags();
        CudaEvent end = cuda.eventCreateWithFlags();
        try {
            for (int i = 0; i < WARMUPS; i++) {
                work.run();
            }
            double[] millis = new double[Math.max(1, repeats)];
            for (int i = 0; i < millis.length; i++) {
                cuda.eventRecord(start, backend.stream());
                work.run();
                cuda.eventRecord(end, backend.stream());
                cuda.eventSynchronize(end);
                millis[i] = cuda.eventElapsedTime(start, end);
            }
            Arrays.sort(millis);
            return millis[millis.length / 2];
        } finally {
            cuda.eventDestroy(start);
            cuda.eventDestroy(end);
        }
    }
}
