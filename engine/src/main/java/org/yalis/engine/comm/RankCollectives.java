package org.yalis.engine.comm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.yalis.bindings.cuda.CudaRuntime;
import org.yalis.engine.YalisException;
import org.yalis.engine.model.Phase;

/**
 * The world communicator of one process of an MPI job, for the collective backend of each phase:
 * {@code mpi} (host tensors as they are; device tensors staged through pinned host memory, or handed
 * to a CUDA-aware MPI), {@code nccl} (device tensors), or one of each, switched by the phase
 * ({@link PhasedCommunicator}). Both are built over the same {@code MPI_COMM_WORLD}.
 */
public final class RankCollectives {
    private RankCollectives() {
    }

    /**
     * The checks that need neither MPI nor the GPU's memory, so that a command line that cannot work
     * fails with one clear line before any process waits for another: nccl under a launcher it
     * cannot bootstrap from, device buffers without a GPU.
     */
    public static void checkLaunch(Set<String> backends, boolean deviceBuffers) {
        if (backends.contains("nccl")) {
            NcclBootstrap.requireMpiLaunch(LaunchEnvironment.detect());
            LocalGpu.visibleGpus("the nccl collective");
        } else if (deviceBuffers) {
            LocalGpu.visibleGpus("the mpi collective on device buffers");
        }
    }

    /**
     * Builds this rank's world. Collective over {@code mpiWorld}.
     *
     * @param deviceBuffers whether tensors live in GPU memory ({@code --device cuda})
     * @param phase         the phase of the current step, read when prefill and decode differ
     */
    public static Communicator world(MpiCommunicator mpiWorld, String prefill, String decode, boolean deviceBuffers,
                                     Supplier<Phase> phase) {
        Set<String> names = new java.util.LinkedHashSet<>(List.of(prefill, decode));
        int gpu = deviceBuffers ? gpuFor(names) : -1;
        Map<String, Communicator> built = new LinkedHashMap<>();
        try {
            for (String name : names) {
                built.put(name, create(name, mpiWorld, deviceBuffers, gpu));
            }
        } catch (RuntimeException e) {
            new ArrayList<>(built.values()).reversed().forEach(Communicator::close);
            throw e;
        }
        return names.size() == 1 ? built.get(prefill)
                : new PhasedCommunicator(built.get(prefill), built.get(decode), phase);
    }

    /**
     * The GPU this process's device collectives use: the local rank's ({@link LocalGpu}), one per rank
     * when nccl is among {@code names}.
     */
    public static int gpuFor(Set<String> names) {
        Optional<LaunchEnvironment> launch = LaunchEnvironment.detect();
        if (names.contains("nccl")) {
            return LocalGpu.exclusiveOrdinal(launch, LocalGpu.visibleGpus("the nccl collective"), "the nccl collective");
        }
        return LocalGpu.ordinal(launch, LocalGpu.visibleGpus("the mpi collective on device buffers"));
    }

    private static Communicator create(String name, MpiCommunicator mpiWorld, boolean deviceBuffers, int gpu) {
        return switch (name) {
            case "mpi" -> deviceBuffers
                    ? new HostStagedCommunicator(mpiWorld, new CudaDeviceCopier(CudaRuntime.shared(), gpu),
                    CudaAwareMpi.detect())
                    : mpiWorld;
            case "nccl" -> {
                if (!deviceBuffers) {
                    throw new YalisException("the nccl collective moves device buffers; use --device cuda");
                }
                try {
                    yield NcclCommunicator.create(mpiWorld, gpu);
                } catch (YalisException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw new YalisException("the nccl collective could not start on GPU " + gpu + ": " + e.getMessage(),
                            e);
                }
            }
            default -> throw new YalisException("unknown collective backend '" + name + "'");
        };
    }
}
