package org.yalis.bindings.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.yalis.bindings.Downcalls;
import org.yalis.bindings.KnownLibrary;
import org.yalis.bindings.LoadedLibrary;
import org.yalis.bindings.NativeLibraryLocator;
import org.yalis.bindings.NativeStrings;
import org.yalis.bindings.OnFirstUse;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.yalis.bindings.cuda.CTypes.CU_DEVICE;
import static org.yalis.bindings.cuda.CTypes.C_INT;
import static org.yalis.bindings.cuda.CTypes.POINTER;

/**
 * The part of the CUDA driver API ({@code libcuda.so.1}, installed with the GPU driver, not the
 * toolkit) that the runtime does not offer: loading our own fatbin/PTX modules and launching
 * their kernels.
 *
 * <p>It shares the runtime's primary context: after {@code CudaRuntime.setDevice(d)}, retain
 * device d's primary context and make it current ({@link #devicePrimaryCtxRetain},
 * {@link #ctxSetCurrent}), then memory from {@code cudaMalloc} and streams from
 * {@code cudaStreamCreateWithFlags} work with {@link #launchKernel} as they are.
 *
 * <p>Symbols are the exported, versioned names cuda.h's macros map to (for example
 * {@code cuDevicePrimaryCtxRelease_v2}); the plain legacy names some of them also export have
 * 32-bit or otherwise older signatures. Call {@link #init()} before anything else.
 */
public final class CudaDriver {
    private static final OnFirstUse<CudaDriver> SHARED =
            new OnFirstUse<>(() -> load(NativeLibraryLocator.fromEnvironment()));

    private final LoadedLibrary library;
    private final MethodHandle init;
    private final MethodHandle driverGetVersion;
    private final MethodHandle deviceGet;
    private final MethodHandle deviceGetCount;
    private final MethodHandle deviceGetAttribute;
    private final MethodHandle devicePrimaryCtxRetain;
    private final MethodHandle devicePrimaryCtxRelease;
    private final MethodHandle ctxSetCurrent;
    private final MethodHandle ctxGetCurrent;
    private final MethodHandle ctxSynchronize;
    private final MethodHandle moduleLoadData;
    private final MethodHandle moduleGetFunction;
    private final MethodHandle moduleUnload;
    private final MethodHandle launchKernel;
    private final MethodHandle funcSetAttribute;
    private final MethodHandle funcGetAttribute;
    private final MethodHandle getErrorName;
    private final MethodHandle getErrorString;

    private CudaDriver(LoadedLibrary library) {
        this.library = library;
        init = bind("cuInit", C_INT);
        driverGetVersion = bind("cuDriverGetVersion", POINTER);
        deviceGet = bind("cuDeviceGet", POINTER, C_INT);
        deviceGetCount = bind("cuDeviceGetCount", POINTER);
        deviceGetAttribute = bind("cuDeviceGetAttribute", POINTER, C_INT, CU_DEVICE);
        devicePrimaryCtxRetain = bind("cuDevicePrimaryCtxRetain", POINTER, CU_DEVICE);
        devicePrimaryCtxRelease = bind("cuDevicePrimaryCtxRelease_v2", CU_DEVICE);
        ctxSetCurrent = bind("cuCtxSetCurrent", POINTER);
        ctxGetCurrent = bind("cuCtxGetCurrent", POINTER);
        ctxSynchronize = bind("cuCtxSynchronize");
        moduleLoadData = bind("cuModuleLoadData", POINTER, POINTER);
        moduleGetFunction = bind("cuModuleGetFunction", POINTER, POINTER, POINTER);
        moduleUnload = bind("cuModuleUnload", POINTER);
        // f, grid x/y/z, block x/y/z, sharedMemBytes (all unsigned int), stream, kernelParams, extra
        launchKernel = bind("cuLaunchKernel", POINTER, C_INT, C_INT, C_INT, C_INT, C_INT, C_INT, C_INT, POINTER,
                POINTER, POINTER);
        funcSetAttribute = bind("cuFuncSetAttribute", POINTER, C_INT, C_INT);
        funcGetAttribute = bind("cuFuncGetAttribute", POINTER, C_INT, POINTER);
        getErrorName = bind("cuGetErrorName", C_INT, POINTER);
        getErrorString = bind("cuGetErrorString", C_INT, POINTER);
    }

    /** The driver found in this process's environment, loaded on the first call and kept. */
    public static CudaDriver shared() {
        return SHARED.get();
    }

    /**
     * Loads the driver library {@code locator} finds.
     *
     * @throws org.yalis.bindings.NativeLibraryNotFoundException when libcuda.so.1 is not found
     *         (no NVIDIA driver on this machine)
     */
    public static CudaDriver load(NativeLibraryLocator locator) {
        return new CudaDriver(LoadedLibrary.open(locator.locate(KnownLibrary.CUDA_DRIVER)));
    }

    public Path libraryPath() {
        return library.path();
    }

    private MethodHandle bind(String name, MemoryLayout... arguments) {
        return library.downcall(name, FunctionDescriptor.of(C_INT, arguments));
    }

    // ---- status ------------------------------------------------------------------------------

    void check(int status, String function) {
        if (status != CuResult.SUCCESS.value()) {
            String name = getErrorName(status);
            throw new CudaDriverException(function, status, name != null ? name : "CUresult " + status,
                    String.valueOf(getErrorString(status)), null);
        }
    }

    /** {@code cuGetErrorName} (out-parameter form); {@code null} for a code the driver does not know. */
    public String getErrorName(int result) {
        return errorText(getErrorName, result);
    }

    /** {@code cuGetErrorString}; {@code null} for a code the driver does not know. */
    public String getErrorString(int result) {
        return errorText(getErrorString, result);
    }

    private static String errorText(MethodHandle function, int result) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(POINTER);
            int status = (int) function.invokeExact(result, text);
            return status == CuResult.SUCCESS.value() ? NativeStrings.read(text.get(POINTER, 0)) : null;
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    // ---- initialization, devices, contexts ---------------------------------------------------

    /** {@code cuInit(0)}: required before any other driver call; repeated calls are harmless. */
    public void init() {
        try {
            check((int) init.invokeExact(0), "cuInit");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cuDriverGetVersion}: the newest CUDA version the driver supports (13000 for 13.0). */
    public int driverGetVersion() {
        return StatusCalls.intOut(driverGetVersion, this::check, "cuDriverGetVersion");
    }

    /** {@code cuDeviceGetCount}. */
    public int deviceGetCount() {
        return StatusCalls.intOut(deviceGetCount, this::check, "cuDeviceGetCount");
    }

    /** {@code cuDeviceGet}: the {@code CUdevice} of an ordinal. */
    public int deviceGet(int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment device = arena.allocate(CU_DEVICE);
            check((int) deviceGet.invokeExact(device, ordinal), "cuDeviceGet");
            return device.get(CU_DEVICE, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cuDeviceGetAttribute}. */
    public int deviceGetAttribute(CuDeviceAttribute attribute, int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(C_INT);
            check((int) deviceGetAttribute.invokeExact(value, attribute.value(), device), "cuDeviceGetAttribute");
            return value.get(C_INT, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cuDevicePrimaryCtxRetain}: the context the runtime also uses on this device; release it once per retain. */
    public CuContext devicePrimaryCtxRetain(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment context = arena.allocate(POINTER);
            check((int) devicePrimaryCtxRetain.invokeExact(context, device), "cuDevicePrimaryCtxRetain");
            return new CuContext(context.get(POINTER, 0));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cuDevicePrimaryCtxRelease} (bound as {@code cuDevicePrimaryCtxRelease_v2}). */
    public void devicePrimaryCtxRelease(int device) {
        try {
            check((int) devicePrimaryCtxRelease.invokeExact(device), "cuDevicePrimaryCtxRelease_v2");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cuCtxSetCurrent}: binds the context to the calling thread. */
    public void ctxSetCurrent(CuContext context) {
        try {
            check((int) ctxSetCurrent.invokeExact(context.handle()), "cuCtxSetCurrent");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cuCtxGetCurrent}: the calling thread's context (a NULL handle when none). */
    public CuContext ctxGetCurrent() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment context = arena.allocate(POINTER);
            check((int) ctxGetCurrent.invokeExact(context), "cuCtxGetCurrent");
            return new CuContext(context.get(POINTER, 0));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cuCtxSynchronize}: waits for all work in the current context. */
    public void ctxSynchronize() {
        StatusCalls.call(ctxSynchronize, this::check, "cuCtxSynchronize");
    }

    // ---- modules and kernels -----------------------------------------------------------------

    /**
     * {@code cuModuleLoadData}: loads a fatbin, cubin or PTX image into the current context
     * (SASS for this GPU is used as is; PTX is JIT-compiled by the driver). The image is copied
     * during the call. A PTX image must end with a NUL byte: prefer {@link #moduleLoadPtx}.
     */
    public CuModule moduleLoadData(MemorySegment image) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment module = arena.allocate(POINTER);
            check((int) moduleLoadData.invokeExact(module, image), "cuModuleLoadData");
            return new CuModule(module.get(POINTER, 0));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@link #moduleLoadData} of image bytes (a fatbin read from a jar resource, say). */
    public CuModule moduleLoadData(byte[] image) {
        try (Arena arena = Arena.ofConfined()) {
            // One spare zero byte: harmless after a fatbin, and the terminator PTX text needs.
            MemorySegment copy = arena.allocate(image.length + 1L, 16);
            MemorySegment.copy(image, 0, copy, JAVA_BYTE, 0, image.length);
            return moduleLoadData(copy);
        }
    }

    /** {@link #moduleLoadData} of PTX source text. */
    public CuModule moduleLoadPtx(String ptx) {
        return moduleLoadData(ptx.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code cuModuleGetFunction}: a kernel by its symbol name ({@code extern "C"} kernels keep their C name). */
    public CuFunction moduleGetFunction(CuModule module, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment function = arena.allocate(POINTER);
            check((int) moduleGetFunction.invokeExact(function, module.handle(), arena.allocateFrom(name)),
                    "cuModuleGetFunction(" + name + ")");
            return new CuFunction(function.get(POINTER, 0));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cuModuleUnload}. */
    public void moduleUnload(CuModule module) {
        try {
            check((int) moduleUnload.invokeExact(module.handle()), "cuModuleUnload");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /**
     * {@code cuLaunchKernel}: queues {@code function} on {@code stream} (asynchronous; launch
     * failures inside the kernel surface at the next synchronizing call).
     *
     * @param sharedMemoryBytes dynamic shared memory per block; above 48 KiB raise
     *        {@link CuFunctionAttribute#MAX_DYNAMIC_SHARED_SIZE_BYTES} first
     */
    public void launchKernel(CuFunction function, Dim3 grid, Dim3 block, int sharedMemoryBytes, CudaStream stream,
            KernelArguments arguments) {
        try {
            check((int) launchKernel.invokeExact(function.handle(), grid.x(), grid.y(), grid.z(), block.x(), block.y(),
                    block.z(), sharedMemoryBytes, stream.handle(), arguments.parameterArray(), MemorySegment.NULL),
                    "cuLaunchKernel");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cuFuncSetAttribute}. */
    public void funcSetAttribute(CuFunction function, CuFunctionAttribute attribute, int value) {
        try {
            check((int) funcSetAttribute.invokeExact(function.handle(), attribute.value(), value), "cuFuncSetAttribute");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cuFuncGetAttribute}. */
    public int funcGetAttribute(CuFunction function, CuFunctionAttribute attribute) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(C_INT);
            check((int) funcGetAttribute.invokeExact(value, attribute.value(), function.handle()), "cuFuncGetAttribute");
            return value.get(C_INT, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
