package org.yalis.engine.comm;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a process sits in a multi-process launch, read from the launcher's environment before any
 * communication library starts: Open MPI's {@code mpirun}, MPICH/PMI launchers, Slurm's
 * {@code srun}, or the {@code RANK}/{@code WORLD_SIZE}/{@code LOCAL_RANK} convention of
 * torchrun. The local rank picks the GPU on a multi-GPU node.
 */
public record LaunchEnvironment(String launcher, int rank, int size, int localRank, int localSize) {

    private record Variables(String launcher, String rank, String size, String localRank, String localSize) {
    }

    private static final List<Variables> KNOWN = List.of(
            new Variables("Open MPI", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
                    "OMPI_COMM_WORLD_LOCAL_SIZE"),
            new Variables("PMI", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"),
            new Variables("Slurm", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE"),
            new Variables("torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"));

    /**
     * Compute threads for one process: the cores divided among the processes of this node, so that
     * ranks sharing a machine do not oversubscribe it.
     */
    public static int threadsPerProcess(int cores) {
        int processes = detect().map(LaunchEnvironment::localSize).orElse(1);
        return Math.max(1, cores / Math.max(1, processes));
    }

    public static Optional<LaunchEnvironment> detect() {
        return detect(System.getenv());
    }

    /** The first launcher whose rank and size variables are both set and numeric. */
    public static Optional<LaunchEnvironment> detect(Map<String, String> environment) {
        for (Variables variables : KNOWN) {
            Integer rank = number(environment.get(variables.rank()));
            Integer size = number(environment.get(variables.size()));
            if (rank != null && size != null && size > 0 && rank >= 0 && rank < size) {
                Integer local = number(environment.get(variables.localRank()));
                Integer localSize = number(environment.get(variables.localSize()));
                return Optional.of(new LaunchEnvironment(variables.launcher(), rank, size, local == null ? 0 : local,
                        localSize == null || localSize < 1 ? 1 : localSize));
            }
        }
        return Optional.empty();
    }

    private static Integer number(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
