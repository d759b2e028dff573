package org.yalis.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A native library opened from the absolute path a {@link NativeLibraryLocator} found, and the
 * downcall handles made from its symbols.
 *
 * <p>Libraries are opened in the global arena and never closed: CUDA, cuBLAS and NCCL keep
 * process-wide state (contexts, handles, communicators) that must outlive any one caller, and
 * unloading them under live handles would crash the process.
 */
public final class LoadedLibrary {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final int RTLD_NOW = 0x2;

    private final KnownLibrary library;
    private final Path path;
    private final SymbolLookup symbols;

    private LoadedLibrary(KnownLibrary library, Path path, SymbolLookup symbols) {
        this.library = library;
        this.path = path;
        this.symbols = symbols;
    }

    /**
     * Opens the library {@code location} found.
     *
     * @throws NativeLibraryNotFoundException when the locator did not find it
     * @throws NativeLibraryLoadException when the loader refuses the file
     */
    public static LoadedLibrary open(LibraryLocation location) {
        Path path = location.require();
        try {
            return new LoadedLibrary(location.library(), path, SymbolLookup.libraryLookup(path, Arena.global()));
        } catch (IllegalArgumentException e) {
            throw new NativeLibraryLoadException(location.library(), path, loaderError(path).orElse(e.getMessage()));
        }
    }

    public KnownLibrary library() {
        return library;
    }

    public Path path() {
        return path;
    }

    /**
     * A downcall handle for {@code symbol}, which must be the exported name (for example
     * {@code cublasCreate_v2}, not the header's macro name {@code cublasCreate}).
     *
     * @throws NativeLibraryLoadException when the library does not export it (too old a version)
     */
    public MethodHandle downcall(String symbol, FunctionDescriptor descriptor) {
        MemorySegment address = symbols.find(symbol).orElseThrow(() -> new NativeLibraryLoadException(library, path,
                "it does not export " + symbol + " (a version older than Yalis-J supports?)"));
        return LINKER.downcallHandle(address, descriptor);
    }

    /**
     * What the dynamic loader says about {@code path}: {@link SymbolLookup#libraryLookup} only
     * reports "Cannot open library", while {@code dlerror} names the real cause (typically a
     * dependency such as libcublasLt that is not on the loader's path).
     */
    private static Optional<String> loaderError(Path path) {
        SymbolLookup libc = LINKER.defaultLookup();
        Optional<MemorySegment> dlopen = libc.find("dlopen");
        Optional<MemorySegment> dlerror = libc.find("dlerror");
        Optional<MemorySegment> dlclose = libc.find("dlclose");
        if (dlopen.isEmpty() || dlerror.isEmpty() || dlclose.isEmpty()) {
            return Optional.empty();
        }
        try (Arena arena = Arena.ofConfined()) {
            MethodHandle open = LINKER.downcallHandle(dlopen.get(), FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
            MethodHandle error = LINKER.downcallHandle(dlerror.get(), FunctionDescriptor.of(ADDRESS));
            MethodHandle close = LINKER.downcallHandle(dlclose.get(), FunctionDescriptor.of(JAVA_INT, ADDRESS));
            MemorySegment handle = (MemorySegment) open.invokeExact(arena.allocateFrom(path.toString()), RTLD_NOW);
            if (handle.address() != 0) {
                // It loads now (the first failure was transient): report nothing specific.
                int ignored = (int) close.invokeExact(handle);
                return Optional.empty();
            }
            MemorySegment text = (MemorySegment) error.invokeExact();
            return Optional.ofNullable(NativeStrings.read(text));
        } catch (Throwable t) {
            return Optional.empty();
        }
    }
}
