package org.yalis.bindings.mpi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * An MPI communicator ({@code MPI_Comm}) and its collectives.
 *
 * <h2>Threads</h2>
 * A communicator is used by <b>one thread at a time</b>: a call that finds it busy on another thread
 * throws {@link IllegalStateException} instead of interleaving two collectives (which MPI leaves
 * undefined: ranks could match different operations). It may be handed from thread to thread, if
 * MPI provides {@code SERIALIZED} or more. For concurrent collectives give each thread its own
 * {@link #dup()} (with {@code MULTIPLE}); every rank must dup and use them in matching order.
 *
 * <h2>Buffers</h2>
 * Buffers are off-heap {@link MemorySegment}s (heap segments are refused); counts are elements of
 * the given {@link MpiDatatype}. Blocking calls keep their segments' arenas alive for the call.
 * Counts above {@code Integer.MAX_VALUE} (MPI counts are C ints) are split into several calls by
 * all-reduce, broadcast and non-blocking all-reduce; all-gather refuses them.
 *
 * <h2>In place</h2>
 * {@link #allreduceInPlace} and {@link #allgatherInPlace} pass {@code MPI_IN_PLACE} with the value
 * of the loaded ABI ({@code (void*)1} Open MPI, {@code (void*)-1} MPICH); the non-in-place variants
 * refuse overlapping send and receive buffers.
 */
public final class Communicator implements AutoCloseable {
    /** {@code MPI_UNDEFINED} (−32766 in both ABIs): as a split color, joins no new communicator. */
    public static final int UNDEFINED = -32766;

    private final Mpi mpi;
    private final MpiLibrary library;
    private final MpiAbi abi;
    private final MpiDowncalls calls;
    private final String name;
    private final boolean predefined;
    private final AtomicReference<Thread> user = new AtomicReference<>();
    private final int rank;
    private final int size;
    private long handle;
    private boolean freed;

    Communicator(Mpi mpi, long handle, String name, boolean predefined) {
        this.mpi = mpi;
        this.library = mpi.library();
        this.abi = library.abi();
        this.calls = library.calls();
        this.handle = handle;
        this.name = name;
        this.predefined = predefined;
        try (CallGuard.Entry ignored = enter("MPI_Comm_rank"); Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            check("MPI_Comm_rank", (int) calls.commRank.invokeExact(handle, value));
            rank = value.get(JAVA_INT, 0);
            check("MPI_Comm_size", (int) calls.commSize.invokeExact(handle, value));
            size = value.get(JAVA_INT, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw failed("MPI_Comm_rank", t);
        }
    }

    /** This process's rank in the communicator ({@code MPI_Comm_rank}, read once at creation). */
    public int rank() {
        return rank;
    }

    /** The number of ranks ({@code MPI_Comm_size}, read once at creation). */
    public int size() {
        return size;
    }

    /** The raw handle: an address (Open MPI) or the unsigned int value (MPICH), e.g. for logs. */
    public long handle() {
        return handle;
    }

    /**
     * {@code MPI_Comm_split}: collective; ranks with the same {@code color} (≥ 0) form a new
     * communicator, ordered by {@code key} then by rank here. Free it with {@link #close()}.
     */
    public Communicator split(int color, int key) {
        if (color < 0) {
            throw new IllegalArgumentException("split color must be >= 0 (use splitExcluded() for MPI_UNDEFINED): "
                    + color);
        }
        long newHandle = splitHandle(color, key);
        return new Communicator(mpi, newHandle, name + ".split(" + color + "," + key + ")", false);
    }

    /** Takes part in a collective {@link #split} without joining any group (color {@code MPI_UNDEFINED}). */
    public void splitExcluded() {
        long newHandle = splitHandle(UNDEFINED, 0);
        if (newHandle != abi.commNull()) {
            throw new IllegalStateException("MPI_Comm_split with MPI_UNDEFINED returned a communicator");
        }
    }

    private long splitHandle(int color, int key) {
        try (CallGuard.Entry ignored = enter("MPI_Comm_split"); Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(abi.handleLayout());
            check("MPI_Comm_split", (int) calls.commSplit.invokeExact(handle, color, key, out));
            return abi.readHandle(out);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw failed("MPI_Comm_split", t);
        }
    }

    /** {@code MPI_Comm_dup}: collective; a communicator with the same group whose traffic never matches this one's. */
    public Communicator dup() {
        try (CallGuard.Entry ignored = enter("MPI_Comm_dup"); Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(abi.handleLayout());
            check("MPI_Comm_dup", (int) calls.commDup.invokeExact(handle, out));
            long newHandle = abi.readHandle(out);
            return new Communicator(mpi, newHandle, name + ".dup", false);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw failed("MPI_Comm_dup", t);
        }
    }

    /**
     * {@code MPI_Comm_free} (collective in practice: call it on every rank). For {@link Mpi#world()}
     * and {@link Mpi#self()} this is refused; {@link #close()} ignores them instead.
     */
    public void free() {
        if (predefined) {
            throw new IllegalStateException(name + " is predefined and cannot be freed");
        }
        try (CallGuard.Entry ignored = enter("MPI_Comm_free"); Arena arena = Arena.ofConfined()) {
            MemorySegment cell = arena.allocate(abi.handleLayout());
            abi.writeHandle(cell, handle);
            check("MPI_Comm_free", (int) calls.commFree.invokeExact(cell));
            handle = abi.readHandle(cell);
            freed = true;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw failed("MPI_Comm_free", t);
        }
    }

    /** Frees a communicator made by {@link #split} or {@link #dup} (idempotent; nothing after finalize). */
    @Override
    public void close() {
        if (!predefined && !freed && !mpi.finalized()) {
            free();
        }
    }

    /** Whether {@link #free()} ran. */
    public boolean isFreed() {
        return freed;
    }

    /** {@code MPI_Barrier}. */
    public void barrier() {
        try (CallGuard.Entry ignored = enter("MPI_Barrier")) {
            check("MPI_Barrier", (int) calls.barrier.invokeExact(handle));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw failed("MPI_Barrier", t);
        }
    }

    /**
     * {@code MPI_Allreduce}: {@code recv[i] = op over ranks of send[i]} for {@code count} elements.
     * {@code send} and {@code recv} must not overlap (see {@link #allreduceInPlace}).
     */
    public void allreduce(MemorySegment send, MemorySegment recv, long count, MpiDatatype type, MpiOp op) {
        long bytes = checkReduction("MPI_Allreduce", count, type);
        Buffers.check("MPI_Allreduce", "send", send, bytes, false);
        Buffers.check("MPI_Allreduce", "receive", recv, bytes, true);
        Buffers.checkDisjoint("MPI_Allreduce", send, bytes, recv, bytes, "allreduceInPlace");
        allreduceChunks(send, recv, count, type, op);
    }

    /** {@code MPI_Allreduce(MPI_IN_PLACE, buffer, ...)}: reduces {@code buffer} over the ranks into itself. */
    public void allreduceInPlace(MemorySegment buffer, long count, MpiDatatype type, MpiOp op) {
        long bytes = checkReduction("MPI_Allreduce", count, type);
        Buffers.check("MPI_Allreduce", "in-place", buffer, bytes, true);
        allreduceChunks(null, buffer, count, type, op);
    }

    private void allreduceChunks(MemorySegment send, MemorySegment recv, long count, MpiDatatype type, MpiOp op) {
        long datatype = abi.datatype(type);
        long opHandle = abi.op(op);
        try (CallGuard.Entry ignored = enter("MPI_Allreduce")) {
            long chunk = mpi.maxCount();
            long done = 0;
            do {
                int n = (int) Math.min(chunk, count - done);
                long offset = done * type.byteSize();
                MemorySegment recvPart = recv.asSlice(offset);
                MemorySegment sendPart = send == null ? abi.inPlace() : send.asSlice(offset);
                check("MPI_Allreduce", (int) calls.allreduce.invokeExact(sendPart, recvPart, n, datatype, opHandle,
                        handle));
                done += n;
            } while (done < count);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw failed("MPI_Allreduce", t);
        }
    }

    /**
     * {@code MPI_Reduce_scatter_block(MPI_IN_PLACE, buffer, countPerRank, ...)}: {@code buffer} holds
     * {@code size() * countPerRank} elements on every rank; they are reduced over the ranks, and rank
     * {@code r} receives block {@code r} of the result at the start of its {@code buffer} (the rest of
     * the buffer is left undefined).
     */
    public void reduceScatterBlockInPlace(MemorySegment buffer, long countPerRank, MpiDatatype type, MpiOp op) {
        long blockBytes = checkReduction("MPI_Reduce_scatter_block", countPerRank, type);
        if (countPerRank > mpi.maxCount()) {
            throw new IllegalArgumentException("MPI_Reduce_scatter_block: " + countPerRank + " elements per rank exceed "
                    + "MPI's int count");
        }
        Buffers.check("MPI_Reduce_scatter_block", "in-place", buffer, Math.multiplyExact(blockBytes, (long) size), true);
        long datatype = abi.datatype(type);
        long opHandle = abi.op(op);
        try (CallGuard.Entry ignored = enter("MPI_Reduce_scatter_block")) {
            check("MPI_Reduce_scatter_block", (int) calls.reduceScatterBlock.invokeExact(abi.inPlace(), buffer,
                    (int) countPerRank, datatype, opHandle, handle));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw failed("MPI_Reduce_scatter_block", t);
        }
    }

    /**
     * {@code MPI_Iallreduce}: starts an all-reduce and returns at once. The buffers must stay
     * allocated and untouched until {@link MpiRequest#await()} returns: the request keeps the
     * segments reachable (so an automatic arena cannot free them), but closing their arena before
     * then is the caller's bug (detected, after the fact, by {@code await}).
     */
    public MpiRequest iallreduce(MemorySegment send, MemorySegment recv, long count, MpiDatatype type, MpiOp op) {
        long bytes = checkReduction("MPI_Iallreduce", count, type);
        Buffers.check("MPI_Iallreduce", "send", send, bytes, false);
        Buffers.check("MPI_Iallreduce", "receive", recv, bytes, true);
        Buffers.checkDisjoint("MPI_Iallreduce", send, bytes, recv, bytes, "iallreduceInPlace");
        return iallreduceChunks(send, recv, count, type, op);
    }

    /** {@code MPI_Iallreduce(MPI_IN_PLACE, buffer, ...)}; see {@link #iallreduce} for buffer lifetime. */
    public MpiRequest iallreduceInPlace(MemorySegment buffer, long count, MpiDatatype type, MpiOp op) {
        long bytes = checkReduction("MPI_Iallreduce", count, type);
        Buffers.check("MPI_Iallreduce", "in-place", buffer, bytes, true);
        return iallreduceChunks(null, buffer, count, type, op);
    }

    private MpiRequest iallreduceChunks(MemorySegment send, MemorySegment recv, long count, MpiDatatype type,
            MpiOp op) {
        long datatype = abi.datatype(type);
        long opHandle = abi.op(op);
        List<Long> requests = new ArrayList<>();
        try (CallGuard.Entry ignored = enter("MPI_Iallreduce"); Arena arena = Arena.ofConfined()) {
            MemorySegment cell = arena.allocate(abi.handleLayout());
            long chunk = mpi.maxCount();
            long done = 0;
            do {
                int n = (int) Math.min(chunk, count - done);
                long offset = done * type.byteSize();
                MemorySegment recvPart = recv.asSlice(offset);
                MemorySegment sendPart = send == null ? abi.inPlace() : send.asSlice(offset);
                int rc = (int) calls.iallreduce.invokeExact(sendPart, recvPart, n, datatype, opHandle, handle, cell);
                if (rc != 0 && !requests.isEmpty()) {
                    // Let the started chunks finish before reporting, so no one writes the buffers later.
                    new MpiRequest(mpi, "MPI_Iallreduce", requests, List.of(recv)).await();
                }
                check("MPI_Iallreduce", rc);
                requests.add(abi.readHandle(cell));
                done += n;
            } while (done < count);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw failed("MPI_Iallreduce", t);
        }
        return new MpiRequest(mpi, "MPI_Iallreduce", requests, send == null ? List.of(recv) : List.of(send, recv));
    }

    /**
     * {@code MPI_Allgather}: every rank contributes {@code countPerRank} elements of {@code send};
     * {@code recv} receives {@code size() * countPerRank} elements, rank {@code r}'s block at
     * element {@code r * countPerRank}.
     */
    public void allgather(MemorySegment send, MemorySegment recv, long countPerRank, MpiDatatype type) {
        long blockBytes = checkGather(countPerRank, type);
        long totalBytes = Math.multiplyExact(blockBytes, (long) size);
        Buffers.check("MPI_Allgather", "send", send, blockBytes, false);
        Buffers.check("MPI_Allgather", "receive", recv, totalBytes, true);
        Buffers.checkDisjoint("MPI_Allgather", send, blockBytes, recv, totalBytes, "allgatherInPlace");
        allgatherCall(send, recv, (int) countPerRank, type);
    }

    /**
     * {@code MPI_Allgather(MPI_IN_PLACE, ...)}: this rank's block is already at element
     * {@code rank() * countPerRank} of {@code buffer}; the other blocks are filled in.
     */
    public void allgatherInPlace(MemorySegment buffer, long countPerRank, MpiDatatype type) {
        long blockBytes = checkGather(countPerRank, type);
        Buffers.check("MPI_Allgather", "in-place", buffer, Math.multiplyExact(blockBytes, (long) size), true);
        allgatherCall(null, buffer, (int) countPerRank, type);
    }

    private void allgatherCall(MemorySegment send, MemorySegment recv, int countPerRank, MpiDatatype type) {
        long datatype = abi.datatype(type);
        try (CallGuard.Entry ignored = enter("MPI_Allgather")) {
            int rc = send == null
                    ? (int) calls.allgather.invokeExact(abi.inPlace(), 0, datatype, recv, countPerRank, datatype, handle)
                    : (int) calls.allgather.invokeExact(send, countPerRank, datatype, recv, countPerRank, datatype,
                            handle);
            check("MPI_Allgather", rc);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw failed("MPI_Allgather", t);
        }
    }

    /**
     * {@code MPI_Bcast}: copies {@code count} elements of {@code buffer} from rank {@code root} to
     * every rank's {@code buffer}. For raw bytes (an NCCL unique id: 128 bytes) use {@link MpiDatatype#BYTE}.
     */
    public void bcast(MemorySegment buffer, long count, MpiDatatype type, int root) {
        long bytes = Buffers.bytes("MPI_Bcast", count, type);
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("MPI_Bcast: root " + root + " is not a rank of " + name
                    + " (size " + size + ")");
        }
        Buffers.check("MPI_Bcast", "broadcast", buffer, bytes, rank != root);
        long datatype = abi.datatype(type);
        try (CallGuard.Entry ignored = enter("MPI_Bcast")) {
            long chunk = mpi.maxCount();
            long done = 0;
            do {
                int n = (int) Math.min(chunk, count - done);
                MemorySegment part = buffer.asSlice(done * type.byteSize());
                check("MPI_Bcast", (int) calls.bcast.invokeExact(part, n, datatype, root, handle));
                done += n;
            } while (done < count);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw failed("MPI_Bcast", t);
        }
    }

    /**
     * {@code MPI_Abort}: ends every process of this communicator's job (with Open MPI's and MPICH's
     * launchers: every rank of the job) with {@code errorCode} as the launcher's exit status where
     * the launcher passes it on. Never returns: if MPI's abort does return, the JVM halts. Flushes
     * {@code System.out} and {@code System.err} first; shutdown hooks do not run.
     *
     * <p>Deliberately skips the one-thread-at-a-time check: a watchdog thread may abort while
     * another thread is stuck in a collective.
     */
    public void abort(int errorCode) {
        System.out.flush();
        System.err.flush();
        try {
            int ignored = (int) calls.abort.invokeExact(handle, errorCode);
        } catch (Throwable t) {
            // Fall through to halt.
        }
        Runtime.getRuntime().halt(errorCode == 0 ? 1 : errorCode);
    }

    @Override
    public String toString() {
        return name + " (rank " + rank + " of " + size + (freed ? ", freed" : "") + ")";
    }

    private CallGuard.Entry enter(String function) {
        if (freed) {
            throw new IllegalStateException(function + ": " + name + " was freed");
        }
        return mpi.enter(user, function + " on " + name);
    }

    private void check(String function, int rc) {
        library.check(function, rc);
    }

    private long checkReduction(String function, long count, MpiDatatype type) {
        if (!type.reducible()) {
            throw new IllegalArgumentException(function + ": MPI cannot reduce " + type
                    + (type == MpiDatatype.BF16 ? ": MPI has no bf16 type; widen to FLOAT, all-reduce, round back to bf16"
                            : ": reduce a numeric type"));
        }
        return Buffers.bytes(function, count, type);
    }

    private long checkGather(long countPerRank, MpiDatatype type) {
        long bytes = Buffers.bytes("MPI_Allgather", countPerRank, type);
        if (countPerRank > mpi.maxCount()) {
            throw new IllegalArgumentException("MPI_Allgather: " + countPerRank + " elements per rank exceed MPI's"
                    + " int count (" + mpi.maxCount() + "); gather in several calls of fewer elements each"
                    + " (the blocks of one call are not contiguous per rank, so the bindings do not split it)");
        }
        return bytes;
    }

    private static IllegalStateException failed(String function, Throwable t) {
        return new IllegalStateException(function + " failed", t);
    }
}
