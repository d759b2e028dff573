package org.yalis.engine.comm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.yalis.engine.cpu.Numerics;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * A host-memory collective (MPI) used on device tensors: each collective copies the device buffer
 * into pinned host memory, runs the host collective there, and copies the result back, all ordered
 * on the compute backend's stream. With a CUDA-aware MPI ({@code deviceAware}) the copies are
 * skipped and MPI is handed the device pointers, once the stream has finished producing them.
 *
 * <p>MPI has no bf16 or f16 sum, so 2-byte float all-reduces are always staged, and widened to f32
 * on the host: every rank sums the same f32 values and rounds the same way, so every rank keeps the
 * same bits (and the sum is more accurate than a bf16 one).
 *
 * <p>Collectives return when the result is on the device, so the recorded time is the whole cost:
 * both copies and the host collective.
 */
public final class HostStagedCommunicator implements Communicator {
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final Communicator host;
    private final DeviceCopier copier;
    private final boolean deviceAware;
    private final CommStats stats = new CommStats();
    /** The device bytes as they are (the input, or this rank's share of a gather). */
    private final StagingBuffer staged;
    /** 2-byte floats widened to f32 for the host sum. */
    private final StagingBuffer widened;
    /** The gathered result of an all-gather. */
    private final StagingBuffer gatheredOnHost;

    /**
     * @param host        the host collective (MPI), which this decorator closes and aborts with itself
     * @param copier      device-host copies on the compute backend's stream
     * @param deviceAware whether {@code host} accepts device pointers (a CUDA-aware MPI)
     */
    public HostStagedCommunicator(Communicator host, DeviceCopier copier, boolean deviceAware) {
        this.host = host;
        this.copier = copier;
        this.deviceAware = deviceAware;
        this.staged = new StagingBuffer(copier);
        this.widened = new StagingBuffer(copier);
        this.gatheredOnHost = new StagingBuffer(copier);
    }

    @Override
    public int rank() {
        return host.rank();
    }

    @Override
    public int size() {
        return host.size();
    }

    @Override
    public String backend() {
        return host.backend();
    }

    /** Whether device pointers go to MPI as they are (CUDA-aware MPI) instead of through host memory. */
    public boolean deviceAware() {
        return deviceAware;
    }

    @Override
    public void useDeviceStream(DeviceStream stream) {
        copier.useStream(stream);
    }

    @Override
    public void allReduceSum(Tensor tensor) {
        long start = System.nanoTime();
        long bytes = tensor.byteSize();
        switch (tensor.dtype()) {
            case F32 -> {
                if (deviceAware) {
                    copier.awaitDevice();
                    host.allReduceSum(tensor);
                } else {
                    MemorySegment onHost = staged.atLeast(bytes);
                    copier.toHost(tensor.data(), onHost, bytes);
                    host.allReduceSum(new Tensor(onHost, DType.F32, tensor.rows(), tensor.cols()));
                    copier.toDevice(onHost, tensor.data(), bytes);
                }
            }
            case BF16, F16 -> {
                MemorySegment onHost = staged.atLeast(bytes);
                MemorySegment wide = widened.atLeast(tensor.elementCount() * Float.BYTES);
                copier.toHost(tensor.data(), onHost, bytes);
                widen(onHost, wide, tensor.elementCount(), tensor.dtype());
                host.allReduceSum(new Tensor(wide, DType.F32, tensor.rows(), tensor.cols()));
                narrow(wide, onHost, tensor.elementCount(), tensor.dtype());
                copier.toDevice(onHost, tensor.data(), bytes);
            }
            case I32, Q8_0 -> throw new IllegalArgumentException("the mpi collective sums float tensors, got " + tensor);
        }
        stats.record(CommStats.Operation.ALL_REDUCE, bytes, System.nanoTime() - start);
    }

    @Override
    public void allGather(Tensor local, Tensor gathered) {
        long start = System.nanoTime();
        long bytes = local.byteSize();
        long total = bytes * host.size();
        if (gathered.byteSize() < total) {
            throw new IllegalArgumentException("all-gather of " + bytes + " bytes from " + host.size()
                    + " ranks needs " + total + " bytes, got " + gathered);
        }
        if (deviceAware) {
            copier.awaitDevice();
            host.allGather(local, gathered);
        } else {
            MemorySegment mine = staged.atLeast(bytes);
            MemorySegment all = gatheredOnHost.atLeast(gathered.byteSize());
            copier.toHost(local.data(), mine, bytes);
            host.allGather(new Tensor(mine, local.dtype(), local.rows(), local.cols()),
                    new Tensor(all, gathered.dtype(), gathered.rows(), gathered.cols()));
            copier.toDevice(all, gathered.data(), total);
        }
        stats.record(CommStats.Operation.ALL_GATHER, bytes, System.nanoTime() - start);
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        long start = System.nanoTime();
        long bytes = tensor.byteSize();
        if (deviceAware) {
            copier.awaitDevice();
            host.broadcast(tensor, root);
        } else {
            MemorySegment onHost = staged.atLeast(bytes);
            // Only the root's bytes travel: the others' would be overwritten.
            if (host.rank() == root) {
                copier.toHost(tensor.data(), onHost, bytes);
            }
            host.broadcast(new Tensor(onHost, tensor.dtype(), tensor.rows(), tensor.cols()), root);
            if (host.rank() != root) {
                copier.toDevice(onHost, tensor.data(), bytes);
            }
        }
        stats.record(CommStats.Operation.BROADCAST, bytes, System.nanoTime() - start);
    }

    @Override
    public void broadcastBytes(MemorySegment bytes, int root) {
        host.broadcastBytes(bytes, root);
    }

    @Override
    public long[] allGatherLong(long value) {
        return host.allGatherLong(value);
    }

    @Override
    public void barrier() {
        long start = System.nanoTime();
        host.barrier();
        stats.record(CommStats.Operation.BARRIER, 0, System.nanoTime() - start);
    }

    /** The host group split, staged through the same copier (the same stream) into buffers of its own. */
    @Override
    public Communicator split(int color, int key) {
        return new HostStagedCommunicator(host.split(color, key), copier, deviceAware);
    }

    @Override
    public CommStats stats() {
        return stats;
    }

    @Override
    public void abort(Throwable cause) {
        host.abort(cause);
    }

    @Override
    public void close() {
        staged.close();
        widened.close();
        gatheredOnHost.close();
        host.close();
    }

    private static void widen(MemorySegment halves, MemorySegment floats, long count, DType dtype) {
        for (long i = 0; i < count; i++) {
            short bits = halves.getAtIndex(HALF, i);
            floats.setAtIndex(FLOAT, i, dtype == DType.BF16 ? Numerics.bf16ToFloat(bits) : Float.float16ToFloat(bits));
        }
    }

    private static void narrow(MemorySegment floats, MemorySegment halves, long count, DType dtype) {
        for (long i = 0; i < count; i++) {
            float value = floats.getAtIndex(FLOAT, i);
            halves.setAtIndex(HALF, i, dtype == DType.BF16 ? Numerics.floatToBf16(value) : Float.floatToFloat16(value));
        }
    }

    /** One pinned host buffer, replaced by a larger one when a collective needs more. */
    private static final class StagingBuffer implements AutoCloseable {
        private final DeviceCopier copier;
        private Arena arena;
        private MemorySegment buffer = MemorySegment.NULL;

        StagingBuffer(DeviceCopier copier) {
            this.copier = copier;
        }

        MemorySegment atLeast(long bytes) {
            if (buffer.byteSize() < bytes) {
                // Doubling keeps growth rare when message sizes creep up step by step.
                long size = Math.max(bytes, 2 * buffer.byteSize());
                close();
                arena = Arena.ofShared();
                buffer = copier.allocateHost(size, arena);
            }
            return buffer.asSlice(0, bytes);
        }

        @Override
        public void close() {
            if (arena != null) {
                arena.close();
                arena = null;
            }
            buffer = MemorySegment.NULL;
        }
    }
}
