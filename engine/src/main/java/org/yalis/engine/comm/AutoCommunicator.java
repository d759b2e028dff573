package org.yalis.engine.comm;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.yalis.engine.Sizes;
import org.yalis.engine.YalisException;
import org.yalis.engine.tensor.Tensor;

/**
 * {@code --collective auto}: several backends over the same ranks, each all-reduce sent on the one a
 * {@link CommProfile} says is fastest at its size (decided once per power of two of the size, the same on
 * every rank); the other collectives go to the first backend. Groups split from it choose with the world's
 * profile.
 */
public final class AutoCommunicator implements Communicator {
    /** Sizes up to 2^40 bytes, by power of two: the backend of each. */
    private static final int SIZE_CLASSES = 41;

    private final Map<String, Communicator> backends;
    private final Communicator first;
    private final Communicator[] bySizeClass = new Communicator[SIZE_CLASSES];
    private final String[] namesBySizeClass = new String[SIZE_CLASSES];
    private final CommProfile profile;
    private final CommStats stats = new CommStats();

    AutoCommunicator(Map<String, Communicator> backends, CommProfile profile) {
        this.backends = new LinkedHashMap<>(backends);
        this.first = backends.values().iterator().next();
        this.profile = profile;
        for (int c = 0; c < SIZE_CLASSES; c++) {
            String name = profile.fastest(1L << c);
            namesBySizeClass[c] = name;
            bySizeClass[c] = backends.get(name);
        }
        // Every rank must send the same message on the same backend, or the two would each wait forever.
        long mine = String.join(",", namesBySizeClass).hashCode();
        for (long other : first.allGatherLong(mine)) {
            if (other != mine) {
                throw new YalisException("--comm-profile " + profile.source() + " leads the ranks to different choices; "
                        + "give every rank the same file");
            }
        }
    }

    @Override
    public java.util.Optional<String> choices() {
        return java.util.Optional.of(ranges());
    }

    /** The choice per size range, for the line printed at start-up: "up to 64.0 KiB mpi, above 64.0 KiB hier". */
    public String ranges() {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int c = 1; c <= SIZE_CLASSES; c++) {
            if (c < SIZE_CLASSES && namesBySizeClass[c].equals(namesBySizeClass[start])) {
                continue;
            }
            // Size class k holds the sizes in (2^(k-1), 2^k].
            String range = start == 0 && c == SIZE_CLASSES ? "every size"
                    : start == 0 ? "up to " + Sizes.format(1L << (c - 1))
                    : c == SIZE_CLASSES ? "above " + Sizes.format(1L << (start - 1))
                    : "above " + Sizes.format(1L << (start - 1)) + " up to " + Sizes.format(1L << (c - 1));
            parts.add(range + " " + namesBySizeClass[start]);
            start = c;
        }
        return String.join(", ", parts);
    }

    /** The backend an all-reduce of {@code bytes} goes to. */
    public String backendFor(long bytes) {
        return namesBySizeClass[sizeClass(bytes)];
    }

    private static int sizeClass(long bytes) {
        int c = 64 - Long.numberOfLeadingZeros(Math.max(1, bytes - 1));
        return Math.min(SIZE_CLASSES - 1, c);
    }

    @Override
    public int rank() {
        return first.rank();
    }

    @Override
    public int size() {
        return first.size();
    }

    @Override
    public String backend() {
        return "auto";
    }

    @Override
    public void allReduceSum(Tensor tensor) {
        long start = System.nanoTime();
        bySizeClass[sizeClass(tensor.byteSize())].allReduceSum(tensor);
        stats.record(CommStats.Operation.ALL_REDUCE, tensor.byteSize(), System.nanoTime() - start);
    }

    @Override
    public void allGather(Tensor local, Tensor gathered) {
        long start = System.nanoTime();
        first.allGather(local, gathered);
        stats.record(CommStats.Operation.ALL_GATHER, local.byteSize(), System.nanoTime() - start);
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        long start = System.nanoTime();
        first.broadcast(tensor, root);
        stats.record(CommStats.Operation.BROADCAST, tensor.byteSize(), System.nanoTime() - start);
    }

    @Override
    public void broadcastBytes(MemorySegment bytes, int root) {
        first.broadcastBytes(bytes, root);
    }

    @Override
    public long[] allGatherLong(long value) {
        return first.allGatherLong(value);
    }

    @Override
    public void barrier() {
        first.barrier();
    }

    @Override
    public Communicator split(int color, int key) {
        Map<String, Communicator> split = new LinkedHashMap<>();
        for (Map.Entry<String, Communicator> entry : backends.entrySet()) {
            split.put(entry.getKey(), entry.getValue().split(color, key));
        }
        return new AutoCommunicator(split, profile);
    }

    @Override
    public void useDeviceStream(DeviceStream stream) {
        backends.values().forEach(backend -> backend.useDeviceStream(stream));
    }

    @Override
    public CommStats stats() {
        return stats;
    }

    @Override
    public void abort(Throwable cause) {
        first.abort(cause);
    }

    @Override
    public void close() {
        List<Communicator> distinct = new ArrayList<>(new java.util.LinkedHashSet<>(backends.values()));
        java.util.Collections.reverse(distinct);
        distinct.forEach(Communicator::close);
    }
}
