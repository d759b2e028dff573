package org.yalis.bindings.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.bindings.NativeLibraryLocator;

class GpuProbeTest {

    @Test
    void withoutTheRuntimeLibraryTheProbeSaysSoInsteadOfThrowing(@TempDir Path empty) {
        CudaAvailability cuda = GpuProbe.probe(NativeLibraryLocator.inFolders(List.of(empty)));
        assertFalse(cuda.usable());
        assertEquals(Optional.empty(), cuda.runtimeLibrary());
        assertEquals(0, cuda.runtimeVersion());
        assertTrue(cuda.reason().startsWith("no CUDA runtime (libcudart.so.13 or libcudart.so.12 not found;"),
                cuda.reason());
        assertTrue(cuda.reason().contains("YALIS_NATIVE_PATH"), cuda.reason());
    }

    @Test
    void versionsAreFormattedAsPeopleWriteThem() {
        assertEquals("13.0", CudaAvailability.formatVersion(13000));
        assertEquals("12.2", CudaAvailability.formatVersion(12020));
        assertEquals("12.8", CudaAvailability.formatVersion(12080));
        assertEquals("none", CudaAvailability.formatVersion(0));
    }

    @Test
    void anAvailabilityIsEitherUsableWithGpusOrUnusableWithAReason() {
        CudaAvailability.Gpu gpu = new CudaAvailability.Gpu(0, 9, 0, 132, 80L << 30, 79L << 30);
        assertThrows(IllegalArgumentException.class,
                () -> new CudaAvailability(Optional.empty(), 13000, 13000, true, "", List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new CudaAvailability(Optional.empty(), 13000, 13000, true, "why", List.of(gpu)));
        assertThrows(IllegalArgumentException.class,
                () -> new CudaAvailability(Optional.empty(), 13000, 13000, false, "why", List.of(gpu)));
        assertTrue(new CudaAvailability(Optional.empty(), 13000, 13000, true, "", List.of(gpu)).usable());
    }
}
