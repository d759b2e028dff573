package org.yalis.bindings.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import org.yalis.bindings.Downcalls;
import org.yalis.bindings.KnownLibrary;
import org.yalis.bindings.LoadedLibrary;
import org.yalis.bindings.NativeLibraryLocator;
import org.yalis.bindings.NativeStrings;
import org.yalis.bindings.OnFirstUse;

import static org.yalis.bindings.cuda.CTypes.C_INT;
import static org.yalis.bindings.cuda.CTypes.POINTER;
import static org.yalis.bindings.cuda.CTypes.SIZE_T;
import static org.yalis.bindings.cuda.CTypes.UNSIGNED_LONG_LONG;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The CUDA runtime API ({@code libcudart.so.13}, or {@code .12}) through FFM.
 *
 * <p>Method names are the C names without the {@code cuda} prefix, so CUDA's documentation
 * applies as is. Every status is checked: a failure throws {@link CudaRuntimeException} with the
 * function, the code and its name. Only plain exported names are bound (CUDA 13 dropped the
 * {@code _v2} aliases of 12), and device properties are read one attribute at a time because the
 * {@code cudaDeviceProp} layout changed in CUDA 13.
 *
 * <p>Pointers: device addresses are zero-length {@link MemorySegment}s (the host cannot
 * dereference them; FFM turns an attempt into an exception instead of a crash). Host buffers passed
 * to copies must be native segments ({@link Arena}-allocated, mapped, or pinned with
 * {@link #mallocHost(long, Arena)}); Java heap arrays are refused by FFM. Offsets into device
 * memory: {@code MemorySegment.ofAddress(base.address() + byteOffset)}.
 *
 * <p>Loading is lazy: {@link #shared()} opens the library the first time it is called.
 */
public final class CudaRuntime {
    private static final OnFirstUse<CudaRuntime> SHARED =
            new OnFirstUse<>(() -> load(NativeLibraryLocator.fromEnvironment()));

    private final LoadedLibrary library;
    private final MethodHandle getDeviceCount;
    private final MethodHandle setDevice;
    private final MethodHandle getDevice;
    private final MethodHandle deviceGetAttribute;
    private final MethodHandle memGetInfo;
    private final MethodHandle malloc;
    private final MethodHandle free;
    private final MethodHandle mallocHost;
    private final MethodHandle freeHost;
    private final MethodHandle memcpy;
    private final MethodHandle memcpyAsync;
    private final MethodHandle memset;
    private final MethodHandle memsetAsync;
    private final MethodHandle streamCreateWithFlags;
    private final MethodHandle streamDestroy;
    private final MethodHandle streamSynchronize;
    private final MethodHandle eventCreateWithFlags;
    private final MethodHandle eventRecord;
    private final MethodHandle eventSynchronize;
    private final MethodHandle eventQuery;
    private final MethodHandle eventElapsedTime;
    private final MethodHandle eventDestroy;
    private final MethodHandle deviceSynchronize;
    private final MethodHandle getLastError;
    private final MethodHandle peekAtLastError;
    private final MethodHandle getErrorName;
    private final MethodHandle getErrorString;
    private final MethodHandle runtimeGetVersion;
    private final MethodHandle driverGetVersion;
    private final MethodHandle streamBeginCapture;
    private final MethodHandle streamEndCapture;
    private final MethodHandle streamIsCapturing;
    private final MethodHandle graphInstantiate;
    private final MethodHandle graphLaunch;
    private final MethodHandle graphExecDestroy;
    private final MethodHandle graphDestroy;

    private CudaRuntime(LoadedLibrary library) {
        this.library = library;
        getDeviceCount = bind("cudaGetDeviceCount", POINTER);
        setDevice = bind("cudaSetDevice", C_INT);
        getDevice = bind("cudaGetDevice", POINTER);
        deviceGetAttribute = bind("cudaDeviceGetAttribute", POINTER, C_INT, C_INT);
        memGetInfo = bind("cudaMemGetInfo", POINTER, POINTER);
        malloc = bind("cudaMalloc", POINTER, SIZE_T);
        free = bind("cudaFree", POINTER);
        mallocHost = bind("cudaMallocHost", POINTER, SIZE_T);
        freeHost = bind("cudaFreeHost", POINTER);
        memcpy = bind("cudaMemcpy", POINTER, POINTER, SIZE_T, C_INT);
        memcpyAsync = bind("cudaMemcpyAsync", POINTER, POINTER, SIZE_T, C_INT, POINTER);
        memset = bind("cudaMemset", POINTER, C_INT, SIZE_T);
        memsetAsync = bind("cudaMemsetAsync", POINTER, C_INT, SIZE_T, POINTER);
        streamCreateWithFlags = bind("cudaStreamCreateWithFlags", POINTER, C_INT);
        streamDestroy = bind("cudaStreamDestroy", POINTER);
        streamSynchronize = bind("cudaStreamSynchronize", POINTER);
        eventCreateWithFlags = bind("cudaEventCreateWithFlags", POINTER, C_INT);
        eventRecord = bind("cudaEventRecord", POINTER, POINTER);
        eventSynchronize = bind("cudaEventSynchronize", POINTER);
        eventQuery = bind("cudaEventQuery", POINTER);
        eventElapsedTime = bind("cudaEventElapsedTime", POINTER, POINTER, POINTER);
        eventDestroy = bind("cudaEventDestroy", POINTER);
        deviceSynchronize = bind("cudaDeviceSynchronize");
        getLastError = bind("cudaGetLastError");
        peekAtLastError = bind("cudaPeekAtLastError");
        getErrorName = library.downcall("cudaGetErrorName", FunctionDescriptor.of(POINTER, C_INT));
        getErrorString = library.downcall("cudaGetErrorString", FunctionDescriptor.of(POINTER, C_INT));
        runtimeGetVersion = bind("cudaRuntimeGetVersion", POINTER);
        driverGetVersion = bind("cudaDriverGetVersion", POINTER);
        streamBeginCapture = bind("cudaStreamBeginCapture", POINTER, C_INT);
        streamEndCapture = bind("cudaStreamEndCapture", POINTER, POINTER);
        streamIsCapturing = bind("cudaStreamIsCapturing", POINTER, POINTER);
        // CUDA 12+ signature (exec*, graph, unsigned long long flags); CUDA 11's 5-argument form is gone.
        graphInstantiate = bind("cudaGraphInstantiate", POINTER, POINTER, UNSIGNED_LONG_LONG);
        graphLaunch = bind("cudaGraphLaunch", POINTER, POINTER);
        graphExecDestroy = bind("cudaGraphExecDestroy", POINTER);
        graphDestroy = bind("cudaGraphDestroy", POINTER);
    }

    /** The runtime found in this process's environment, loaded on the first call and kept. */
    public static CudaRuntime shared() {
        return SHARED.get();
    }

    /**
     * Loads the runtime {@code locator} finds (tests pass a locator over chosen folders).
     *
     * @throws org.yalis.bindings.NativeLibraryNotFoundException when it is not found
     * @throws org.yalis.bindings.NativeLibraryLoadException when it cannot be loaded
     */
    public static CudaRuntime load(NativeLibraryLocator locator) {
        return new CudaRuntime(LoadedLibrary.open(locator.locate(KnownLibrary.CUDA_RUNTIME)));
    }

    /** Where the loaded libcudart is. */
    public Path libraryPath() {
        return library.path();
    }

    private MethodHandle bind(String name, java.lang.foreign.MemoryLayout... arguments) {
        return library.downcall(name, FunctionDescriptor.of(C_INT, arguments));
    }

    // ---- status ------------------------------------------------------------------------------

    /** Throws {@link CudaRuntimeException} unless {@code status} is {@code cudaSuccess}. */
    void check(int status, String function) {
        if (status != CudaError.SUCCESS.value()) {
            throw new CudaRuntimeException(function, status, getErrorName(status), getErrorString(status), null);
        }
    }

    /** {@code cudaGetErrorName}: {@code cudaErrorMemoryAllocation} for 2 ("unrecognized error code" for unknown codes). */
    public String getErrorName(int error) {
        try {
            return NativeStrings.read((MemorySegment) getErrorName.invokeExact(error));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaGetErrorString}: {@code out of memory} for 2. */
    public String getErrorString(int error) {
        try {
            return NativeStrings.read((MemorySegment) getErrorString.invokeExact(error));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaGetLastError}: the last error of this thread, which the call also resets to success. */
    public int getLastError() {
        try {
            return (int) getLastError.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaPeekAtLastError}: like {@link #getLastError()} without resetting it. */
    public int peekAtLastError() {
        try {
            return (int) peekAtLastError.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /**
     * Throws if the last error is not success (and resets it): call after a kernel launch, whose
     * configuration errors are reported only this way.
     */
    public void checkLastError(String afterWhat) {
        int status = getLastError();
        if (status != CudaError.SUCCESS.value()) {
            throw new CudaRuntimeException("cudaGetLastError after " + afterWhat, status, getErrorName(status),
                    getErrorString(status), null);
        }
    }

    // ---- versions and devices ----------------------------------------------------------------

    /** {@code cudaRuntimeGetVersion}: 1000 * major + 10 * minor (13000 for CUDA 13.0). */
    public int runtimeGetVersion() {
        return StatusCalls.intOut(runtimeGetVersion, this::check, "cudaRuntimeGetVersion");
    }

    /** {@code cudaDriverGetVersion}: the newest CUDA the installed driver supports, 0 when there is no driver. */
    public int driverGetVersion() {
        return StatusCalls.intOut(driverGetVersion, this::check, "cudaDriverGetVersion");
    }

    /** {@code cudaGetDeviceCount}; without a driver this throws {@code cudaErrorInsufficientDriver} (35). */
    public int getDeviceCount() {
        return StatusCalls.intOut(getDeviceCount, this::check, "cudaGetDeviceCount");
    }

    /** A status and the value a call wrote, for callers that handle failure themselves. */
    record StatusAndValue(int status, int value) {
    }

    /**
     * {@code cudaGetDeviceCount} without throwing: the GPU probe turns "no driver" and "no device"
     * into a reason for the user, not an exception.
     */
    StatusAndValue tryGetDeviceCount() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(C_INT);
            int status = (int) getDeviceCount.invokeExact(count);
            return new StatusAndValue(status, count.get(C_INT, 0));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaSetDevice}: the device this thread's later runtime calls use. */
    public void setDevice(int device) {
        try {
            check((int) setDevice.invokeExact(device), "cudaSetDevice");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaGetDevice}. */
    public int getDevice() {
        return StatusCalls.intOut(getDevice, this::check, "cudaGetDevice");
    }

    /** {@code cudaDeviceGetAttribute}. */
    public int deviceGetAttribute(CudaDeviceAttribute attribute, int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(C_INT);
            check((int) deviceGetAttribute.invokeExact(value, attribute.value(), device), "cudaDeviceGetAttribute");
            return value.get(C_INT, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaMemGetInfo} of the current device. */
    public MemoryInfo memGetInfo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(SIZE_T);
            MemorySegment total = arena.allocate(SIZE_T);
            check((int) memGetInfo.invokeExact(free, total), "cudaMemGetInfo");
            return new MemoryInfo(free.get(SIZE_T, 0), total.get(SIZE_T, 0));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaDeviceSynchronize}: waits for all work on the current device; reports asynchronous kernel faults. */
    public void deviceSynchronize() {
        StatusCalls.call(deviceSynchronize, this::check, "cudaDeviceSynchronize");
    }

    // ---- memory ------------------------------------------------------------------------------

    /** {@code cudaMalloc}: device memory the caller frees with {@link #free}. */
    public MemorySegment malloc(long bytes) {
        return pointerOut(malloc, bytes, "cudaMalloc");
    }

    /**
     * {@code cudaMalloc} freed by {@code cudaFree} when {@code arena} closes. The segment is
     * zero-length (a device address) but carries the arena's lifetime: passing it to a call after
     * the arena closed throws instead of touching freed memory.
     */
    public MemorySegment malloc(long bytes, Arena arena) {
        MemorySegment pointer = malloc(bytes);
        return pointer.reinterpret(arena, this::free);
    }

    /** {@code cudaFree} (NULL is a no-op). */
    public void free(MemorySegment devicePointer) {
        try {
            check((int) free.invokeExact(devicePointer), "cudaFree");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /**
     * {@code cudaMallocHost}: page-locked host memory (fast, truly asynchronous copies), readable
     * from Java as an ordinary segment of {@code bytes} and freed with {@code cudaFreeHost} when
     * {@code arena} closes.
     */
    public MemorySegment mallocHost(long bytes, Arena arena) {
        MemorySegment pointer = pointerOut(mallocHost, bytes, "cudaMallocHost");
        return pointer.reinterpret(bytes, arena, this::freeHost);
    }

    /** {@code cudaFreeHost} of memory from {@code cudaMallocHost}. */
    public void freeHost(MemorySegment hostPointer) {
        try {
            check((int) freeHost.invokeExact(hostPointer), "cudaFreeHost");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaMemcpy}: returns when the copy is done. */
    public void memcpy(MemorySegment destination, MemorySegment source, long bytes, CudaMemcpyKind kind) {
        checkHostBounds(destination, source, bytes, kind);
        try {
            check((int) memcpy.invokeExact(destination, source, bytes, kind.value()), "cudaMemcpy");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /**
     * {@code cudaMemcpyAsync} on {@code stream}. With pageable (not pinned) host memory the
     * runtime stages the copy and may return only when it is done; the host buffer must in any case
     * stay alive until the stream has passed the copy.
     */
    public void memcpyAsync(MemorySegment destination, MemorySegment source, long bytes, CudaMemcpyKind kind,
            CudaStream stream) {
        checkHostBounds(destination, source, bytes, kind);
        try {
            check((int) memcpyAsync.invokeExact(destination, source, bytes, kind.value(), stream.handle()),
                    "cudaMemcpyAsync");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaMemset}: sets {@code bytes} bytes of device memory to {@code (byte) value}. */
    public void memset(MemorySegment devicePointer, int value, long bytes) {
        try {
            check((int) memset.invokeExact(devicePointer, value, bytes), "cudaMemset");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaMemsetAsync} on {@code stream}. */
    public void memsetAsync(MemorySegment devicePointer, int value, long bytes, CudaStream stream) {
        try {
            check((int) memsetAsync.invokeExact(devicePointer, value, bytes, stream.handle()), "cudaMemsetAsync");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /**
     * The host side of a copy is a real Java-visible segment, so its size is known: refuse a copy
     * that would read or write past it (native code would silently corrupt the heap instead).
     * Device segments are zero-length and cannot be checked.
     */
    private static void checkHostBounds(MemorySegment destination, MemorySegment source, long bytes,
            CudaMemcpyKind kind) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative copy size: " + bytes);
        }
        boolean hostSource = kind == CudaMemcpyKind.HOST_TO_DEVICE || kind == CudaMemcpyKind.HOST_TO_HOST;
        boolean hostDestination = kind == CudaMemcpyKind.DEVICE_TO_HOST || kind == CudaMemcpyKind.HOST_TO_HOST;
        if (hostSource && source.byteSize() < bytes) {
            throw new IndexOutOfBoundsException("copy of " + bytes + " bytes from a host segment of " + source.byteSize());
        }
        if (hostDestination && destination.byteSize() < bytes) {
            throw new IndexOutOfBoundsException(
                    "copy of " + bytes + " bytes into a host segment of " + destination.byteSize());
        }
    }

    // ---- streams and events ------------------------------------------------------------------

    /** {@code cudaStreamCreateWithFlags}. */
    public CudaStream streamCreateWithFlags(CudaStreamFlag flag) {
        return new CudaStream(pointerOut(streamCreateWithFlags, flag.value(), "cudaStreamCreateWithFlags"));
    }

    /** {@code cudaStreamDestroy} (work already queued still completes). */
    public void streamDestroy(CudaStream stream) {
        StatusCalls.call(streamDestroy, stream.handle(), this::check, "cudaStreamDestroy");
    }

    /** {@code cudaStreamSynchronize}: waits for everything queued on {@code stream}. */
    public void streamSynchronize(CudaStream stream) {
        StatusCalls.call(streamSynchronize, stream.handle(), this::check, "cudaStreamSynchronize");
    }

    /** {@code cudaEventCreateWithFlags}; no flags means {@code cudaEventDefault} (timing enabled). */
    public CudaEvent eventCreateWithFlags(CudaEventFlag... flags) {
        return new CudaEvent(pointerOut(eventCreateWithFlags, NativeEnum.combine(flags), "cudaEventCreateWithFlags"));
    }

    /** {@code cudaEventRecord}: the event completes when {@code stream} reaches this point. */
    public void eventRecord(CudaEvent event, CudaStream stream) {
        try {
            check((int) eventRecord.invokeExact(event.handle(), stream.handle()), "cudaEventRecord");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaEventSynchronize}: waits until the event has completed. */
    public void eventSynchronize(CudaEvent event) {
        StatusCalls.call(eventSynchronize, event.handle(), this::check, "cudaEventSynchronize");
    }

    /**
     * {@code cudaEventQuery}: whether the work before the event's last record has finished, without
     * waiting ({@code cudaErrorNotReady} is the answer "not yet", not a failure). A watchdog thread
     * may ask this while another thread waits on the same stream.
     */
    public boolean eventQuery(CudaEvent event) {
        int status;
        try {
            status = (int) eventQuery.invokeExact(event.handle());
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
        if (status == CudaError.NOT_READY.value()) {
            return false;
        }
        check(status, "cudaEventQuery");
        return true;
    }

    /**
     * {@code cudaEventElapsedTime}: milliseconds between two completed events (resolution about
     * half a microsecond). Both must be recorded and completed, and created without
     * {@link CudaEventFlag#DISABLE_TIMING}.
     */
    public float eventElapsedTime(CudaEvent start, CudaEvent end) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment millis = arena.allocate(JAVA_FLOAT);
            check((int) eventElapsedTime.invokeExact(millis, start.handle(), end.handle()), "cudaEventElapsedTime");
            return millis.get(JAVA_FLOAT, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaEventDestroy}. */
    public void eventDestroy(CudaEvent event) {
        StatusCalls.call(eventDestroy, event.handle(), this::check, "cudaEventDestroy");
    }

    // ---- graphs ------------------------------------------------------------------------------

    /**
     * {@code cudaStreamBeginCapture}: work queued on {@code stream} from now on is recorded into a
     * graph instead of run. Capture a non-default stream; the legacy default stream cannot be captured.
     */
    public void streamBeginCapture(CudaStream stream, CudaStreamCaptureMode mode) {
        try {
            check((int) streamBeginCapture.invokeExact(stream.handle(), mode.value()), "cudaStreamBeginCapture");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaStreamEndCapture}: the graph recorded since {@link #streamBeginCapture}. */
    public CudaGraph streamEndCapture(CudaStream stream) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment graph = arena.allocate(POINTER);
            check((int) streamEndCapture.invokeExact(stream.handle(), graph), "cudaStreamEndCapture");
            return new CudaGraph(graph.get(POINTER, 0));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaStreamIsCapturing}. */
    public CudaStreamCaptureStatus streamIsCapturing(CudaStream stream) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(C_INT);
            check((int) streamIsCapturing.invokeExact(stream.handle(), status), "cudaStreamIsCapturing");
            int value = status.get(C_INT, 0);
            return CudaStreamCaptureStatus.fromValue(value)
                    .orElseThrow(() -> new IllegalStateException("unknown cudaStreamCaptureStatus " + value));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaGraphInstantiate} (CUDA 12+ form) with the given flags, none for the default. */
    public CudaGraphExec graphInstantiate(CudaGraph graph, CudaGraphInstantiateFlag... flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment exec = arena.allocate(POINTER);
            long flagBits = Integer.toUnsignedLong(NativeEnum.combine(flags));
            check((int) graphInstantiate.invokeExact(exec, graph.handle(), flagBits), "cudaGraphInstantiate");
            return new CudaGraphExec(exec.get(POINTER, 0));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaGraphLaunch}: queues the whole graph on {@code stream}. */
    public void graphLaunch(CudaGraphExec exec, CudaStream stream) {
        try {
            check((int) graphLaunch.invokeExact(exec.handle(), stream.handle()), "cudaGraphLaunch");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code cudaGraphExecDestroy}. */
    public void graphExecDestroy(CudaGraphExec exec) {
        StatusCalls.call(graphExecDestroy, exec.handle(), this::check, "cudaGraphExecDestroy");
    }

    /** {@code cudaGraphDestroy}. */
    public void graphDestroy(CudaGraph graph) {
        StatusCalls.call(graphDestroy, graph.handle(), this::check, "cudaGraphDestroy");
    }

    // ---- call shapes shared by several functions ---------------------------------------------

    /** {@code f(void **out, size_t bytes)}: cudaMalloc, cudaMallocHost. */
    private MemorySegment pointerOut(MethodHandle function, long bytes, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pointer = arena.allocate(POINTER);
            check((int) function.invokeExact(pointer, bytes), name);
            return pointer.get(POINTER, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code f(handle *out, unsigned int flags)}: stream and event creation. */
    private MemorySegment pointerOut(MethodHandle function, int flags, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(POINTER);
            check((int) function.invokeExact(handle, flags), name);
            return handle.get(POINTER, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }
}
