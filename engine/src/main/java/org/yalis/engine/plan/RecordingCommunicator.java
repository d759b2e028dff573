package org.yalis.engine.plan;

import java.lang.foreign.MemorySegment;

import org.yalis.engine.comm.CommStats;
import org.yalis.engine.comm.Communicator;
import org.yalis.engine.tensor.Tensor;

/**
 * A group of ranks that exchanges nothing and records each collective the sharding plan issues, with the
 * message size {@code yalis bench} reports for it (the all-reduced tensor; each rank's part of an
 * all-gather) and which world ranks take part, so a cost model can tell a node's links from the network.
 */
final class RecordingCommunicator implements Communicator {
    private final int rank;
    private final int size;
    private final int firstRank;
    private final int stride;
    private final TraceRecorder recorder;
    private final CommStats stats = new CommStats();

    /** Member {@code i} of the group is world rank {@code firstRank + i * stride}; this rank is member {@code rank}. */
    RecordingCommunicator(int rank, int size, int firstRank, int stride, TraceRecorder recorder) {
        this.rank = rank;
        this.size = size;
        this.firstRank = firstRank;
        this.stride = stride;
        this.recorder = recorder;
    }

    private void record(StepTrace.CollectiveKind kind, long bytes) {
        StepTrace trace = recorder.current();
        if (trace != null) {
            trace.collective(new StepTrace.Collective(kind, bytes, size, firstRank, stride));
        }
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
        return "plan";
    }

    @Override
    public void allReduceSum(Tensor tensor) {
        record(StepTrace.CollectiveKind.ALL_REDUCE, tensor.byteSize());
    }

    @Override
    public void allGather(Tensor local, Tensor gathered) {
        if (gathered.byteSize() != local.byteSize() * size) {
            throw new IllegalArgumentException("all-gather of " + local + " into " + gathered + " over " + size);
        }
        record(StepTrace.CollectiveKind.ALL_GATHER, local.byteSize());
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        throw new UnsupportedOperationException("a model step broadcasts nothing");
    }

    @Override
    public void broadcastBytes(MemorySegment bytes, int root) {
        throw new UnsupportedOperationException("a model step broadcasts nothing");
    }

    @Override
    public long[] allGatherLong(long value) {
        long[] all = new long[size];
        java.util.Arrays.fill(all, value);
        return all;
    }

    @Override
    public void barrier() {
    }

    @Override
    public Communicator split(int color, int key) {
        throw new UnsupportedOperationException("the plan builds its groups from the grid");
    }

    @Override
    public CommStats stats() {
        return stats;
    }

    @Override
    public void abort(Throwable cause) {
    }

    @Override
    public void close() {
    }
}
