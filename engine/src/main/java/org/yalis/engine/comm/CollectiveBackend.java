package org.yalis.engine.comm;

import java.util.List;

/**
 * The collective-backend SPI: a named way for ranks to all-reduce, gather and broadcast, registered in
 * {@code META-INF/services/org.yalis.engine.comm.CollectiveBackend} and chosen with {@code --collective NAME}
 * (or per phase). A jar of one's own on the class path adds one; nothing in the engine names it.
 */
public interface CollectiveBackend {
    /**
     * What building a process-based backend's communicator may use.
     *
     * @param deviceBuffers whether tensors live in GPU memory
     * @param gpu           the GPU this process's device collectives use, or -1 with host buffers
     * @param commProfile   a {@code yalis comm-bench --json} file of this machine ({@code --comm-profile}), if given
     */
    record Setup(boolean deviceBuffers, int gpu, java.util.Optional<java.nio.file.Path> commProfile) {
    }

    /** How its ranks run: as threads of one process, or as the processes of an MPI job (mpirun, srun). */
    enum Ranks {
        THREADS, PROCESSES
    }

    /** The name {@code --collective} takes. */
    String name();

    /** One line for {@code yalis info}. */
    String description();

    Ranks ranks();

    /** Whether it moves tensors in host memory ({@code --device cpu}). */
    boolean movesHostBuffers();

    /** Whether it moves tensors in device memory ({@code --device cuda}). */
    boolean movesDeviceBuffers();

    /** Whether its device collectives queue on the compute stream, so that a CUDA graph can capture them. */
    default boolean queuesOnDeviceStream() {
        return false;
    }

    /** Whether it chooses by measurements and so needs {@code --comm-profile} ({@link Setup#commProfile}). */
    default boolean needsCommProfile() {
        return false;
    }

    /** Whether every rank needs a GPU of its own (NCCL's rule). */
    default boolean exclusiveGpu() {
        return false;
    }

    /** {@link Ranks#THREADS}: the world communicators of {@code size} ranks that are threads of this process. */
    default List<Communicator> threadRanks(int size) {
        throw new UnsupportedOperationException("the " + name() + " collective runs ranks as processes");
    }

    /**
     * {@link Ranks#PROCESSES}: the checks that need neither MPI nor the GPU's memory, so that a command line
     * that cannot work fails with one line before any process waits for another.
     */
    default void checkLaunch(boolean deviceBuffers) {
    }

    /**
     * {@link Ranks#PROCESSES}: this process's communicator, built over the MPI job's world (which bootstraps
     * every process-based backend). Collective over {@code world}.
     */
    default Communicator overMpi(MpiCommunicator world, Setup setup) {
        throw new UnsupportedOperationException("the " + name() + " collective runs ranks as threads");
    }
}
