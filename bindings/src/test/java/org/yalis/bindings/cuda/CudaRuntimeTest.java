package org.yalis.bindings.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * The CUDA runtime as it behaves on a machine with libcudart but no GPU driver (the build
 * machines): it loads, names its errors, and fails calls that need a driver with a clear
 * exception. The no-driver tests are skipped, saying so, where a driver is installed.
 */
class CudaRuntimeTest {

    private static CudaRuntime runtime() {
        return CudaRuntime.shared();
    }

    private static void requireNoDriver() {
        int driver = runtime().driverGetVersion();
        if (driver != 0) {
            CProbe.skip("a CUDA driver is installed (it supports CUDA " + CudaAvailability.formatVersion(driver)
                    + "): the no-driver behaviour cannot be observed here");
        }
    }

    @Test
    void loadsLibcudartByAbsolutePathWithTheVersionOfItsSoname() {
        Path library = runtime().libraryPath();
        assertTrue(library.isAbsolute(), library.toString());
        String name = library.getFileName().toString();
        assertTrue(name.startsWith("libcudart.so."), name);
        int sonameMajor = Integer.parseInt(name.substring("libcudart.so.".length()).split("\\.")[0]);
        int version = runtime().runtimeGetVersion();
        assertEquals(sonameMajor, version / 1000, "cudaRuntimeGetVersion " + version + " of " + library);
    }

    @Test
    void namesAndDescribesErrorCodes() {
        assertEquals("cudaErrorMemoryAllocation", runtime().getErrorName(2));
        assertEquals("out of memory", runtime().getErrorString(2));
        assertEquals("cudaErrorNoDevice", runtime().getErrorName(100));
        assertEquals("no CUDA-capable device is detected", runtime().getErrorString(100));
        assertEquals("unrecognized error code", runtime().getErrorName(12345));
    }

    /** The runtime itself confirms each C name the Java table gives its codes. */
    @Test
    void everyCudaErrorConstantHasTheRuntimesNameForItsCode() {
        for (CudaError error : CudaError.values()) {
            assertEquals(error.cName(), runtime().getErrorName(error.value()), error.name());
        }
        assertEquals(CudaError.INSUFFICIENT_DRIVER, CudaError.fromValue(35).orElseThrow());
        assertTrue(CudaError.fromValue(12345).isEmpty());
    }

    @Test
    void withoutADriverTheDriverVersionIsZeroAndDeviceCountFailsWithCode35() {
        requireNoDriver();
        CudaRuntimeException failure = assertThrows(CudaRuntimeException.class, () -> runtime().getDeviceCount());
        assertEquals("cudaGetDeviceCount", failure.function());
        assertEquals(35, failure.code());
        assertEquals("cudaErrorInsufficientDriver", failure.codeName());
    }

    @Test
    void withoutADriverMallocThrowsWithFunctionCodeNameAndMessage() {
        requireNoDriver();
        CudaRuntimeException failure = assertThrows(CudaRuntimeException.class, () -> runtime().malloc(1 << 20));
        assertEquals("cudaMalloc", failure.function());
        assertEquals(CudaError.INSUFFICIENT_DRIVER.value(), failure.code());
        assertEquals("cudaErrorInsufficientDriver", failure.codeName());
        assertEquals("CUDA driver version is insufficient for CUDA runtime version", failure.description());
        assertEquals("cudaMalloc failed: cudaErrorInsufficientDriver (35): "
                + "CUDA driver version is insufficient for CUDA runtime version", failure.getMessage());
        try (Arena arena = Arena.ofConfined()) {
            CudaRuntimeException pinned = assertThrows(CudaRuntimeException.class,
                    () -> runtime().mallocHost(4096, arena));
            assertEquals("cudaMallocHost", pinned.function());
            assertEquals(35, pinned.code());
        }
    }

    @Test
    void withoutADriverTheProbeReportsNoGpuAndWhy() {
        requireNoDriver();
        CudaAvailability cuda = GpuProbe.probe();
        assertEquals(runtime().libraryPath(), cuda.runtimeLibrary().orElseThrow());
        assertEquals(runtime().runtimeGetVersion(), cuda.runtimeVersion());
        assertEquals(0, cuda.driverVersion());
        assertEquals(false, cuda.usable());
        assertEquals("no CUDA driver (cudaGetDeviceCount: cudaErrorInsufficientDriver)", cuda.reason());
        assertTrue(cuda.gpus().isEmpty());
    }

    /** On this machine's toolkit (CUDA 13.0) the probe reports 13000 (skipped with any other runtime). */
    @Test
    void theProbeReportsRuntime13000ForCuda13_0() {
        CudaAvailability cuda = GpuProbe.probe();
        String library = cuda.runtimeLibrary().map(Path::toString).orElse("none");
        if (!library.contains("cuda-13.0")) {
            CProbe.skip("the runtime here is " + library + ", not CUDA 13.0's");
        }
        assertEquals(13000, cuda.runtimeVersion());
        assertEquals("13.0", CudaAvailability.formatVersion(cuda.runtimeVersion()));
    }

    /** A copy into a host segment smaller than the copy is refused before native code can overrun it. */
    @Test
    void copiesThatWouldOverrunAHostSegmentAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(16);
            MemorySegment device = MemorySegment.ofAddress(0x1000);
            assertThrows(IndexOutOfBoundsException.class,
                    () -> runtime().memcpy(host, device, 17, CudaMemcpyKind.DEVICE_TO_HOST));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> runtime().memcpy(device, host, 32, CudaMemcpyKind.HOST_TO_DEVICE));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> runtime().memcpyAsync(device, host, 32, CudaMemcpyKind.HOST_TO_DEVICE, CudaStream.DEFAULT));
            assertThrows(IllegalArgumentException.class,
                    () -> runtime().memcpy(device, host, -1, CudaMemcpyKind.HOST_TO_DEVICE));
        }
    }

    /**
     * Every runtime function once: without a driver each fails with a status (35 mostly) before
     * touching its pointers, so this proves each binding's Java types match its descriptor.
     */
    @Test
    void withoutADriverEveryFunctionReachesTheLibraryAndReportsAStatus() {
        requireNoDriver();
        CudaRuntime cuda = runtime();
        MemorySegment fake = MemorySegment.ofAddress(0x1000);
        CudaStream stream = new CudaStream(fake);
        CudaEvent event = new CudaEvent(fake);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(64);
            java.util.Map<String, CallShapes.Call> calls = new java.util.LinkedHashMap<>();
            calls.put("getDeviceCount", cuda::getDeviceCount);
            calls.put("setDevice", () -> cuda.setDevice(0));
            calls.put("getDevice", cuda::getDevice);
            calls.put("deviceGetAttribute", () -> cuda.deviceGetAttribute(CudaDeviceAttribute.WARP_SIZE, 0));
            calls.put("memGetInfo", cuda::memGetInfo);
            calls.put("malloc", () -> cuda.malloc(64, arena));
            calls.put("free", () -> cuda.free(fake));
            calls.put("mallocHost", () -> cuda.mallocHost(64, arena));
            calls.put("freeHost", () -> cuda.freeHost(fake));
            calls.put("memcpy", () -> cuda.memcpy(fake, host, 64, CudaMemcpyKind.HOST_TO_DEVICE));
            calls.put("memcpyAsync", () -> cuda.memcpyAsync(host, fake, 64, CudaMemcpyKind.DEVICE_TO_HOST, stream));
            calls.put("memset", () -> cuda.memset(fake, 0, 64));
            calls.put("memsetAsync", () -> cuda.memsetAsync(fake, 0, 64, stream));
            calls.put("streamCreateWithFlags", () -> cuda.streamCreateWithFlags(CudaStreamFlag.NON_BLOCKING));
            calls.put("streamDestroy", () -> cuda.streamDestroy(stream));
            calls.put("streamSynchronize", () -> cuda.streamSynchronize(stream));
            calls.put("eventCreateWithFlags", () -> cuda.eventCreateWithFlags(CudaEventFlag.DISABLE_TIMING));
            calls.put("eventRecord", () -> cuda.eventRecord(event, stream));
            calls.put("eventSynchronize", () -> cuda.eventSynchronize(event));
            calls.put("eventQuery", () -> cuda.eventQuery(event));
            calls.put("eventElapsedTime", () -> cuda.eventElapsedTime(event, event));
            calls.put("eventDestroy", () -> cuda.eventDestroy(event));
            calls.put("deviceSynchronize", cuda::deviceSynchronize);
            calls.put("streamBeginCapture", () -> cuda.streamBeginCapture(stream, CudaStreamCaptureMode.RELAXED));
            calls.put("streamEndCapture", () -> cuda.streamEndCapture(stream));
            calls.put("streamIsCapturing", () -> cuda.streamIsCapturing(stream));
            calls.put("graphInstantiate", () -> cuda.graphInstantiate(new CudaGraph(fake),
                    CudaGraphInstantiateFlag.AUTO_FREE_ON_LAUNCH));
            calls.put("graphLaunch", () -> cuda.graphLaunch(new CudaGraphExec(fake), stream));
            calls.put("graphExecDestroy", () -> cuda.graphExecDestroy(new CudaGraphExec(fake)));
            calls.put("graphDestroy", () -> cuda.graphDestroy(new CudaGraph(fake)));
            calls.put("checkLastError", () -> cuda.checkLastError("the calls above"));
            calls.forEach((name, call) -> {
                int status = CallShapes.reachesNativeCode(name, call);
                assertTrue(status > 0, name + " succeeded without a driver");
            });
            // Without a driver the runtime reports the failed initialization on every query.
            assertEquals(CudaError.INSUFFICIENT_DRIVER.value(), cuda.peekAtLastError());
            assertEquals(CudaError.INSUFFICIENT_DRIVER.value(), cuda.getLastError());
        }
    }
}
