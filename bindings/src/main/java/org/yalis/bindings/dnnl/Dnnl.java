package org.yalis.bindings.dnnl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import org.yalis.bindings.Downcalls;
import org.yalis.bindings.KnownLibrary;
import org.yalis.bindings.LibraryLocation;
import org.yalis.bindings.LoadedLibrary;
import org.yalis.bindings.NativeLibraryLocator;
import org.yalis.bindings.NativeStrings;
import org.yalis.bindings.OnFirstUse;

/**
 * oneDNN 2.x through FFM, loaded on first use: the engine, streams, memory descriptors and objects,
 * and the matmul primitive ({@link DnnlMatmul}), which is all the CPU backend needs from it.
 *
 * <p>Only the 2.x C API is bound (Debian bookworm's {@code libdnnl2}, 2.6.3): 3.x replaced the
 * operation descriptors used here. The library's OpenMP runtime is told to use one thread on every
 * thread that calls it ({@link #useOneThreadHere}), because the engine splits each product over its
 * own compute threads: an OpenMP team per caller would put two threads on every core.
 */
public final class Dnnl {
    /** {@code sizeof(dnnl_memory_desc_t)} in the 2.x API (checked against the header by a test). */
    static final long MEMORY_DESC_BYTES = 696;
    /** {@code sizeof(dnnl_matmul_desc_t)} in the 2.x API. */
    static final long MATMUL_DESC_BYTES = 2800;
    /** {@code DNNL_MAX_NDIMS}: the length of a {@code dnnl_dims_t}. */
    static final int MAX_DIMS = 12;

    static final int ENGINE_CPU = 1;
    static final int SCRATCHPAD_USER = 1;
    static final int QUERY_IMPL_INFO_STR = 8;
    static final int QUERY_SCRATCHPAD_MD = 136;
    static final int ARG_SRC = 1;
    static final int ARG_WEIGHTS = 33;
    static final int ARG_DST = 17;
    static final int ARG_SCRATCHPAD = 80;
    /** {@code DNNL_RUNTIME_OMP}, {@code DNNL_RUNTIME_SEQ}: the CPU runtimes whose threads this class controls. */
    static final int RUNTIME_SEQ = 1;
    static final int RUNTIME_OMP = 2;

    private static final OnFirstUse<Dnnl> LIBRARY = new OnFirstUse<>(() -> load(NativeLibraryLocator.fromEnvironment()));

    private final Path path;
    private final String version;
    private final int cpuRuntime;
    private final MethodHandle engineCreate;
    private final MethodHandle streamCreate;
    final MethodHandle memoryDescInitByStrides;
    final MethodHandle memoryDescGetSize;
    final MethodHandle matmulDescInit;
    final MethodHandle attrCreate;
    final MethodHandle attrSetScratchpadMode;
    final MethodHandle attrDestroy;
    final MethodHandle primitiveDescCreate;
    final MethodHandle primitiveDescQuery;
    final MethodHandle primitiveDescQueryMd;
    final MethodHandle primitiveDescDestroy;
    final MethodHandle primitiveCreate;
    final MethodHandle primitiveDestroy;
    final MethodHandle primitiveExecute;
    final MethodHandle memoryCreate;
    final MethodHandle memorySetDataHandle;
    final MethodHandle memoryDestroy;
    private final MethodHandle effectiveCpuIsa;
    private final MethodHandle ompSetNumThreads;
    private final MemorySegment engine;
    private final ThreadLocal<MemorySegment> streams;
    private final ThreadLocal<Boolean> oneThread = ThreadLocal.withInitial(() -> false);

    private Dnnl(LoadedLibrary library) {
        this.path = library.path();
        MethodHandle versionCall = library.downcall("dnnl_version", FunctionDescriptor.of(ADDRESS));
        MemorySegment versionStruct;
        try {
            versionStruct = ((MemorySegment) versionCall.invokeExact()).reinterpret(32);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
        int major = versionStruct.get(JAVA_INT, 0);
        this.version = major + "." + versionStruct.get(JAVA_INT, 4) + "." + versionStruct.get(JAVA_INT, 8);
        if (major != 2) {
            throw new IllegalStateException("oneDNN " + version + " at " + path + " is not a 2.x release, the C API"
                    + " Yalis-J binds (Debian's libdnnl2)");
        }
        this.cpuRuntime = versionStruct.get(JAVA_INT, 24);
        engineCreate = library.downcall("dnnl_engine_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
        streamCreate = library.downcall("dnnl_stream_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        memoryDescInitByStrides = library.downcall("dnnl_memory_desc_init_by_strides",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        memoryDescGetSize = library.downcall("dnnl_memory_desc_get_size", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
        matmulDescInit = library.downcall("dnnl_matmul_desc_init",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        attrCreate = library.downcall("dnnl_primitive_attr_create", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        attrSetScratchpadMode = library.downcall("dnnl_primitive_attr_set_scratchpad_mode",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        attrDestroy = library.downcall("dnnl_primitive_attr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        primitiveDescCreate = library.downcall("dnnl_primitive_desc_create",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        primitiveDescQuery = library.downcall("dnnl_primitive_desc_query",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
        primitiveDescQueryMd = library.downcall("dnnl_primitive_desc_query_md",
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_INT));
        primitiveDescDestroy = library.downcall("dnnl_primitive_desc_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        primitiveCreate = library.downcall("dnnl_primitive_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        primitiveDestroy = library.downcall("dnnl_primitive_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        primitiveExecute = library.downcall("dnnl_primitive_execute",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        memoryCreate = library.downcall("dnnl_memory_create",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        memorySetDataHandle = library.downcall("dnnl_memory_set_data_handle",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        memoryDestroy = library.downcall("dnnl_memory_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        effectiveCpuIsa = library.downcall("dnnl_get_effective_cpu_isa", FunctionDescriptor.of(JAVA_INT));
        // libdnnl's own OpenMP runtime (libgomp, libiomp5): dlsym through libdnnl finds its dependency's symbol.
        ompSetNumThreads = cpuRuntime == RUNTIME_OMP
                ? library.downcall("omp_set_num_threads", FunctionDescriptor.ofVoid(JAVA_INT)) : null;
        if (cpuRuntime != RUNTIME_OMP && cpuRuntime != RUNTIME_SEQ) {
            throw new IllegalStateException("oneDNN " + version + " at " + path + " was built for CPU runtime "
                    + cpuRuntime + "; Yalis-J drives its threads only with the OpenMP or sequential runtime");
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment out = call.allocate(ADDRESS);
            check((int) engineCreate.invokeExact(out, ENGINE_CPU, 0L), "dnnl_engine_create");
            engine = out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
        streams = ThreadLocal.withInitial(this::newStream);
    }

    /**
     * This process's oneDNN, loaded on the first call.
     *
     * @throws org.yalis.bindings.NativeLibraryNotFoundException when libdnnl.so.2 is not installed
     * @throws IllegalStateException when the library found is not a usable 2.x build
     */
    public static Dnnl load() {
        return LIBRARY.get();
    }

    /** Whether oneDNN can be used in this process (loading it on the first call), and why not if not. */
    public static Availability availability() {
        try {
            Dnnl dnnl = load();
            return new Availability(true, "oneDNN " + dnnl.version() + " (" + dnnl.isaName() + ") at " + dnnl.path());
        } catch (RuntimeException e) {
            return new Availability(false, e.getMessage());
        }
    }

    /** Whether oneDNN loads here, and a line saying which one or why not. */
    public record Availability(boolean available, String description) {
    }

    static Dnnl load(NativeLibraryLocator locator) {
        LibraryLocation location = locator.locate(KnownLibrary.ONEDNN);
        return new Dnnl(LoadedLibrary.open(location));
    }

    public Path path() {
        return path;
    }

    public String version() {
        return version;
    }

    MemorySegment engine() {
        return engine;
    }

    /** This thread's stream (oneDNN streams are not to be shared by threads that execute at once). */
    MemorySegment stream() {
        return streams.get();
    }

    private MemorySegment newStream() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment out = call.allocate(ADDRESS);
            check((int) streamCreate.invokeExact(out, engine, 0x1), "dnnl_stream_create");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /**
     * Makes oneDNN run on the calling thread alone when called from it (OpenMP's per-thread
     * {@code nthreads-var}); called before this thread creates or executes a primitive, as a primitive
     * is planned for the threads it sees at creation.
     */
    public void useOneThreadHere() {
        if (ompSetNumThreads == null || oneThread.get()) {
            return;
        }
        try {
            ompSetNumThreads.invokeExact(1);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
        oneThread.set(true);
    }

    /** The instruction set oneDNN dispatches to on this CPU, as its {@code dnnl_cpu_isa_t} value. */
    public int effectiveIsa() {
        try {
            return (int) effectiveCpuIsa.invokeExact();
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@link #effectiveIsa} by its oneDNN name. */
    public String isaName() {
        return switch (effectiveIsa()) {
            case 0x1 -> "sse41";
            case 0x3 -> "avx";
            case 0x7 -> "avx2";
            case 0x407 -> "avx2_vnni";
            case 0x27 -> "avx512_core";
            case 0x67 -> "avx512_core_vnni";
            case 0xe7 -> "avx512_core_bf16";
            case 0x3e7 -> "avx512_core_amx";
            default -> "isa " + Integer.toHexString(effectiveIsa());
        };
    }

    /** Whether the CPU has bf16 dot products oneDNN uses (AVX512_BF16, or AMX tiles). */
    public boolean hasBf16DotProducts() {
        int isa = effectiveIsa();
        return (isa & 0xe7) == 0xe7;
    }

    static void check(int status, String function) {
        if (status != 0) {
            throw new DnnlException(function, status);
        }
    }

    static String string(MemorySegment pointer) {
        return NativeStrings.read(pointer);
    }

    static MemorySegment dims(Arena arena, long... values) {
        MemorySegment dims = arena.allocate(ValueLayout.JAVA_LONG, MAX_DIMS);
        for (int i = 0; i < values.length; i++) {
            dims.setAtIndex(ValueLayout.JAVA_LONG, i, values[i]);
        }
        return dims;
    }
}
