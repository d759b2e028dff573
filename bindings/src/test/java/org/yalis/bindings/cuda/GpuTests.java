package org.yalis.bindings.cuda;

import java.util.function.Supplier;

import org.junit.jupiter.api.Assumptions;

import org.yalis.bindings.NativeLibraryLoadException;
import org.yalis.bindings.NativeLibraryNotFoundException;

/**
 * Skipping rules of the {@code @Tag("gpu")} tests: without a usable GPU (or without the library
 * a test needs) they are skipped, visibly: the reason goes to stderr as well as to JUnit, so a
 * "green" run on a machine without a GPU cannot be mistaken for a GPU run.
 */
final class GpuTests {
    private static CudaAvailability availability;

    private GpuTests() {
    }

    /** The probe's GPUs, or the test is skipped with the probe's reason. */
    static synchronized CudaAvailability requireGpu() {
        if (availability == null) {
            availability = GpuProbe.probe();
        }
        if (!availability.usable()) {
            System.err.println("SKIPPED (no GPU): " + availability.reason());
            Assumptions.abort("no GPU: " + availability.reason());
        }
        return availability;
    }

    /** Whether this machine has no usable GPU (for tests of the no-GPU behaviour). */
    static synchronized boolean noGpu() {
        if (availability == null) {
            availability = GpuProbe.probe();
        }
        return !availability.usable();
    }

    /** The loaded library, or the test is skipped saying which library is missing and where it was looked for. */
    static <T> T requireLibrary(Supplier<T> loader, String what) {
        try {
            return loader.get();
        } catch (NativeLibraryNotFoundException | NativeLibraryLoadException e) {
            System.err.println("SKIPPED (no " + what + "): " + e.getMessage());
            Assumptions.abort("no " + what + ": " + e.getMessage());
            throw new AssertionError("unreachable");
        }
    }
}
