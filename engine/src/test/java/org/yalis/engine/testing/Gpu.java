package org.yalis.engine.testing;

import org.junit.jupiter.api.Assumptions;

import org.yalis.bindings.cuda.CudaAvailability;
import org.yalis.bindings.cuda.GpuProbe;
import org.yalis.engine.cuda.CudaBackend;

/**
 * The skipping rule of the {@code @Tag("gpu")} tests: without a usable GPU they are skipped, visibly
 * ({@code SKIPPED (no GPU): reason} on stderr as well as to JUnit), so a green run on a machine
 * without a GPU cannot pass for a GPU run.
 */
public final class Gpu {
    private static CudaAvailability availability;

    private Gpu() {
    }

    /** The probe's answer; the test is skipped with its reason when there is no usable GPU. */
    public static synchronized CudaAvailability require() {
        if (availability == null) {
            availability = GpuProbe.probe();
        }
        if (!availability.usable()) {
            System.err.println("SKIPPED (no GPU): " + availability.reason());
            Assumptions.abort("no GPU: " + availability.reason());
        }
        return availability;
    }

    /** A CUDA backend on GPU 0, or a skipped test. */
    public static CudaBackend backend() {
        require();
        return CudaBackend.open(0);
    }
}
