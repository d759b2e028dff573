package org.yalis.engine.testing;

import org.junit.jupiter.api.Assumptions;

import org.yalis.bindings.NativeLibraryLoadException;
import org.yalis.bindings.NativeLibraryNotFoundException;
import org.yalis.bindings.cuda.CudaAvailability;
import org.yalis.bindings.cuda.GpuProbe;
import org.yalis.bindings.cuda.Nccl;

/**
 * Skipping rules of the engine's and tools' {@code @Tag("gpu")} tests: without the GPUs (or the
 * library) a test needs, it is skipped visibly, the reason printed to stderr as well as given to
 * JUnit, so a green run without a GPU cannot pass for a GPU run.
 */
public final class Gpus {
    private static CudaAvailability availability;

    private Gpus() {
    }

    private static synchronized CudaAvailability probe() {
        if (availability == null) {
            availability = GpuProbe.probe();
        }
        return availability;
    }

    /** This machine's GPUs, or the test is skipped: no GPU at all, or fewer than {@code count}. */
    public static CudaAvailability require(int count) {
        CudaAvailability found = probe();
        if (!found.usable()) {
            skip("SKIPPED (no GPU): " + found.reason());
        }
        if (found.gpus().size() < count) {
            skip("SKIPPED (needs " + count + " GPUs): this machine has " + found.gpus().size());
        }
        return found;
    }

    /** Whether this machine has no usable GPU (tests of the no-GPU errors). */
    public static boolean none() {
        return !probe().usable();
    }

    /** NCCL, or the test is skipped saying where it was looked for. */
    public static Nccl requireNccl() {
        try {
            return Nccl.shared();
        } catch (NativeLibraryNotFoundException | NativeLibraryLoadException e) {
            skip("SKIPPED (no NCCL): " + e.getMessage());
            throw new AssertionError("unreachable");
        }
    }

    private static void skip(String reason) {
        System.err.println(reason);
        Assumptions.abort(reason);
    }
}
