package org.yalis.engine.comm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.yalis.bindings.mpi.Mpi;
import org.yalis.bindings.mpi.MpiDatatype;
import org.yalis.bindings.mpi.MpiOp;
import org.yalis.bindings.mpi.ThreadLevel;
import org.yalis.engine.YalisException;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * Ranks as MPI processes ({@code mpirun -np N bin/yalis ... --collective mpi}), through libmpi and
 * FFM. Host buffers are passed to MPI directly (GPU buffers will be staged through pinned host
 * memory, or passed as they are to a CUDA-aware MPI).
 *
 * <p>A failing rank calls {@code MPI_Abort}: the launcher then stops every process of the job within
 * seconds, instead of leaving them blocked in their next collective.
 */
public final class MpiCommunicator implements Communicator {
    private final Mpi mpi;
    private final org.yalis.bindings.mpi.Communicator comm;
    private final CommStats stats = new CommStats();

    private MpiCommunicator(Mpi mpi, org.yalis.bindings.mpi.Communicator comm) {
        this.mpi = mpi;
        this.comm = comm;
    }

    /** This process's handle on {@code MPI_COMM_WORLD}, initialising MPI on first use. */
    public static MpiCommunicator world() {
        Mpi mpi = Mpi.initialize(ThreadLevel.MULTIPLE);
        return new MpiCommunicator(mpi, mpi.world());
    }

    @Override
    public int rank() {
        return comm.rank();
    }

    @Override
    public int size() {
        return comm.size();
    }

    @Override
    public String backend() {
        return "mpi";
    }

    @Override
    public void allReduceSum(Tensor tensor) {
        if (tensor.dtype() != DType.F32) {
            throw new IllegalArgumentException("MPI all-reduce sums f32 tensors (MPI has no bf16 sum), got " + tensor);
        }
        long start = System.nanoTime();
        if (comm.size() > 1) {
            comm.allreduceInPlace(tensor.data().asSlice(0, tensor.byteSize()), tensor.elementCount(), MpiDatatype.FLOAT,
                    MpiOp.SUM);
        }
        stats.record(CommStats.Operation.ALL_REDUCE, tensor.byteSize(), System.nanoTime() - start);
    }

    @Override
    public void allGather(Tensor local, Tensor gathered) {
        long bytes = local.byteSize();
        if (gathered.byteSize() < bytes * comm.size()) {
            throw new IllegalArgumentException("all-gather of " + bytes + " bytes from " + comm.size()
                    + " ranks needs " + bytes * comm.size() + " bytes, got " + gathered);
        }
        long start = System.nanoTime();
        comm.allgather(local.data().asSlice(0, bytes), gathered.data().asSlice(0, bytes * comm.size()), bytes,
                MpiDatatype.BYTE);
        stats.record(CommStats.Operation.ALL_GATHER, bytes, System.nanoTime() - start);
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        long start = System.nanoTime();
        comm.bcast(tensor.data().asSlice(0, tensor.byteSize()), tensor.byteSize(), MpiDatatype.BYTE, root);
        stats.record(CommStats.Operation.BROADCAST, tensor.byteSize(), System.nanoTime() - start);
    }

    @Override
    public void broadcastBytes(MemorySegment bytes, int root) {
        comm.bcast(bytes, bytes.byteSize(), MpiDatatype.BYTE, root);
    }

    @Override
    public long[] allGatherLong(long value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment send = arena.allocate(ValueLayout.JAVA_LONG);
            send.set(ValueLayout.JAVA_LONG, 0, value);
            MemorySegment all = arena.allocate(ValueLayout.JAVA_LONG, comm.size());
            comm.allgather(send, all, 1, MpiDatatype.LONG);
            return all.toArray(ValueLayout.JAVA_LONG);
        }
    }

    @Override
    public void barrier() {
        long start = System.nanoTime();
        comm.barrier();
        stats.record(CommStats.Operation.BARRIER, 0, System.nanoTime() - start);
    }

    @Override
    public Communicator split(int color, int key) {
        return new MpiCommunicator(mpi, comm.split(color, key));
    }

    @Override
    public CommStats stats() {
        return stats;
    }

    /** The underlying MPI communicator, for algorithms built from its collectives ({@link HierarchicalCommunicator}). */
    org.yalis.bindings.mpi.Communicator mpiComm() {
        return comm;
    }

    /**
     * Prints the cause as this rank's one-line error and aborts the whole job: there is no way to
     * unblock the other ranks' collectives short of it. Never returns.
     */
    @Override
    public void abort(Throwable cause) {
        String message = cause instanceof YalisException ? cause.getMessage() : cause.toString();
        System.err.println("error: rank " + Mpi.current().map(m -> m.world().rank()).orElse(comm.rank()) + ": "
                + message.replaceAll("\\s+", " ") + " (aborting every rank)");
        comm.abort(1);
    }

    @Override
    public void close() {
        comm.close();
    }
}
