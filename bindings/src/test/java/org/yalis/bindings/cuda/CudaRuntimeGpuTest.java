package org.yalis.bindings.cuda;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The runtime on a real GPU: memory, copies, streams, events and graphs. */
@Tag("gpu")
class CudaRuntimeGpuTest {
    private CudaRuntime runtime;

    @BeforeEach
    void gpu() {
        GpuTests.requireGpu();
        runtime = CudaRuntime.shared();
        runtime.setDevice(0);
    }

    @Test
    void theProbeAgreesWithTheRuntimeAboutDeviceZero() {
        CudaAvailability cuda = GpuTests.requireGpu();
        assertEquals(runtime.getDeviceCount(), cuda.gpus().size());
        CudaAvailability.Gpu gpu = cuda.gpus().getFirst();
        assertEquals(runtime.deviceGetAttribute(CudaDeviceAttribute.COMPUTE_CAPABILITY_MAJOR, 0),
                gpu.computeCapabilityMajor());
        assertTrue(gpu.computeCapabilityMajor() >= 7, "CUDA 13 supports compute capability 7.5 and newer: " + gpu);
        assertTrue(gpu.multiprocessors() > 0, gpu.toString());
        assertEquals(32, runtime.deviceGetAttribute(CudaDeviceAttribute.WARP_SIZE, 0));
        MemoryInfo memory = runtime.memGetInfo();
        assertTrue(memory.totalBytes() > 0 && memory.freeBytes() <= memory.totalBytes(), memory.toString());
        assertTrue(cuda.driverVersion() >= cuda.runtimeVersion(), cuda.toString());
    }

    @Test
    void bytesRoundTripThroughDeviceMemoryAndMemsetWritesEveryByte() {
        int bytes = 1 << 20;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(bytes);
            for (int i = 0; i < bytes / 4; i++) {
                host.setAtIndex(JAVA_INT, i, i * 31 + 7);
            }
            MemorySegment first = runtime.malloc(bytes, arena);
            MemorySegment second = runtime.malloc(bytes, arena);
            runtime.memcpy(first, host, bytes, CudaMemcpyKind.HOST_TO_DEVICE);
            runtime.memcpy(second, first, bytes, CudaMemcpyKind.DEVICE_TO_DEVICE);
            MemorySegment back = arena.allocate(bytes);
            runtime.memcpy(back, second, bytes, CudaMemcpyKind.DEVICE_TO_HOST);
            assertEquals(-1L, host.mismatch(back), "device round trip");

            CudaStream stream = runtime.streamCreateWithFlags(CudaStreamFlag.NON_BLOCKING);
            MemorySegment pinned = runtime.mallocHost(bytes, arena);
            runtime.memsetAsync(second, 0x5A, bytes, stream);
            runtime.memcpyAsync(pinned, second, bytes, CudaMemcpyKind.DEVICE_TO_HOST, stream);
            runtime.streamSynchronize(stream);
            for (long i = 0; i < bytes; i++) {
                if (pinned.get(JAVA_BYTE, i) != 0x5A) {
                    throw new AssertionError("byte " + i + " after memsetAsync: " + pinned.get(JAVA_BYTE, i));
                }
            }
            runtime.streamDestroy(stream);
        }
    }

    @Test
    void eventsTimeWorkOnAStream() {
        long bytes = 256L << 20;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = runtime.malloc(bytes, arena);
            CudaStream stream = runtime.streamCreateWithFlags(CudaStreamFlag.NON_BLOCKING);
            CudaEvent start = runtime.eventCreateWithFlags();
            CudaEvent end = runtime.eventCreateWithFlags(CudaEventFlag.BLOCKING_SYNC);
            runtime.eventRecord(start, stream);
            for (int i = 0; i < 10; i++) {
                runtime.memsetAsync(buffer, i, bytes, stream);
            }
            runtime.eventRecord(end, stream);
            runtime.eventSynchronize(end);
            float millis = runtime.eventElapsedTime(start, end);
            assertTrue(millis > 0 && millis < 10_000, "10 memsets of 256 MiB took " + millis + " ms");
            CudaEvent untimed = runtime.eventCreateWithFlags(CudaEventFlag.DISABLE_TIMING);
            runtime.eventRecord(untimed, stream);
            runtime.eventSynchronize(untimed);
            CudaRuntimeException noTiming = assertThrows(CudaRuntimeException.class,
                    () -> runtime.eventElapsedTime(start, untimed));
            assertEquals("cudaEventElapsedTime", noTiming.function());
            runtime.getLastError();
            runtime.eventDestroy(start);
            runtime.eventDestroy(end);
            runtime.eventDestroy(untimed);
            runtime.streamDestroy(stream);
        }
    }

    @Test
    void aCapturedGraphReplaysItsWork() {
        int bytes = 4096;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment source = runtime.malloc(bytes, arena);
            MemorySegment target = runtime.malloc(bytes, arena);
            runtime.memset(target, 0, bytes);
            CudaStream stream = runtime.streamCreateWithFlags(CudaStreamFlag.NON_BLOCKING);
            assertEquals(CudaStreamCaptureStatus.NONE, runtime.streamIsCapturing(stream));
            runtime.streamBeginCapture(stream, CudaStreamCaptureMode.THREAD_LOCAL);
            assertEquals(CudaStreamCaptureStatus.ACTIVE, runtime.streamIsCapturing(stream));
            runtime.memsetAsync(source, 0x3C, bytes, stream);
            runtime.memcpyAsync(target, source, bytes, CudaMemcpyKind.DEVICE_TO_DEVICE, stream);
            CudaGraph graph = runtime.streamEndCapture(stream);
            assertEquals(CudaStreamCaptureStatus.NONE, runtime.streamIsCapturing(stream));
            MemorySegment host = arena.allocate(bytes);
            runtime.memcpy(host, target, bytes, CudaMemcpyKind.DEVICE_TO_HOST);
            assertEquals(0, host.get(JAVA_BYTE, 0), "capturing does not run the work");

            CudaGraphExec exec = runtime.graphInstantiate(graph);
            runtime.graphLaunch(exec, stream);
            runtime.graphLaunch(exec, stream);
            runtime.streamSynchronize(stream);
            runtime.memcpy(host, target, bytes, CudaMemcpyKind.DEVICE_TO_HOST);
            for (int i = 0; i < bytes; i++) {
                assertEquals(0x3C, host.get(JAVA_BYTE, i), "byte " + i);
            }
            runtime.graphExecDestroy(exec);
            runtime.graphDestroy(graph);
            runtime.streamDestroy(stream);
        }
    }

    @Test
    void anImpossibleAllocationThrowsOutOfMemory() {
        CudaRuntimeException failure = assertThrows(CudaRuntimeException.class, () -> runtime.malloc(1L << 50));
        assertEquals("cudaMalloc", failure.function());
        assertEquals(CudaError.MEMORY_ALLOCATION.value(), failure.code());
        assertEquals("cudaErrorMemoryAllocation", failure.codeName());
        runtime.getLastError();
        runtime.deviceSynchronize();
    }
}
