package org.yalis.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The jar's fatbin: present whenever nvcc is (found as build-kernels.sh finds it: $NVCC, PATH,
 * /usr/local/cuda/bin/nvcc), uncompressed, with SASS for sm_80 and sm_90 and PTX for compute_90, each
 * defining every kernel the manifest and KERNELS.md list. Skipped, saying why, without nvcc or with
 * -Dyalis.kernels.skip=true.
 */
class KernelFatbinTest {

    static Optional<Path> findNvcc() {
        String env = System.getenv("NVCC");
        if (env != null && !env.isEmpty() && Files.isExecutable(Path.of(env))) {
            return Optional.of(Path.of(env));
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nvcc"))) {
                return Optional.of(Path.of(dir, "nvcc"));
            }
        }
        Path fallback = Path.of(System.getenv().getOrDefault("YALIS_NVCC_FALLBACK", "/usr/local/cuda/bin/nvcc"));
        return Files.isExecutable(fallback) ? Optional.of(fallback) : Optional.empty();
    }

    private static void skip(String reason) {
        System.out.println("skipped: " + reason);
        Assumptions.abort(reason);
    }

    @Test
    void fatbinHasEveryKernelForEveryTarget() throws IOException {
        if (Boolean.getBoolean("yalis.kernels.skip")) {
            skip("-Dyalis.kernels.skip=true: the build did not run nvcc");
        }
        Optional<byte[]> fatbin = YalisKernels.fatbin();
        if (findNvcc().isEmpty()) {
            assertTrue(fatbin.isEmpty(), "no nvcc, yet the jar has a (stale) fatbin");
            skip("nvcc not found: CUDA kernels skipped (the jar has no fatbin)");
        }
        assertTrue(fatbin.isPresent(), "nvcc is at " + findNvcc().get() + " but the jar has no "
                + YalisKernels.FATBIN_RESOURCE);
        Set<String> manifest = new TreeSet<>(YalisKernels.manifest());
        assertEquals(KernelCatalogTest.documented(), manifest, "manifest vs KERNELS.md");
        assertEquals(new TreeSet<>(YalisKernels.ALL), manifest, "manifest vs YalisKernels.ALL");

        List<FatbinReader.Image> images = FatbinReader.read(fatbin.get());
        Set<String> targets = new TreeSet<>();
        for (FatbinReader.Image image : images) {
            assertFalse(image.compressed(), image.describe() + " is compressed (build with --no-compress)");
            assertEquals(manifest, image.kernels(), "kernels of " + image.describe());
            targets.add(image.describe());
        }
        assertEquals(Set.of("sm_80", "sm_90", "compute_90"), targets);
        System.out.printf("fatbin: %d bytes, %s, %d kernels each%n", fatbin.get().length, targets, manifest.size());
    }
}
