package org.yalis.engine.comm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * Ranks as threads of one JVM, exchanging host memory directly: for tests, and for tensor
 * parallelism over the cores of one CPU machine.
 *
 * <p>All-reduce is a reduce-scatter then an all-gather through one shared buffer: each rank sums
 * its slice of the elements over all ranks in rank order (so every rank gets the same bits), then
 * every rank copies the whole sum back. Two barriers: before the sums (every rank's input is there)
 * and before the copies (every slice is summed). No third one is needed before the shared buffer is
 * written again: the next collective's first barrier is reached only by ranks that finished copying.
 * A call allocates nothing; waiting ranks spin rather than sleep ({@link RankBarrier}), because a
 * decode step's all-reduces come every few hundred microseconds and a wake-up costs tens.
 */
public final class LocalCommunicator implements Communicator {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final long DEFAULT_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(30);

    /** What the members of one group share. */
    private static final class Group {
        final int size;
        final RankBarrier barrier;
        final MemorySegment[] slots;
        final long[] longs;
        final int[] splitColors;
        final int[] splitKeys;
        final Map<Integer, Group> splitGroups = new HashMap<>();
        final Arena arena = Arena.ofShared();
        volatile MemorySegment sum = MemorySegment.NULL;

        final long timeoutNanos;
        final AtomicReference<Throwable> failure;

        Group(int size, long timeoutNanos, AtomicReference<Throwable> failure) {
            this.size = size;
            this.timeoutNanos = timeoutNanos;
            this.failure = failure;
            this.barrier = new RankBarrier(size, timeoutNanos, failure);
            this.slots = new MemorySegment[size];
            this.longs = new long[size];
            this.splitColors = new int[size];
            this.splitKeys = new int[size];
        }

        /** The shared sum buffer, grown by rank 0 while the others wait at the next barrier. */
        MemorySegment sumBuffer(long bytes) {
            if (sum.byteSize() < bytes) {
                sum = arena.allocate(Math.max(bytes, sum.byteSize() * 2), 64);
            }
            return sum;
        }
    }

    private final Group group;
    private final int rank;
    private final CommStats stats = new CommStats();

    private LocalCommunicator(Group group, int rank) {
        this.group = group;
        this.rank = rank;
    }

    /** One communicator per rank of a new group; hand each to its own thread. */
    public static List<Communicator> createGroup(int size) {
        return createGroup(size, DEFAULT_TIMEOUT_NANOS);
    }

    public static List<Communicator> createGroup(int size, long timeoutNanos) {
        if (size < 1) {
            throw new IllegalArgumentException("a group needs at least one rank");
        }
        Group group = new Group(size, timeoutNanos, new AtomicReference<>());
        List<Communicator> members = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            members.add(new LocalCommunicator(group, r));
        }
        return members;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return group.size;
    }

    @Override
    public String backend() {
        return "local";
    }

    @Override
    public void allReduceSum(Tensor tensor) {
        if (tensor.dtype() != DType.F32) {
            throw new IllegalArgumentException("local all-reduce sums f32 tensors, got " + tensor);
        }
        long start = System.nanoTime();
        if (group.size > 1) {
            MemorySegment data = tensor.data();
            long bytes = tensor.byteSize();
            long elements = tensor.elementCount();
            group.slots[rank] = data;
            if (rank == 0) {
                // A grown buffer is a new allocation: a rank still copying from the old one is unaffected.
                group.sumBuffer(bytes);
            }
            group.barrier.await("all-reduce");
            MemorySegment sum = group.sum;
            long first = elements * rank / group.size;
            long end = elements * (rank + 1) / group.size;
            sumSlice(group.slots, sum, first, end);
            group.barrier.await("all-reduce");
            MemorySegment.copy(sum, 0, data, 0, bytes);
        }
        stats.record(CommStats.Operation.ALL_REDUCE, tensor.byteSize(), System.nanoTime() - start);
    }

    /** {@code sum[i] = slots[0][i] + slots[1][i] + ...} for {@code i} in {@code [first, end)}, in rank order. */
    private static void sumSlice(MemorySegment[] slots, MemorySegment sum, long first, long end) {
        long i = first;
        int lanes = F.length();
        for (; i + lanes <= end; i += lanes) {
            FloatVector total = FloatVector.fromMemorySegment(F, slots[0], i * 4, ByteOrder.LITTLE_ENDIAN);
            for (int r = 1; r < slots.length; r++) {
                total = total.add(FloatVector.fromMemorySegment(F, slots[r], i * 4, ByteOrder.LITTLE_ENDIAN));
            }
            total.intoMemorySegment(sum, i * 4, ByteOrder.LITTLE_ENDIAN);
        }
        for (; i < end; i++) {
            float total = slots[0].getAtIndex(FLOAT, i);
            for (int r = 1; r < slots.length; r++) {
                total += slots[r].getAtIndex(FLOAT, i);
            }
            sum.setAtIndex(FLOAT, i, total);
        }
    }

    @Override
    public void allGather(Tensor local, Tensor gathered) {
        long bytes = local.byteSize();
        if (gathered.byteSize() < bytes * group.size) {
            throw new IllegalArgumentException("all-gather of " + bytes + " bytes from " + group.size
                    + " ranks needs " + bytes * group.size + " bytes, got " + gathered);
        }
        long start = System.nanoTime();
        group.slots[rank] = local.data();
        group.barrier.await("all-gather");
        for (int r = 0; r < group.size; r++) {
            MemorySegment.copy(group.slots[r], 0, gathered.data(), r * bytes, bytes);
        }
        group.barrier.await("all-gather");
        stats.record(CommStats.Operation.ALL_GATHER, bytes, System.nanoTime() - start);
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        long start = System.nanoTime();
        broadcastSegment(tensor.data().asSlice(0, tensor.byteSize()), root);
        stats.record(CommStats.Operation.BROADCAST, tensor.byteSize(), System.nanoTime() - start);
    }

    @Override
    public void broadcastBytes(MemorySegment bytes, int root) {
        broadcastSegment(bytes, root);
    }

    private void broadcastSegment(MemorySegment data, int root) {
        if (group.size == 1) {
            return;
        }
        group.slots[rank] = data;
        group.barrier.await("broadcast");
        if (rank != root) {
            MemorySegment.copy(group.slots[root], 0, data, 0, data.byteSize());
        }
        group.barrier.await("broadcast");
    }

    @Override
    public long[] allGatherLong(long value) {
        group.longs[rank] = value;
        group.barrier.await("all-gather");
        long[] all = group.longs.clone();
        group.barrier.await("all-gather");
        return all;
    }

    @Override
    public void barrier() {
        long start = System.nanoTime();
        group.barrier.await("barrier");
        stats.record(CommStats.Operation.BARRIER, 0, System.nanoTime() - start);
    }

    @Override
    public Communicator split(int color, int key) {
        group.splitColors[rank] = color;
        group.splitKeys[rank] = key;
        group.barrier.await("split");
        Integer[] members = java.util.stream.IntStream.range(0, group.size).boxed()
                .filter(r -> group.splitColors[r] == color)
                .sorted(Comparator.<Integer>comparingInt(r -> group.splitKeys[r]).thenComparingInt(r -> r))
                .toArray(Integer[]::new);
        int newRank = Arrays.asList(members).indexOf(rank);
        if (newRank == 0) {
            synchronized (group.splitGroups) {
                group.splitGroups.put(color, new Group(members.length, group.timeoutNanos, group.failure));
            }
        }
        group.barrier.await("split");
        Group subgroup;
        synchronized (group.splitGroups) {
            subgroup = group.splitGroups.get(color);
        }
        group.barrier.await("split");
        if (newRank == 0) {
            synchronized (group.splitGroups) {
                group.splitGroups.remove(color);
            }
        }
        return new LocalCommunicator(subgroup, newRank);
    }

    @Override
    public CommStats stats() {
        return stats;
    }

    @Override
    public void abort(Throwable cause) {
        group.barrier.fail(cause);
    }

    @Override
    public void close() {
        // The shared sum buffer lives as long as the group; the JVM reclaims it with the group.
    }
}
