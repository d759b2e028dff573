package org.yalis.bindings.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * A JVM that never calls into CUDA must not load any CUDA library, even when it initializes the
 * binding classes: checked in a fresh JVM (this one has loaded libcudart in other tests) by
 * reading /proc/self/maps before and after the first real call.
 */
class LazyLoadingTest {

    /** Run in the child JVM: prints what /proc/self/maps shows at each step. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            // Initialize every binding class and the constant enums without calling into a library.
            for (String name : List.of("CudaRuntime", "CudaDriver", "Cublas", "Nccl", "GpuProbe", "CudaError",
                    "CudaDataType", "CublasComputeType", "NcclDataType", "KernelArguments")) {
                Class.forName("org.yalis.bindings.cuda." + name, true, Child.class.getClassLoader());
            }
            System.out.println("after class initialization: " + cudaLibrariesMapped());
            CudaRuntime.shared().runtimeGetVersion();
            System.out.println("after the first runtime call: " + cudaLibrariesMapped());
        }

        private static String cudaLibrariesMapped() throws Exception {
            return java.nio.file.Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(line -> line.contains("libcudart") || line.contains("libcuda.") || line.contains("libcublas")
                            || line.contains("libnccl"))
                    .map(line -> line.substring(line.lastIndexOf('/') + 1)).distinct().sorted().toList().toString();
        }
    }

    @Test
    void noCudaLibraryIsLoadedUntilTheFirstCall() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String classpath = String.join(File.pathSeparator,
                Path.of(CudaRuntime.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString(),
                Path.of(Child.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        Process process = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", classpath,
                Child.class.getName()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        assertEquals(0, process.exitValue(), output);
        List<String> lines = output.lines().toList();
        assertEquals("after class initialization: []", lines.get(0), output);
        // The loader maps the symlink's target (libcudart.so.13.0.96, say).
        String libraryName = CudaRuntime.shared().libraryPath().toRealPath().getFileName().toString();
        assertTrue(lines.get(1).startsWith("after the first runtime call: [")
                && lines.get(1).contains(libraryName), output);
    }
}
