package org.yalis.bindings.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The driver API on a real GPU: load PTX, find a kernel, launch it with {@code cuLaunchKernel} on
 * runtime-allocated memory and a runtime stream (the primary context is shared), check every element.
 */
@Tag("gpu")
class KernelLaunchGpuTest {

    @Test
    void aPtxKernelRunsOnRuntimeMemoryThroughTheSharedPrimaryContext() throws Exception {
        GpuTests.requireGpu();
        CudaRuntime runtime = CudaRuntime.shared();
        CudaDriver driver = GpuTests.requireLibrary(CudaDriver::shared, "CUDA driver");
        driver.init();
        runtime.setDevice(0);
        int device = driver.deviceGet(0);
        CuContext context = driver.devicePrimaryCtxRetain(device);
        driver.ctxSetCurrent(context);
        assertEquals(context.handle().address(), driver.ctxGetCurrent().handle().address());
        assertEquals(runtime.deviceGetAttribute(CudaDeviceAttribute.MULTIPROCESSOR_COUNT, 0),
                driver.deviceGetAttribute(CuDeviceAttribute.MULTIPROCESSOR_COUNT, device));
        assertEquals(runtime.driverGetVersion(), driver.driverGetVersion());

        CuModule module = driver.moduleLoadPtx(TestKernels.ptx());
        CuFunction kernel = driver.moduleGetFunction(module, TestKernels.KERNEL);
        driver.funcSetAttribute(kernel, CuFunctionAttribute.MAX_DYNAMIC_SHARED_SIZE_BYTES, 1024);
        assertEquals(1024, driver.funcGetAttribute(kernel, CuFunctionAttribute.MAX_DYNAMIC_SHARED_SIZE_BYTES));

        int n = 1000;
        float scale = 1.5f;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment hostIn = arena.allocate(JAVA_FLOAT, n);
            for (int i = 0; i < n; i++) {
                hostIn.setAtIndex(JAVA_FLOAT, i, (i % 17) * 0.25f - 2f);
            }
            MemorySegment in = runtime.malloc(4L * n, arena);
            MemorySegment out = runtime.malloc(4L * n, arena);
            runtime.memcpy(in, hostIn, 4L * n, CudaMemcpyKind.HOST_TO_DEVICE);
            runtime.memset(out, 0xFF, 4L * n);
            CudaStream stream = runtime.streamCreateWithFlags(CudaStreamFlag.NON_BLOCKING);
            int block = 128;
            driver.launchKernel(kernel, Dim3.of((n + block - 1) / block), Dim3.of(block), 0, stream,
                    new KernelArguments(arena).pointer(out).pointer(in).float32(scale).int32(n));
            runtime.streamSynchronize(stream);
            MemorySegment hostOut = arena.allocate(JAVA_FLOAT, n);
            runtime.memcpy(hostOut, out, 4L * n, CudaMemcpyKind.DEVICE_TO_HOST);
            for (int i = 0; i < n; i++) {
                // The PTX computes fma.rn.f32(in, scale, (float) i): Math.fma rounds identically.
                float expected = Math.fma(hostIn.getAtIndex(JAVA_FLOAT, i), scale, (float) i);
                assertEquals(expected, hostOut.getAtIndex(JAVA_FLOAT, i), "out[" + i + "]");
            }
            runtime.streamDestroy(stream);
        }

        CudaDriverException missing = assertThrows(CudaDriverException.class,
                () -> driver.moduleGetFunction(module, "no_such_kernel"));
        assertEquals(CuResult.NOT_FOUND.value(), missing.code());
        assertEquals("CUDA_ERROR_NOT_FOUND", missing.codeName());
        driver.moduleUnload(module);
        driver.ctxSynchronize();
        driver.devicePrimaryCtxRelease(device);
    }
}
