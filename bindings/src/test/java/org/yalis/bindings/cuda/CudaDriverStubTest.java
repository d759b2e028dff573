package org.yalis.bindings.cuda;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.bindings.NativeLibraryLocator;

/**
 * The driver binding against a stand-in {@code libcuda.so.1} built here with gcc: each stub
 * function checks the arguments it receives and answers with known values, so argument
 * marshalling (unsigned dimensions, pointer out-parameters, the {@code kernelParams} array, C
 * strings, the exported {@code _v2} names) is tested on a machine without a driver.
 * KernelLaunchGpuTest does the same against the real driver.
 */
class CudaDriverStubTest {
    private static final String STUB = """
            #include <stdint.h>
            #include <string.h>
            #include <stddef.h>
            typedef int CUresult;
            static void *current;
            static int dynamicShared;
            CUresult cuInit(unsigned int flags) { return flags == 0 ? 0 : 1; }
            CUresult cuDriverGetVersion(int *version) { *version = 13000; return 0; }
            CUresult cuDeviceGetCount(int *count) { *count = 2; return 0; }
            CUresult cuDeviceGet(int *device, int ordinal) { *device = 100 + ordinal; return 0; }
            CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
                *value = attribute * 1000 + device; return 0; }
            CUresult cuDevicePrimaryCtxRetain(void **context, int device) {
                *context = (void *) (uintptr_t) (0x1000 + device); return 0; }
            CUresult cuDevicePrimaryCtxRelease_v2(int device) { return device == 101 ? 0 : 101; }
            CUresult cuCtxSetCurrent(void *context) { current = context; return 0; }
            CUresult cuCtxGetCurrent(void **context) { *context = current; return 0; }
            CUresult cuCtxSynchronize(void) { return 999; }
            CUresult cuModuleLoadData(void **module, const void *image) {
                const char *text = image;
                if (strstr(text, ".entry scale_add_index") == NULL) return 218;
                *module = (void *) 0x2000; return 0; }
            CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
                if (module != (void *) 0x2000) return 400;
                if (strcmp(name, "scale_add_index") != 0) return 500;
                *function = (void *) 0x3000; return 0; }
            CUresult cuModuleUnload(void *module) { return module == (void *) 0x2000 ? 0 : 400; }
            CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                    unsigned bz, unsigned shared, void *stream, void **params, void **extra) {
                if (f != (void *) 0x3000 || gx != 8 || gy != 2 || gz != 1 || bx != 128 || by != 1 || bz != 1)
                    return 1;
                if (shared != 256 || stream != (void *) 0x2 || extra != NULL) return 1;
                if (*(uint64_t *) params[0] != 0xdead0000ull || *(uint64_t *) params[1] != 0xbeef0000ull) return 1;
                if (*(float *) params[2] != 1.5f || *(int *) params[3] != 1000) return 1;
                return 0; }
            CUresult cuFuncSetAttribute(void *f, int attribute, int value) {
                if (f != (void *) 0x3000 || attribute != 8) return 1;
                dynamicShared = value; return 0; }
            CUresult cuFuncGetAttribute(int *value, int attribute, void *f) {
                if (f != (void *) 0x3000 || attribute != 8) return 1;
                *value = dynamicShared; return 0; }
            CUresult cuGetErrorName(CUresult error, const char **text) {
                if (error == 500) { *text = "CUDA_ERROR_NOT_FOUND"; return 0; }
                if (error == 999) { *text = "CUDA_ERROR_UNKNOWN"; return 0; }
                *text = NULL; return 1; }
            CUresult cuGetErrorString(CUresult error, const char **text) {
                if (error == 500) { *text = "named symbol not found"; return 0; }
                if (error == 999) { *text = "unknown error"; return 0; }
                *text = NULL; return 1; }
            """;

    private static CudaDriver driver;

    @BeforeAll
    static void buildTheStub(@TempDir Path folder) throws Exception {
        Path gcc = CProbe.requireGcc();
        Path source = Files.writeString(folder.resolve("stub_cuda.c"), STUB);
        // No -soname: the loader must not mistake the stub for the real libcuda.so.1 that libcudart
        // opens by soname when a GPU test in this JVM initializes CUDA.
        Process process = new ProcessBuilder(gcc.toString(), "-shared", "-fPIC", "-Wall", "-o",
                folder.resolve("libcuda.so.1").toString(), source.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError("gcc failed: " + output);
        }
        driver = CudaDriver.load(NativeLibraryLocator.inFolders(List.of(folder)));
    }

    @Test
    void devicesAndContextsPassTheirArgumentsAndReadTheirResults() {
        driver.init();
        assertEquals(13000, driver.driverGetVersion());
        assertEquals(2, driver.deviceGetCount());
        int device = driver.deviceGet(1);
        assertEquals(101, device);
        assertEquals(75_000 + 101, driver.deviceGetAttribute(CuDeviceAttribute.COMPUTE_CAPABILITY_MAJOR, device));
        CuContext context = driver.devicePrimaryCtxRetain(device);
        assertEquals(0x1000 + 101, context.handle().address());
        driver.ctxSetCurrent(context);
        assertEquals(context.handle().address(), driver.ctxGetCurrent().handle().address());
        driver.devicePrimaryCtxRelease(device);
    }

    @Test
    void aKernelIsLoadedFoundConfiguredAndLaunchedWithItsParameters() throws Exception {
        CuModule module = driver.moduleLoadPtx(TestKernels.ptx());
        CuFunction kernel = driver.moduleGetFunction(module, TestKernels.KERNEL);
        driver.funcSetAttribute(kernel, CuFunctionAttribute.MAX_DYNAMIC_SHARED_SIZE_BYTES, 96 * 1024);
        assertEquals(96 * 1024, driver.funcGetAttribute(kernel, CuFunctionAttribute.MAX_DYNAMIC_SHARED_SIZE_BYTES));
        try (Arena arena = Arena.ofConfined()) {
            driver.launchKernel(kernel, Dim3.of(8, 2), Dim3.of(128), 256, CudaStream.PER_THREAD,
                    new KernelArguments(arena).pointer(MemorySegment.ofAddress(0xdead0000L))
                            .pointer(MemorySegment.ofAddress(0xbeef0000L)).float32(1.5f).int32(1000));
            CudaDriverException wrongArguments = assertThrows(CudaDriverException.class,
                    () -> driver.launchKernel(kernel, Dim3.of(8, 2), Dim3.of(128), 256, CudaStream.PER_THREAD,
                            new KernelArguments(arena).pointer(MemorySegment.ofAddress(0xdead0000L))
                                    .pointer(MemorySegment.ofAddress(0xbeef0000L)).float32(1.5f).int32(999)));
            assertEquals(1, wrongArguments.code(), "the stub saw the changed parameter");
        }
        driver.moduleUnload(module);
    }

    @Test
    void moduleBytesReachTheDriverNulTerminated() {
        byte[] ptx = ".version 9.0\n.visible .entry scale_add_index(\n".getBytes();
        CuModule module = driver.moduleLoadData(ptx);
        assertEquals(0x2000, module.handle().address());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment image = arena.allocate(ptx.length + 1L);
            MemorySegment.copy(ptx, 0, image, JAVA_BYTE, 0, ptx.length);
            assertEquals(0x2000, driver.moduleLoadData(image).handle().address());
        }
        CudaDriverException invalid = assertThrows(CudaDriverException.class,
                () -> driver.moduleLoadPtx(".version 9.0\n"));
        assertEquals("cuModuleLoadData", invalid.function());
        assertEquals(218, invalid.code());
        assertEquals("CUresult 218", invalid.codeName(), "a code the driver cannot name");
    }

    @Test
    void failuresCarryTheDriversNameAndText() {
        CudaDriverException notFound = assertThrows(CudaDriverException.class,
                () -> driver.moduleGetFunction(new CuModule(MemorySegment.ofAddress(0x2000)), "no_such_kernel"));
        assertEquals("cuModuleGetFunction(no_such_kernel)", notFound.function());
        assertEquals(CuResult.NOT_FOUND.value(), notFound.code());
        assertEquals("CUDA_ERROR_NOT_FOUND", notFound.codeName());
        assertEquals("cuModuleGetFunction(no_such_kernel) failed: CUDA_ERROR_NOT_FOUND (500): named symbol not found",
                notFound.getMessage());
        CudaDriverException unknown = assertThrows(CudaDriverException.class, driver::ctxSynchronize);
        assertEquals("CUDA_ERROR_UNKNOWN", unknown.codeName());
        assertEquals("unknown error", unknown.description());
    }
}
