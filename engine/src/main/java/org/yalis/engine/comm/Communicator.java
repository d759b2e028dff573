package org.yalis.engine.comm;

import java.lang.foreign.MemorySegment;

import org.yalis.engine.tensor.Tensor;

/**
 * One rank's handle on a group of ranks that exchange tensors: the collective SPI. Every member of
 * the group must make the same calls in the same order (a collective that only some ranks enter
 * never completes, which backends turn into an error, not a hang).
 *
 * <p>Tensors are in the memory of the rank's compute backend (host memory for the CPU backend,
 * device memory for a GPU backend); results are identical, bit for bit, on every rank.
 */
public interface Communicator extends AutoCloseable {

    /** This rank's index in the group, {@code 0 .. size-1}. */
    int rank();

    int size();

    /** The backend's name: "local", "mpi", "nccl". */
    String backend();

    /** {@code tensor = sum over ranks of tensor}, in place (f32 activations). */
    void allReduceSum(Tensor tensor);

    /**
     * Concatenates every rank's {@code local} in rank order into {@code gathered}, which holds
     * {@code size} times its bytes (rank-major; the caller arranges columns if it needs them).
     */
    void allGather(Tensor local, Tensor gathered);

    /** Makes every rank's {@code tensor} equal to the root's. */
    void broadcast(Tensor tensor, int root);

    /** {@link #broadcast(Tensor, int)} for raw host bytes (ids, hashes, a NCCL unique id). */
    void broadcastBytes(MemorySegment bytes, int root);

    /** Every rank's {@code value}, in rank order: for start-up agreement checks. */
    long[] allGatherLong(long value);

    void barrier();

    /**
     * Splits the group: ranks passing the same {@code color} form a new group, ordered by {@code key}
     * (then by rank). Collective: every rank must call it.
     */
    Communicator split(int color, int key);

    /**
     * Orders this group's device collectives on the compute backend's CUDA stream (and that of the
     * groups split from it afterwards); see {@link DeviceStream} for the contract. Backends that move
     * host memory have nothing to order and ignore it.
     */
    default void useDeviceStream(DeviceStream stream) {
    }

    /**
     * How this group picks among backends per message, when it does ({@code auto}: "up to 1.0 KiB mpi, above
     * 1.0 KiB hier"); empty for a group that is one backend.
     */
    default java.util.Optional<String> choices() {
        return java.util.Optional.empty();
    }

    /** Counts, bytes and time of the collectives this rank has made, for the metrics. */
    CommStats stats();

    /** Starts the counts over (between warm-up and measured runs). */
    default void resetStats() {
        stats().reset();
    }

    /**
     * Stops every rank of the group as fast as possible after a failure on this one: pending and
     * future collectives on the other ranks fail (in process) or the processes exit (MPI abort).
     */
    void abort(Throwable cause);

    @Override
    void close();
}
