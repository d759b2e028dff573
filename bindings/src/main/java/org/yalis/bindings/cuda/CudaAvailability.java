package org.yalis.bindings.cuda;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link GpuProbe} found: the CUDA runtime, the driver, the GPUs, or why CUDA cannot be used.
 *
 * @param runtimeLibrary the libcudart that was loaded, empty when none was found or it failed to load
 * @param runtimeVersion {@code cudaRuntimeGetVersion} (13000 for 13.0), 0 when unknown
 * @param driverVersion  {@code cudaDriverGetVersion}, 0 when there is no driver
 * @param usable         whether at least one GPU can run work
 * @param reason         why not, phrased for a user (empty when usable)
 * @param gpus           the GPUs, each with its properties (empty when not usable)
 */
public record CudaAvailability(Optional<Path> runtimeLibrary, int runtimeVersion, int driverVersion, boolean usable,
        String reason, List<Gpu> gpus) {

    public CudaAvailability {
        Objects.requireNonNull(runtimeLibrary, "runtimeLibrary");
        Objects.requireNonNull(reason, "reason");
        gpus = List.copyOf(gpus);
        if (usable != reason.isEmpty() || usable == gpus.isEmpty()) {
            throw new IllegalArgumentException("a usable probe has GPUs and no reason; an unusable one a reason and no GPUs");
        }
    }

    static CudaAvailability unusable(Optional<Path> runtimeLibrary, int runtimeVersion, int driverVersion,
            String reason) {
        return new CudaAvailability(runtimeLibrary, runtimeVersion, driverVersion, false, reason, List.of());
    }

    /**
     * One GPU, from {@code cudaDeviceGetAttribute} and {@code cudaMemGetInfo} (its name would need
     * the {@code cudaDeviceProp} struct, which Yalis-J does not read).
     */
    public record Gpu(int ordinal, int computeCapabilityMajor, int computeCapabilityMinor, int multiprocessors,
            long totalBytes, long freeBytes) {
    }

    /** A CUDA version number as people write it: 13000 is "13.0", 12020 is "12.2", 0 is "none". */
    public static String formatVersion(int version) {
        if (version <= 0) {
            return "none";
        }
        return version / 1000 + "." + version % 1000 / 10;
    }
}
