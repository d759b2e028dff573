package org.yalis.bindings.mpi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

import org.yalis.bindings.LibraryLocation;
import org.yalis.bindings.NativeLibraryLocator;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A loaded libmpi, its handle ABI ({@link #flavor()}) and the calls that are legal before
 * {@code MPI_Init}. Nothing is loaded until {@link #load()} (or {@link Mpi#initialize}) is called,
 * so a JVM that never uses MPI never needs libmpi.
 *
 * <p>{@link #load()} picks the file with {@link MpiLibrarySelector}'s rules ({@code YALIS_MPI_LIBRARY},
 * then the launcher's flavor, then Open MPI before MPICH, in {@link NativeLibraryLocator}'s folders),
 * {@code dlopen}s it {@code RTLD_NOW | RTLD_GLOBAL} (Open MPI's plugins resolve symbols of libmpi
 * through the global scope; this is what Open MPI's own Java bindings do) and tells the ABI apart by
 * probing symbols: {@code ompi_mpi_comm_world} exported means Open MPI's pointer handles, otherwise
 * the MPICH ABI's int handles. One MPI library per process: loading a second, different one is refused.
 */
public final class MpiLibrary {
    private static final int RTLD_NOW = 0x2;
    private static final int RTLD_GLOBAL = 0x100;

    private static MpiLibrary active;

    private final Path path;
    private final String source;
    private final MpiAbi abi;
    private final MpiDowncalls calls;

    private MpiLibrary(Path path, String source, SymbolLookup lookup) {
        this.path = path;
        this.source = source;
        this.abi = MpiAbi.detect(lookup, path);
        this.calls = new MpiDowncalls(lookup, abi, path);
    }

    /**
     * The MPI library of this process, loaded (not initialised) on the first call.
     *
     * @throws org.yalis.bindings.NativeLibraryNotFoundException when no MPI library is found
     * @throws IllegalStateException when the file found is not a usable MPI library
     */
    public static synchronized MpiLibrary load() {
        if (active != null) {
            return active;
        }
        LibraryLocation location = locate();
        return load(location.require(), location.source());
    }

    /** Loads {@code file} as this process's MPI library (the same instance if it already is). */
    public static synchronized MpiLibrary load(Path file) {
        return load(file, "explicit path");
    }

    private static MpiLibrary load(Path file, String source) {
        Path absolute = file.toAbsolutePath();
        if (active != null) {
            if (active.path.equals(absolute)) {
                return active;
            }
            throw new IllegalStateException("MPI library " + active.path + " is already loaded in this process;"
                    + " cannot also load " + absolute + " (one MPI library per process)");
        }
        dlopenGlobal(absolute);
        active = new MpiLibrary(absolute, source, SymbolLookup.libraryLookup(absolute, Arena.global()));
        return active;
    }

    /** The library {@link #load()} would load, found without loading anything. */
    public static LibraryLocation locate() {
        return MpiLibrarySelector.select(NativeLibraryLocator.fromEnvironment(), System.getenv(),
                System.getProperty(MpiLibrarySelector.OVERRIDE_PROPERTY));
    }

    /**
     * Path, flavor and {@code MPI_Get_library_version} of the library {@link #load()} would pick,
     * without initialising MPI (for {@code yalis info}); empty when none is found.
     *
     * <p>This loads the library ({@code RTLD_LOCAL}, for the process's lifetime) but calls nothing
     * except {@code MPI_Get_library_version}, which MPI allows before {@code MPI_Init}.
     */
    public static Optional<MpiLibraryInfo> probe() {
        LibraryLocation location = locate();
        return location.found() ? Optional.of(probe(location.require(), location.source())) : Optional.empty();
    }

    /** Like {@link #probe()}, for a given file. */
    public static MpiLibraryInfo probe(Path file, String source) {
        Path absolute = file.toAbsolutePath();
        MpiLibrary library;
        synchronized (MpiLibrary.class) {
            if (active != null && !active.path.equals(absolute)) {
                // Its MPI_* calls could bind to the loaded library's global symbols: only tell the flavor.
                MpiAbi abi = MpiAbi.detect(SymbolLookup.libraryLookup(absolute, Arena.global()), absolute);
                return new MpiLibraryInfo(absolute, source, abi.flavor(),
                        "(not queried: " + active.path + " is this process's MPI library)");
            }
            library = active != null ? active
                    : new MpiLibrary(absolute, source, SymbolLookup.libraryLookup(absolute, Arena.global()));
        }
        return new MpiLibraryInfo(absolute, source, library.flavor(), library.libraryVersion().lines()
                .map(String::strip).filter(line -> !line.isEmpty()).findFirst().orElse(""));
    }

    /** The loaded file. */
    public Path path() {
        return path;
    }

    /** How the file was chosen ("loader cache", "YALIS_MPI_LIBRARY", "launcher is MPICH, loader cache", ...). */
    public String source() {
        return source;
    }

    /** The handle ABI found by symbol probing. */
    public MpiFlavor flavor() {
        return abi.flavor();
    }

    /** {@code MPI_Get_library_version} (legal before {@code MPI_Init}); MPICH's spans several lines. */
    public String libraryVersion() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(abi.maxLibraryVersionString() + 1L);
            MemorySegment length = arena.allocate(JAVA_INT);
            check("MPI_Get_library_version", (int) calls.getLibraryVersion.invokeExact(text, length));
            return string(text, length);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MPI_Get_library_version failed", t);
        }
    }

    /** {@code MPI_Initialized}: whether MPI was initialised in this process (by anyone). */
    public boolean isInitialized() {
        return flag(calls.initialized, "MPI_Initialized");
    }

    /** {@code MPI_Finalized}: whether MPI was finalised in this process. */
    public boolean isFinalized() {
        return flag(calls.finalized, "MPI_Finalized");
    }

    /**
     * Open MPI's {@code MPIX_Query_cuda_support()} where this library exports it: whether MPI calls
     * accept CUDA device pointers (a CUDA-aware build whose CUDA support is active at run time).
     * Empty when the symbol is absent (builds without CUDA support, such as Debian's, and MPICH):
     * MPI must then be given host memory. Open MPI allows the call before {@code MPI_Init}.
     */
    public Optional<Boolean> queryCudaSupport() {
        if (calls.queryCudaSupport.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of((int) calls.queryCudaSupport.get().invokeExact() != 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MPIX_Query_cuda_support failed", t);
        }
    }

    /** {@code MPI_Error_string}; a placeholder text if MPI cannot describe the code. */
    public String errorString(int code) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(abi.maxErrorString() + 1L);
            MemorySegment length = arena.allocate(JAVA_INT);
            int rc = (int) calls.errorString.invokeExact(code, text, length);
            return rc == 0 ? string(text, length) : "unknown MPI error " + code;
        } catch (Throwable t) {
            return "unknown MPI error " + code;
        }
    }

    /** {@code MPI_Error_class}, or {@code code} itself if MPI cannot classify it. */
    public int errorClass(int code) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment result = arena.allocate(JAVA_INT);
            int rc = (int) calls.errorClass.invokeExact(code, result);
            return rc == 0 ? result.get(JAVA_INT, 0) : code;
        } catch (Throwable t) {
            return code;
        }
    }

    @Override
    public String toString() {
        return flavor().displayName() + " (" + flavor().handleModel() + ") at " + path;
    }

    MpiAbi abi() {
        return abi;
    }

    MpiDowncalls calls() {
        return calls;
    }

    /** Throws an {@link MpiException} for a non-zero return code. */
    void check(String function, int rc) {
        if (rc != 0) {
            throw new MpiException(function, rc, errorClass(rc), errorString(rc));
        }
    }

    private boolean flag(MethodHandle call, String function) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flag = arena.allocate(JAVA_INT);
            check(function, (int) call.invokeExact(flag));
            return flag.get(JAVA_INT, 0) != 0;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(function + " failed", t);
        }
    }

    /** A string MPI wrote with its length in {@code length} (not always NUL-terminated, per the standard). */
    static String string(MemorySegment text, MemorySegment length) {
        int n = Math.clamp(length.get(JAVA_INT, 0), 0, (int) text.byteSize());
        byte[] bytes = text.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8).strip();
    }

    /**
     * {@code dlopen(path, RTLD_NOW | RTLD_GLOBAL)} through the C library, before
     * {@link SymbolLookup#libraryLookup} opens it again ({@code RTLD_LOCAL}, which does not demote it).
     */
    private static void dlopenGlobal(Path path) {
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> dlopen = linker.defaultLookup().find("dlopen");
        if (dlopen.isEmpty()) {
            return; // Not glibc: libraryLookup's RTLD_LOCAL is enough for Debian's Open MPI and MPICH.
        }
        MethodHandle open = linker.downcallHandle(dlopen.get(), FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) open.invokeExact(arena.allocateFrom(path.toString()),
                    RTLD_NOW | RTLD_GLOBAL);
            if (handle.equals(MemorySegment.NULL)) {
                throw new IllegalStateException("cannot load MPI library " + path + ": " + dlerror(linker));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot load MPI library " + path, t);
        }
    }

    private static String dlerror(Linker linker) {
        try {
            MethodHandle dlerror = linker.downcallHandle(linker.defaultLookup().findOrThrow("dlerror"),
                    FunctionDescriptor.of(ADDRESS));
            MemorySegment message = (MemorySegment) dlerror.invokeExact();
            return message.equals(MemorySegment.NULL) ? "dlopen failed"
                    : message.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            return "dlopen failed";
        }
    }
}
