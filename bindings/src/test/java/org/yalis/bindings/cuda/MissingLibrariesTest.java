package org.yalis.bindings.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.bindings.KnownLibrary;
import org.yalis.bindings.NativeLibraryLoadException;
import org.yalis.bindings.NativeLibraryLocator;
import org.yalis.bindings.NativeLibraryNotFoundException;

/** A library that is absent (or broken) fails the binding that needs it, with a message that helps. */
class MissingLibrariesTest {

    private static void assertNotFound(Function<NativeLibraryLocator, ?> loader, KnownLibrary library, Path folder) {
        NativeLibraryNotFoundException failure = assertThrows(NativeLibraryNotFoundException.class,
                () -> loader.apply(NativeLibraryLocator.inFolders(List.of(folder))));
        String message = failure.getMessage();
        assertTrue(message.startsWith(library.description() + " library ("), message);
        for (String fileName : library.fileNames()) {
            assertTrue(message.contains(fileName), message);
        }
        assertTrue(message.contains("looked in: " + folder), message);
        assertTrue(message.contains("YALIS_NATIVE_PATH"), message);
    }

    @Test
    void eachBindingNamesItsLibraryAndWhereItLookedWhenAbsent(@TempDir Path empty) {
        assertNotFound(CudaRuntime::load, KnownLibrary.CUDA_RUNTIME, empty);
        assertNotFound(CudaDriver::load, KnownLibrary.CUDA_DRIVER, empty);
        assertNotFound(Cublas::load, KnownLibrary.CUBLAS, empty);
        assertNotFound(Nccl::load, KnownLibrary.NCCL, empty);
    }

    /** This machine has no NVIDIA driver: the driver binding fails cleanly (skipped where one is installed). */
    @Test
    void theDriverApiIsNotFoundOnAMachineWithoutTheDriver() {
        NativeLibraryLocator environment = NativeLibraryLocator.fromEnvironment();
        if (environment.locate(KnownLibrary.CUDA_DRIVER).found()) {
            CProbe.skip("libcuda is installed here: " + environment.locate(KnownLibrary.CUDA_DRIVER).path().orElseThrow());
        }
        NativeLibraryNotFoundException failure = assertThrows(NativeLibraryNotFoundException.class,
                () -> CudaDriver.load(environment));
        assertTrue(failure.getMessage().contains("libcuda.so.1"), failure.getMessage());
        assertTrue(failure.getMessage().contains("/usr/local/cuda"), failure.getMessage());
    }

    /** Builds a stand-in shared library {@code folder/soname} with gcc (skipped without gcc). */
    private static Path sharedLibrary(Path folder, String soname, String source, String... linkArguments)
            throws Exception {
        Path gcc = CProbe.requireGcc();
        Files.createDirectories(folder);
        Path c = Files.writeString(folder.resolve(soname + ".c"), source);
        Path library = folder.resolve(soname);
        java.util.List<String> command = new java.util.ArrayList<>(List.of(gcc.toString(), "-shared", "-fPIC",
                "-Wl,-soname," + soname, "-o", library.toString(), c.toString()));
        command.addAll(List.of(linkArguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), output);
        return library;
    }

    /**
     * cuBLAS whose dependency is neither beside it nor on the loader's path (a half-installed
     * wheel): the loader's own reason, naming the dependency, reaches the user. The dependency has
     * a made-up soname: the loader reuses any loaded library of the same soname, so a real
     * libcublasLt loaded by another test would hide the failure.
     */
    @Test
    void aMissingDependencyIsALoadErrorThatNamesTheDependency(@TempDir Path work) throws Exception {
        Path dependencyFolder = work.resolve("elsewhere");
        Path cublasFolder = work.resolve("cublas");
        sharedLibrary(dependencyFolder, "libyalisAbsentDependency.so.1", "int dependencyStandIn(void) { return 0; }\n");
        Path cublas = sharedLibrary(cublasFolder, "libcublas.so.13",
                "int dependencyStandIn(void);\nint cublasStandIn(void) { return dependencyStandIn(); }\n",
                "-L" + dependencyFolder, "-l:libyalisAbsentDependency.so.1");
        NativeLibraryLoadException failure = assertThrows(NativeLibraryLoadException.class,
                () -> Cublas.load(NativeLibraryLocator.inFolders(List.of(cublasFolder))));
        assertEquals(cublas, failure.path());
        assertTrue(failure.getMessage().startsWith("cuBLAS library at " + cublas + " cannot be used: "),
                failure.getMessage());
        assertTrue(failure.getMessage().contains("libyalisAbsentDependency.so.1: cannot open shared object file"),
                failure.getMessage());
    }

    /**
     * With libcublasLt beside libcublas (the wheel layout) the binding loads it first, so the
     * loader resolves cuBLAS's dependency although that folder is on no search path: loading
     * then gets as far as the bound symbols, which these stand-ins lack.
     */
    @Test
    void libcublasLtBesideCublasIsLoadedFirstSoTheDependencyResolves(@TempDir Path work) throws Exception {
        Path folder = work.resolve("nvidia/cu13/lib");
        Path lt = sharedLibrary(folder, "libcublasLt.so.13", "int cublasLtStandIn(void) { return 0; }\n");
        sharedLibrary(folder, "libcublas.so.13",
                "int cublasLtStandIn(void);\nint cublasStandIn(void) { return cublasLtStandIn(); }\n",
                "-L" + folder, "-l:libcublasLt.so.13");
        NativeLibraryLoadException failure = assertThrows(NativeLibraryLoadException.class,
                () -> Cublas.load(NativeLibraryLocator.inFolders(List.of(folder))));
        assertTrue(failure.getMessage().contains("does not export cublasCreate_v2"), failure.getMessage());
        assertTrue(Files.isRegularFile(lt));
    }

    /** A real library that lacks a bound symbol (libcudart standing in for NCCL) names the missing symbol. */
    @Test
    void aLibraryWithoutTheBoundSymbolsNamesTheFirstMissingOne(@TempDir Path folder) throws Exception {
        Path link = Files.createSymbolicLink(folder.resolve("libnccl.so.2"), CudaRuntime.shared().libraryPath());
        try {
            NativeLibraryLoadException failure = assertThrows(NativeLibraryLoadException.class,
                    () -> Nccl.load(NativeLibraryLocator.inFolders(List.of(folder))));
            assertTrue(failure.getMessage().contains("does not export ncclGetVersion"), failure.getMessage());
        } finally {
            Files.delete(link); // ourselves: JUnit warns when it has to remove a link that leaves its folder
        }
    }
}
