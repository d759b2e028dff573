package org.yalis.engine.comm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.yalis.engine.model.Phase;

/**
 * The world communicator of one process of an MPI job, for the collective backend of each phase (each a
 * {@link CollectiveBackend} of the registry that runs its ranks as processes), or one of each, switched by
 * the phase ({@link PhasedCommunicator}). All are built over the same {@code MPI_COMM_WORLD}.
 */
public final class RankCollectives {
    private RankCollectives() {
    }

    /**
     * The checks that need neither MPI nor the GPU's memory, so that a command line that cannot work
     * fails with one clear line before any process waits for another: a backend under a launcher it
     * cannot bootstrap from, device buffers without a GPU.
     */
    public static void checkLaunch(Set<String> backends, boolean deviceBuffers) {
        for (String name : backends) {
            CollectiveBackends.named(name).checkLaunch(deviceBuffers);
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
        return world(mpiWorld, prefill, decode, deviceBuffers, Optional.empty(), phase);
    }

    /** {@link #world}, with the comm-bench profile a backend that chooses by measurement reads. */
    public static Communicator world(MpiCommunicator mpiWorld, String prefill, String decode, boolean deviceBuffers,
                                     Optional<java.nio.file.Path> commProfile, Supplier<Phase> phase) {
        Set<String> names = new java.util.LinkedHashSet<>(List.of(prefill, decode));
        int gpu = deviceBuffers ? gpuFor(names) : -1;
        Map<String, Communicator> built = new LinkedHashMap<>();
        try {
            for (String name : names) {
                built.put(name, CollectiveBackends.named(name).overMpi(mpiWorld,
                        new CollectiveBackend.Setup(deviceBuffers, gpu, commProfile)));
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
     * when a backend among {@code names} needs a GPU of its own.
     */
    public static int gpuFor(Set<String> names) {
        Optional<LaunchEnvironment> launch = LaunchEnvironment.detect();
        Optional<String> exclusive = names.stream().filter(name -> CollectiveBackends.named(name).exclusiveGpu())
                .findFirst();
        if (exclusive.isPresent()) {
            String what = "the " + exclusive.get() + " collective";
            return LocalGpu.exclusiveOrdinal(launch, LocalGpu.visibleGpus(what), what);
        }
        return LocalGpu.ordinal(launch, LocalGpu.visibleGpus("the " + String.join("/", names)
                + " collective on device buffers"));
    }
}
