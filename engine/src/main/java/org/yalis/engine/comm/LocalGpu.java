package org.yalis.engine.comm;

import java.util.Optional;

import org.yalis.bindings.cuda.CudaException;
import org.yalis.bindings.cuda.CudaRuntime;
import org.yalis.bindings.cuda.GpuProbe;
import org.yalis.engine.YalisException;

/**
 * Which GPU this process uses: the launcher's local rank (its index among the processes of this
 * node) modulo the GPUs CUDA shows it ({@code CUDA_VISIBLE_DEVICES} applies). The compute backend
 * and the device collectives must pick the same one; both call {@link #ordinal}.
 */
public final class LocalGpu {
    private LocalGpu() {
    }

    /** The local rank's GPU; several processes of a node may share one GPU when there are fewer GPUs. */
    public static int ordinal(Optional<LaunchEnvironment> launch, int visibleGpus) {
        if (visibleGpus < 1) {
            throw new IllegalArgumentException("no visible GPU");
        }
        return launch.map(LaunchEnvironment::localRank).orElse(0) % visibleGpus;
    }

    /**
     * The local rank's GPU for a user that needs one GPU per process (NCCL refuses two ranks of a
     * communicator on one GPU): more processes on this node than GPUs is an error that says so.
     */
    public static int exclusiveOrdinal(Optional<LaunchEnvironment> launch, int visibleGpus, String user) {
        int processes = launch.map(LaunchEnvironment::localSize).orElse(1);
        if (processes > visibleGpus) {
            throw new YalisException(user + " needs one GPU per rank, but " + processes + " ranks share this node's "
                    + visibleGpus + " GPU" + (visibleGpus == 1 ? "" : "s") + "; start at most " + visibleGpus
                    + " rank" + (visibleGpus == 1 ? "" : "s") + " per node");
        }
        return ordinal(launch, visibleGpus);
    }

    /**
     * How many GPUs CUDA shows this process, or an error naming {@code user} and why there is no GPU
     * (no runtime, no driver, no device). Creates no CUDA context.
     */
    public static int visibleGpus(String user) {
        try {
            int count = CudaRuntime.shared().getDeviceCount();
            if (count > 0) {
                return count;
            }
        } catch (CudaException | org.yalis.bindings.NativeLibraryNotFoundException
                 | org.yalis.bindings.NativeLibraryLoadException e) {
            // The probe below words the reason for people.
        }
        throw new YalisException(user + " needs a GPU: " + GpuProbe.probe().reason());
    }
}
