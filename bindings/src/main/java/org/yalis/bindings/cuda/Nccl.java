package org.yalis.bindings.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.yalis.bindings.Downcalls;
import org.yalis.bindings.KnownLibrary;
import org.yalis.bindings.LoadedLibrary;
import org.yalis.bindings.NativeLibraryLocator;
import org.yalis.bindings.NativeStrings;
import org.yalis.bindings.OnFirstUse;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.yalis.bindings.cuda.CTypes.C_INT;
import static org.yalis.bindings.cuda.CTypes.NCCL_UNIQUE_ID;
import static org.yalis.bindings.cuda.CTypes.POINTER;
import static org.yalis.bindings.cuda.CTypes.SIZE_T;

/**
 * NCCL ({@code libnccl.so.2}) through FFM: communicators and the collectives tensor parallelism
 * needs. Buffers are device pointers; counts are elements of the given {@link NcclDataType};
 * collectives are queued on a stream and return before they finish.
 *
 * <p>Communicators are blocking (no config is passed), so a call either succeeds or fails with
 * {@link NcclException}, whose message adds {@code ncclGetLastError}'s detail (NCCL's own text
 * only says "run with NCCL_DEBUG=WARN for details").
 *
 * <p>Several ranks' calls issued by one thread (one process driving several GPUs) must be
 * wrapped in {@link #groupStart()} / {@link #groupEnd()}, or the first blocks waiting for the others.
 */
public final class Nccl {
    /** {@code NCCL_SPLIT_NOCOLOR}: the color of a rank that joins no communicator in {@link #commSplit}. */
    public static final int SPLIT_NO_COLOR = -1;

    private static final OnFirstUse<Nccl> SHARED = new OnFirstUse<>(() -> load(NativeLibraryLocator.fromEnvironment()));

    private final LoadedLibrary library;
    private final MethodHandle getVersion;
    private final MethodHandle getUniqueId;
    private final MethodHandle commInitRank;
    private final MethodHandle commInitAll;
    private final MethodHandle commFinalize;
    private final MethodHandle commDestroy;
    private final MethodHandle commAbort;
    private final MethodHandle commSplit;
    private final MethodHandle commCount;
    private final MethodHandle commCuDevice;
    private final MethodHandle commUserRank;
    private final MethodHandle commGetAsyncError;
    private final MethodHandle getErrorString;
    private final MethodHandle getLastError;
    private final MethodHandle allReduce;
    private final MethodHandle allGather;
    private final MethodHandle broadcast;
    private final MethodHandle reduceScatter;
    private final MethodHandle groupStart;
    private final MethodHandle groupEnd;

    private Nccl(LoadedLibrary library) {
        this.library = library;
        getVersion = bind("ncclGetVersion", POINTER);
        getUniqueId = bind("ncclGetUniqueId", POINTER);
        // The unique id is a 128-byte struct passed BY VALUE.
        commInitRank = bind("ncclCommInitRank", POINTER, C_INT, NCCL_UNIQUE_ID, C_INT);
        commInitAll = bind("ncclCommInitAll", POINTER, C_INT, POINTER);
        commFinalize = bind("ncclCommFinalize", POINTER);
        commDestroy = bind("ncclCommDestroy", POINTER);
        commAbort = bind("ncclCommAbort", POINTER);
        commSplit = bind("ncclCommSplit", POINTER, C_INT, C_INT, POINTER, POINTER);
        commCount = bind("ncclCommCount", POINTER, POINTER);
        commCuDevice = bind("ncclCommCuDevice", POINTER, POINTER);
        commUserRank = bind("ncclCommUserRank", POINTER, POINTER);
        commGetAsyncError = bind("ncclCommGetAsyncError", POINTER, POINTER);
        getErrorString = library.downcall("ncclGetErrorString", FunctionDescriptor.of(POINTER, C_INT));
        getLastError = library.downcall("ncclGetLastError", FunctionDescriptor.of(POINTER, POINTER));
        allReduce = bind("ncclAllReduce", POINTER, POINTER, SIZE_T, C_INT, C_INT, POINTER, POINTER);
        allGather = bind("ncclAllGather", POINTER, POINTER, SIZE_T, C_INT, POINTER, POINTER);
        broadcast = bind("ncclBroadcast", POINTER, POINTER, SIZE_T, C_INT, C_INT, POINTER, POINTER);
        reduceScatter = bind("ncclReduceScatter", POINTER, POINTER, SIZE_T, C_INT, C_INT, POINTER, POINTER);
        groupStart = bind("ncclGroupStart");
        groupEnd = bind("ncclGroupEnd");
    }

    /** NCCL as found in this process's environment, loaded on the first call and kept. */
    public static Nccl shared() {
        return SHARED.get();
    }

    /**
     * Loads the NCCL {@code locator} finds.
     *
     * @throws org.yalis.bindings.NativeLibraryNotFoundException when libnccl.so.2 is not found
     */
    public static Nccl load(NativeLibraryLocator locator) {
        return new Nccl(LoadedLibrary.open(locator.locate(KnownLibrary.NCCL)));
    }

    public Path libraryPath() {
        return library.path();
    }

    private MethodHandle bind(String name, MemoryLayout... arguments) {
        return library.downcall(name, FunctionDescriptor.of(C_INT, arguments));
    }

    // ---- status and version ------------------------------------------------------------------

    void check(int status, String function) {
        if (status != NcclResult.SUCCESS.value()) {
            throw new NcclException(function, status, NcclResult.nameOf(status), getErrorString(status),
                    getLastError(null));
        }
    }

    /** {@code ncclGetErrorString}: NCCL's text for a result code. */
    public String getErrorString(int result) {
        try {
            return NativeStrings.read((MemorySegment) getErrorString.invokeExact(result));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /**
     * {@code ncclGetLastError}: the detail of the last failure (for example "Cuda failure 'CUDA
     * driver version is insufficient...'"), empty when none. {@code comm} may be {@code null}.
     */
    public String getLastError(NcclComm comm) {
        // A local, not a conditional inside invokeExact: javac types such an argument as Object there.
        MemorySegment handle = comm == null ? MemorySegment.NULL : comm.handle();
        try {
            String text = NativeStrings.read((MemorySegment) getLastError.invokeExact(handle));
            return text == null ? "" : text;
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code ncclGetVersion}: 10000 * major + 100 * minor + patch (23007 for 2.30.7). */
    public int getVersion() {
        return StatusCalls.intOut(getVersion, this::check, "ncclGetVersion");
    }

    /** {@link #getVersion()} as "major.minor.patch". */
    public String version() {
        int code = getVersion();
        // NCCL_VERSION(X,Y,Z) is X*10000 + Y*100 + Z from 2.9 on, X*1000 + Y*100 + Z before.
        return code >= 20900 ? code / 10000 + "." + code / 100 % 100 + "." + code % 100
                : code / 1000 + "." + code / 100 % 10 + "." + code % 100;
    }

    // ---- communicators -----------------------------------------------------------------------

    /** {@code ncclGetUniqueId}: made once, by rank 0, and shared with every rank. Needs no GPU. */
    public NcclUniqueId getUniqueId() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment id = arena.allocate(NCCL_UNIQUE_ID);
            check((int) getUniqueId.invokeExact(id), "ncclGetUniqueId");
            return NcclUniqueId.of(id.toArray(JAVA_BYTE));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /**
     * {@code ncclCommInitRank}: joins communicator {@code id} as {@code rank} of {@code ranks},
     * on the current CUDA device. Blocks until every rank has joined.
     */
    public NcclComm commInitRank(int ranks, NcclUniqueId id, int rank) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment comm = arena.allocate(POINTER);
            MemorySegment idValue = arena.allocate(NCCL_UNIQUE_ID);
            idValue.copyFrom(MemorySegment.ofArray(id.bytes()));
            check((int) commInitRank.invokeExact(comm, ranks, idValue, rank), "ncclCommInitRank");
            return new NcclComm(comm.get(POINTER, 0));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code ncclCommInitAll}: one communicator per listed device, all in this process (rank i on devices[i]). */
    public List<NcclComm> commInitAll(int... devices) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment comms = arena.allocate(POINTER, devices.length);
            MemorySegment deviceList = arena.allocateFrom(C_INT, devices);
            check((int) commInitAll.invokeExact(comms, devices.length, deviceList), "ncclCommInitAll");
            List<NcclComm> result = new ArrayList<>(devices.length);
            for (int i = 0; i < devices.length; i++) {
                result.add(new NcclComm(comms.getAtIndex(POINTER, i)));
            }
            return List.copyOf(result);
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code ncclCommFinalize}: flushes outstanding work; follow with {@link #commDestroy}. */
    public void commFinalize(NcclComm comm) {
        StatusCalls.call(commFinalize, comm.handle(), this::check, "ncclCommFinalize");
    }

    /** {@code ncclCommDestroy}: frees the communicator. */
    public void commDestroy(NcclComm comm) {
        StatusCalls.call(commDestroy, comm.handle(), this::check, "ncclCommDestroy");
    }

    /** {@code ncclCommAbort}: frees the communicator without waiting for outstanding work (after an error). */
    public void commAbort(NcclComm comm) {
        StatusCalls.call(commAbort, comm.handle(), this::check, "ncclCommAbort");
    }

    /**
     * {@code ncclCommSplit} (no config): every rank of {@code comm} calls it; ranks with the same
     * {@code color} form a new communicator, ordered by {@code key}. A rank passing
     * {@link #SPLIT_NO_COLOR} joins none and gets empty.
     */
    public Optional<NcclComm> commSplit(NcclComm comm, int color, int key) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment split = arena.allocate(POINTER);
            check((int) commSplit.invokeExact(comm.handle(), color, key, split, MemorySegment.NULL), "ncclCommSplit");
            MemorySegment handle = split.get(POINTER, 0);
            return handle.address() == 0 ? Optional.empty() : Optional.of(new NcclComm(handle));
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code ncclCommCount}: the number of ranks. */
    public int commCount(NcclComm comm) {
        return StatusCalls.intOut(commCount, comm.handle(), this::check, "ncclCommCount");
    }

    /** {@code ncclCommUserRank}: this communicator's rank. */
    public int commUserRank(NcclComm comm) {
        return StatusCalls.intOut(commUserRank, comm.handle(), this::check, "ncclCommUserRank");
    }

    /** {@code ncclCommCuDevice}: the CUDA device the communicator runs on. */
    public int commCuDevice(NcclComm comm) {
        return StatusCalls.intOut(commCuDevice, comm.handle(), this::check, "ncclCommCuDevice");
    }

    /**
     * {@code ncclCommGetAsyncError}: a failure found by NCCL's background threads (a peer died), as
     * a raw result code ({@link NcclResult#nameOf} names it); 0 when healthy.
     */
    public int commGetAsyncError(NcclComm comm) {
        return StatusCalls.intOut(commGetAsyncError, comm.handle(), this::check, "ncclCommGetAsyncError");
    }

    // ---- collectives -------------------------------------------------------------------------

    /** {@code ncclAllReduce}: every rank's {@code recv} = op over all ranks' {@code send} ({@code count} elements; in place allowed). */
    public void allReduce(MemorySegment send, MemorySegment recv, long count, NcclDataType type, NcclRedOp op,
            NcclComm comm, CudaStream stream) {
        try {
            check((int) allReduce.invokeExact(send, recv, count, type.value(), op.value(), comm.handle(),
                    stream.handle()), "ncclAllReduce");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code ncclAllGather}: {@code recv} (ranks × sendCount elements) = every rank's {@code send}, in rank order. */
    public void allGather(MemorySegment send, MemorySegment recv, long sendCount, NcclDataType type, NcclComm comm,
            CudaStream stream) {
        try {
            check((int) allGather.invokeExact(send, recv, sendCount, type.value(), comm.handle(), stream.handle()),
                    "ncclAllGather");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code ncclBroadcast}: every rank's {@code recv} = rank {@code root}'s {@code send}. */
    public void broadcast(MemorySegment send, MemorySegment recv, long count, NcclDataType type, int root,
            NcclComm comm, CudaStream stream) {
        try {
            check((int) broadcast.invokeExact(send, recv, count, type.value(), root, comm.handle(), stream.handle()),
                    "ncclBroadcast");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /**
     * {@code ncclReduceScatter}: reduces ranks × recvCount elements of {@code send} over all ranks
     * and leaves block {@code rank} ({@code recvCount} elements) in each rank's {@code recv}.
     */
    public void reduceScatter(MemorySegment send, MemorySegment recv, long recvCount, NcclDataType type, NcclRedOp op,
            NcclComm comm, CudaStream stream) {
        try {
            check((int) reduceScatter.invokeExact(send, recv, recvCount, type.value(), op.value(), comm.handle(),
                    stream.handle()), "ncclReduceScatter");
        } catch (Throwable t) {
            throw Downcalls.unchecked(t);
        }
    }

    /** {@code ncclGroupStart}: collectives until {@link #groupEnd()} are issued together. */
    public void groupStart() {
        StatusCalls.call(groupStart, this::check, "ncclGroupStart");
    }

    /** {@code ncclGroupEnd}. */
    public void groupEnd() {
        StatusCalls.call(groupEnd, this::check, "ncclGroupEnd");
    }
}
