package org.yalis.engine.comm;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.yalis.bindings.cuda.CudaEvent;
import org.yalis.bindings.cuda.CudaRuntime;
import org.yalis.bindings.cuda.CudaStream;
import org.yalis.bindings.cuda.Nccl;
import org.yalis.bindings.cuda.NcclComm;
import org.yalis.bindings.cuda.NcclDataType;
import org.yalis.bindings.cuda.NcclException;
import org.yalis.bindings.cuda.NcclRedOp;
import org.yalis.bindings.cuda.NcclResult;
import org.yalis.bindings.cuda.NcclUniqueId;
import org.yalis.engine.Sizes;
import org.yalis.engine.YalisException;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * Ranks as processes with one GPU each, exchanging device memory through NCCL
 * ({@code mpirun -np N bin/yalis ... --device cuda --collective nccl}).
 *
 * <h2>Data</h2>
 * All-reduce, all-gather and broadcast take device tensors ({@code Tensor.data()} holds the device
 * address) and are queued on one CUDA stream: the compute backend's, once it is handed over
 * through {@link #useDeviceStream} (see {@link DeviceStream} for the contract); until then, a stream
 * of the communicator's own, and each collective is made synchronous. All-reduce sums f32, bf16
 * and f16 natively (and i32); all-gather and broadcast move bytes whatever the type.
 *
 * <h2>Host side</h2>
 * The small host exchanges ({@link #broadcastBytes}, {@link #allGatherLong}, {@link #barrier})
 * and the abort go to the host communicator the NCCL one was built from (MPI in a job), which is
 * also how rank 0's unique id reaches the others ({@link NcclBootstrap}). {@link #split} splits
 * both: the host group with {@code MPI_Comm_split}, the NCCL one with {@code ncclCommSplit}.
 *
 * <h2>Stats</h2>
 * The time recorded for a collective is the GPU's, between two CUDA events around it on the stream
 * ({@link QueuedCollectives}): the host clock would measure the launch only, and synchronizing the
 * stream to read it would take away the overlap the stream exists for. Finished collectives are
 * counted when the next one is queued and when {@link #stats()} is read, which waits for the last.
 * Collectives captured into a CUDA graph are not counted: its replays run them without this code, so
 * under {@code --cuda-graphs} the stats hold the steps that ran as issued.
 *
 * <h2>Failure</h2>
 * A failed call, or an asynchronous error NCCL reports after one ({@code ncclCommGetAsyncError}),
 * throws {@link CommunicationException}; the engine then calls {@link #abort}. A
 * {@link CollectiveWatchdog} thread polls the asynchronous error of every communicator of the
 * family and the age of its oldest unfinished collective: a peer that died or hangs (its GPU
 * kernels would wait forever, and so would this rank in its next stream synchronize) becomes an
 * error after {@value #TIMEOUT_ENV} seconds (default 600) at most, and the job is aborted:
 * {@code ncclCommAbort} of every communicator (bounded in time), then the host communicator's abort
 * ({@code MPI_Abort}: every process of the job exits).
 */
public final class NcclCommunicator implements Communicator {
    /** Seconds a collective may stay unfinished on the GPU before the job is aborted. */
    public static final String TIMEOUT_ENV = "YALIS_NCCL_TIMEOUT_SECONDS";
    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(500);
    /** How long {@code ncclCommAbort} may take before the job is aborted without it. */
    private static final Duration ABORT_GRACE = Duration.ofSeconds(10);

    /** What a communicator shares with the groups split from it. */
    private record Family(Nccl nccl, CurrentDevice device, CollectiveStream stream, CollectiveWatchdog watchdog,
                          long timeoutNanos, AtomicBoolean aborting, Set<NcclCommunicator> members) {
    }

    private final Family family;
    private final NcclComm comm;
    private final Communicator hostGroup;
    private final int rank;
    private final int size;
    private final QueuedCollectives<CudaEvent> queued;
    private final CommStats stats = new CommStats();
    /** Held while the NCCL handle is being destroyed, so the watchdog never queries a freed one. */
    private final ReentrantLock handleLock = new ReentrantLock();
    /** The NCCL handle was destroyed or aborted: nothing may use it any more. */
    private final AtomicBoolean released = new AtomicBoolean();
    private final CollectiveWatchdog.Watched watched = new CollectiveWatchdog.Watched() {
        @Override
        public Optional<String> fault(long nowNanos) {
            return NcclCommunicator.this.fault(nowNanos);
        }

        @Override
        public void failed(String reason) {
            abort(new CommunicationException(reason));
        }
    };
    private volatile long closingSinceNanos;
    private volatile boolean closed;

    private NcclCommunicator(Family family, NcclComm comm, Communicator hostGroup) {
        this.family = family;
        this.comm = comm;
        this.hostGroup = hostGroup;
        this.rank = family.nccl().commUserRank(comm);
        this.size = family.nccl().commCount(comm);
        this.queued = new QueuedCollectives<>(new CudaCollectiveEvents(family.device(), family.stream()));
        family.members().add(this);
        family.watchdog().watch(watched);
    }

    /**
     * Joins an NCCL communicator over {@code hostGroup}'s ranks on GPU {@code device}, with the
     * collective timeout from {@value #TIMEOUT_ENV}. Collective over {@code hostGroup}.
     */
    public static NcclCommunicator create(Communicator hostGroup, int device) {
        return create(hostGroup, device, timeout(System.getenv(TIMEOUT_ENV)));
    }

    /** Like {@link #create(Communicator, int)} with an explicit collective timeout. */
    public static NcclCommunicator create(Communicator hostGroup, int device, Duration timeout) {
        // Every rank loads NCCL before the id exchange, so a missing library fails each rank on its own.
        Nccl nccl = Nccl.shared();
        CurrentDevice current = new CurrentDevice(CudaRuntime.shared(), device);
        current.ensureCurrent();
        NcclUniqueId id = NcclBootstrap.exchangeUniqueId(hostGroup, nccl::getUniqueId);
        NcclComm comm = nccl.commInitRank(hostGroup.size(), id, hostGroup.rank());
        Family family = new Family(nccl, current, new CollectiveStream(current), new CollectiveWatchdog(POLL_INTERVAL),
                timeout.toNanos(), new AtomicBoolean(), ConcurrentHashMap.newKeySet());
        NcclCommunicator communicator = new NcclCommunicator(family, comm, hostGroup);
        communicator.requireSameRanksAs(hostGroup, "ncclCommInitRank");
        return communicator;
    }

    /** The collective timeout: {@code seconds} if given (positive), the default otherwise. */
    static Duration timeout(String seconds) {
        if (seconds == null || seconds.isBlank()) {
            return DEFAULT_TIMEOUT;
        }
        try {
            long value = Long.parseLong(seconds.trim());
            if (value > 0) {
                return Duration.ofSeconds(value);
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw new YalisException(TIMEOUT_ENV + " must be a positive number of seconds, got '" + seconds + "'");
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public String backend() {
        return "nccl";
    }

    /** The GPU this communicator runs on. */
    public int device() {
        return family.device().ordinal();
    }

    @Override
    public void useDeviceStream(DeviceStream stream) {
        // Collectives already timed on the old stream are harvested before their stream changes.
        family.device().ensureCurrent();
        queued.harvestAll(stats);
        family.stream().install(stream);
    }

    @Override
    public void allReduceSum(Tensor tensor) {
        NcclDataType type = summable(tensor.dtype());
        queue(CommStats.Operation.ALL_REDUCE, tensor.byteSize(), "ncclAllReduce", stream -> family.nccl().allReduce(
                tensor.data(), tensor.data(), tensor.elementCount(), type, NcclRedOp.SUM, comm, stream));
    }

    @Override
    public void allGather(Tensor local, Tensor gathered) {
        long bytes = local.byteSize();
        if (gathered.byteSize() < bytes * size) {
            throw new IllegalArgumentException("all-gather of " + bytes + " bytes from " + size + " ranks needs "
                    + bytes * size + " bytes, got " + gathered);
        }
        // Bytes, not elements: gathering moves bits, so the element type does not matter to NCCL.
        queue(CommStats.Operation.ALL_GATHER, bytes, "ncclAllGather", stream -> family.nccl().allGather(
                local.data(), gathered.data(), bytes, NcclDataType.UINT8, comm, stream));
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("broadcast root " + root + " is not a rank of " + this);
        }
        long bytes = tensor.byteSize();
        queue(CommStats.Operation.BROADCAST, bytes, "ncclBroadcast", stream -> family.nccl().broadcast(
                tensor.data(), tensor.data(), bytes, NcclDataType.UINT8, root, comm, stream));
    }

    @Override
    public void broadcastBytes(MemorySegment bytes, int root) {
        hostGroup.broadcastBytes(bytes, root);
    }

    @Override
    public long[] allGatherLong(long value) {
        return hostGroup.allGatherLong(value);
    }

    /** A host barrier: every rank has reached it; GPU work queued before it may still be running. */
    @Override
    public void barrier() {
        long start = System.nanoTime();
        hostGroup.barrier();
        stats.record(CommStats.Operation.BARRIER, 0, System.nanoTime() - start);
    }

    @Override
    public Communicator split(int color, int key) {
        requireUsable("split");
        family.device().ensureCurrent();
        Communicator hostChild = hostGroup.split(color, key);
        NcclCommunicator child;
        try {
            NcclComm childComm = family.nccl().commSplit(comm, color, key).orElseThrow(() -> new IllegalStateException(
                    "ncclCommSplit with color " + color + " put this rank in no communicator"));
            child = new NcclCommunicator(family, childComm, hostChild);
        } catch (RuntimeException e) {
            hostChild.close();
            throw failure("ncclCommSplit", e);
        }
        child.requireSameRanksAs(hostChild, "ncclCommSplit");
        return child;
    }

    @Override
    public CommStats stats() {
        if (!released.get()) {
            family.device().ensureCurrent();
            queued.harvestAll(stats);
        }
        return stats;
    }

    @Override
    public void resetStats() {
        stats().reset();
    }

    /**
     * Aborts every NCCL communicator of the family ({@code ncclCommAbort}, given at most ten seconds)
     * so no GPU kernel keeps waiting for a peer, then the host communicator (with MPI: every process
     * of the job exits, and this call does not return).
     */
    @Override
    public void abort(Throwable cause) {
        if (family.aborting().compareAndSet(false, true)) {
            Thread aborter = Thread.ofPlatform().daemon().name("yalis-nccl-abort").start(() -> {
                for (NcclCommunicator member : family.members()) {
                    member.abortHandle();
                }
            });
            try {
                aborter.join(ABORT_GRACE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        hostGroup.abort(cause);
    }

    /** Frees this rank's handle without waiting for peers; the caller is tearing the job down. */
    private void abortHandle() {
        // No lock: close() may be stuck holding it, which is one of the reasons to abort.
        if (released.compareAndSet(false, true)) {
            try {
                family.device().ensureCurrent();
                family.nccl().commAbort(comm);
            } catch (RuntimeException e) {
                // The job is going down; the host abort that follows reports the cause.
            }
        }
    }

    /**
     * Waits for this rank's queued collectives, then finalizes and destroys the NCCL communicator
     * (every rank closes its groups in the same order), and closes the host group.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        handleLock.lock();
        closingSinceNanos = System.nanoTime();
        try {
            if (released.compareAndSet(false, true)) {
                family.device().ensureCurrent();
                queued.harvestAll(stats);
                family.nccl().commFinalize(comm);
                family.nccl().commDestroy(comm);
            }
        } finally {
            closingSinceNanos = 0;
            handleLock.unlock();
            family.watchdog().unwatch(watched);
            family.members().remove(this);
            queued.close();
            if (family.members().isEmpty()) {
                family.stream().close();
            }
            hostGroup.close();
        }
    }

    @Override
    public String toString() {
        return "nccl rank " + rank + " of " + size + " on GPU " + family.device().ordinal();
    }

    // ---- queueing ------------------------------------------------------------------------------

    /** Queues one collective on the family's stream, between timing events, and checks NCCL's state after. */
    private void queue(CommStats.Operation operation, long bytes, String function, Consumer<CudaStream> call) {
        requireUsable(function);
        family.device().ensureCurrent();
        CudaRuntime cuda = family.device().cuda();
        CollectiveStream collectiveStream = family.stream();
        boolean ordered = collectiveStream.ordered();
        if (!ordered) {
            // Nothing orders this stream with whatever produced the input: wait for the whole device.
            cuda.deviceSynchronize();
        }
        CudaStream stream = collectiveStream.current();
        boolean timed = !collectiveStream.capturing(stream);
        if (timed) {
            // Harvesting queries events, which a thread capturing a graph may not do (cudaErrorStreamCaptureUnsupported).
            queued.harvestFinished(stats);
        }
        CudaEvent start = timed ? queued.start() : null;
        try {
            call.accept(stream);
        } catch (RuntimeException e) {
            if (start != null) {
                queued.abandon(start);
            }
            throw failure(function, e);
        }
        if (timed) {
            queued.queued(start, operation, bytes, System.nanoTime());
        }
        asyncError().ifPresent(message -> {
            throw new CommunicationException(message);
        });
        if (!ordered) {
            // Nor with whatever reads the result: finish before returning.
            cuda.streamSynchronize(stream);
        }
    }

    private static NcclDataType summable(DType dtype) {
        return switch (dtype) {
            case F32 -> NcclDataType.FLOAT32;
            case BF16 -> NcclDataType.BFLOAT16;
            case F16 -> NcclDataType.FLOAT16;
            case I32 -> NcclDataType.INT32;
            case Q8_0 -> throw new IllegalArgumentException("collectives move activations, not Q8_0 weights");
        };
    }

    private void requireUsable(String function) {
        if (closed || released.get()) {
            throw new CommunicationException(function + " on " + this + ": the communicator was "
                    + (family.aborting().get() ? "aborted after a failure" : "closed"));
        }
    }

    private void requireSameRanksAs(Communicator host, String function) {
        if (rank != host.rank() || size != host.size()) {
            String message = function + " made this process rank " + rank + " of " + size + " but the host group has it"
                    + " as rank " + host.rank() + " of " + host.size();
            close();
            throw new IllegalStateException(message);
        }
    }

    private CommunicationException failure(String function, RuntimeException e) {
        if (e instanceof CommunicationException communication) {
            return communication;
        }
        String detail = e instanceof NcclException ? e.getMessage() : e.toString();
        return new CommunicationException(function + " failed on " + this + ": " + detail, e);
    }

    // ---- watchdog ------------------------------------------------------------------------------

    /** The error NCCL's background threads found (a peer exited, the network failed), if any. */
    private Optional<String> asyncError() {
        int code = family.nccl().commGetAsyncError(comm);
        // ncclInProgress belongs to non-blocking communicators; these are blocking, but it is not a failure.
        if (code == NcclResult.SUCCESS.value() || code == NcclResult.IN_PROGRESS.value()) {
            return Optional.empty();
        }
        String detail = family.nccl().getLastError(comm);
        return Optional.of("NCCL reported " + NcclResult.nameOf(code) + " (" + family.nccl().getErrorString(code)
                + ") on " + this + (detail.isBlank() ? "" : ": " + detail));
    }

    private Optional<String> fault(long nowNanos) {
        if (!handleLock.tryLock()) {
            // close() holds the handle: only how long it has taken can be judged without touching it.
            long closing = closingSinceNanos;
            return closing != 0 && nowNanos - closing > family.timeoutNanos()
                    ? Optional.of("closing " + this + " took longer than " + seconds(family.timeoutNanos())
                    + " s: a peer rank is gone or stuck")
                    : Optional.empty();
        }
        try {
            if (released.get()) {
                return Optional.empty();
            }
            family.device().ensureCurrent();
            Optional<String> error = asyncError();
            if (error.isPresent()) {
                return error;
            }
            return queued.oldestUnfinished(nowNanos).filter(u -> u.ageNanos() > family.timeoutNanos())
                    .map(u -> label(u.operation()) + " of " + Sizes.format(u.bytes()) + " queued " + seconds(u.ageNanos())
                            + " s ago on " + this + " has not finished: a peer rank is gone or stuck (limit "
                            + seconds(family.timeoutNanos()) + " s, " + TIMEOUT_ENV + ")");
        } finally {
            handleLock.unlock();
        }
    }

    private static String label(CommStats.Operation operation) {
        return "nccl " + operation.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static long seconds(long nanos) {
        return Duration.ofNanos(nanos).toSeconds();
    }
}
