package org.yalis.engine.comm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * Latency and bandwidth of the collectives over message sizes, the measurement behind "which
 * backend wins at which size". Every rank of the group runs it; times are the slowest rank's.
 *
 * <p>Bandwidth follows nccl-tests: algorithm bandwidth is the message bytes over the time; bus
 * bandwidth scales it by the bytes each link must carry ({@code 2(n-1)/n} for all-reduce,
 * {@code (n-1)/n} for all-gather with the message being the gathered size, 1 for broadcast), so it
 * can be compared with the hardware's link bandwidth.
 */
public final class CollectiveBenchmark {

    /** The collectives measured. */
    public enum Operation {
        ALL_REDUCE("all-reduce"), ALL_GATHER("all-gather"), BROADCAST("broadcast");

        private final String label;

        Operation(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public static Operation parse(String text) {
            return Arrays.stream(values()).filter(o -> o.label.equals(text)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(text));
        }
    }

    /**
     * One measured point.
     *
     * @param bytes message size: the buffer each rank reduces or broadcasts, the gathered result for all-gather
     */
    public record Result(String backend, int ranks, String group, Operation operation, String dtype, long bytes,
                         double medianMicros, double minMicros, double maxMicros, int repeats) {

        public double algorithmGigabytesPerSecond() {
            return bytes / (medianMicros * 1e-6) / 1e9;
        }

        public double busGigabytesPerSecond() {
            double n = ranks;
            double factor = switch (operation) {
                case ALL_REDUCE -> 2 * (n - 1) / n;
                case ALL_GATHER -> (n - 1) / n;
                case BROADCAST -> 1;
            };
            return algorithmGigabytesPerSecond() * factor;
        }
    }

    /** What to measure. */
    public record Plan(List<Operation> operations, long minBytes, long maxBytes, int warmup, int repeats,
                       String groupName) {
        public List<Long> sizes() {
            List<Long> sizes = new ArrayList<>();
            for (long size = minBytes; size <= maxBytes; size *= 2) {
                sizes.add(size);
            }
            return sizes;
        }
    }

    private CollectiveBenchmark() {
    }

    /** Runs {@code plan} on this rank of {@code group}; every rank returns the same results. */
    public static List<Result> run(Communicator group, Plan plan) {
        int n = group.size();
        List<Result> results = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            long elements = Math.max(1, plan.maxBytes() / Float.BYTES);
            MemorySegment send = arena.allocate(elements * Float.BYTES, 64);
            MemorySegment gathered = arena.allocate(elements * Float.BYTES, 64);
            for (Operation operation : plan.operations()) {
                for (long bytes : plan.sizes()) {
                    int count = (int) Math.max(1, bytes / Float.BYTES);
                    long[] nanos = new long[plan.repeats()];
                    // Filled once: later repeats reduce already-reduced values, which costs the same.
                    fill(send, count, group.rank() + 1);
                    for (int i = -plan.warmup(); i < plan.repeats(); i++) {
                        group.barrier();
                        long start = System.nanoTime();
                        once(group, operation, send, gathered, count);
                        long elapsed = System.nanoTime() - start;
                        long slowest = Arrays.stream(group.allGatherLong(elapsed)).max().orElseThrow();
                        if (i >= 0) {
                            nanos[i] = slowest;
                        }
                        if (i == -plan.warmup()) {
                            check(operation, send, gathered, count, group);
                        }
                    }
                    Arrays.sort(nanos);
                    results.add(new Result(group.backend(), n, plan.groupName(), operation, "f32",
                            operation == Operation.ALL_GATHER ? (long) Math.max(1, count / n) * n * Float.BYTES
                                    : (long) count * Float.BYTES,
                            nanos[nanos.length / 2] / 1e3, nanos[0] / 1e3, nanos[nanos.length - 1] / 1e3,
                            plan.repeats()));
                }
            }
        }
        return results;
    }

    private static void once(Communicator group, Operation operation, MemorySegment send, MemorySegment gathered,
                             int count) {
        int n = group.size();
        switch (operation) {
            case ALL_REDUCE -> group.allReduceSum(new Tensor(send, DType.F32, 1, count));
            case ALL_GATHER -> {
                int perRank = Math.max(1, count / n);
                group.allGather(new Tensor(send, DType.F32, 1, perRank),
                        new Tensor(gathered, DType.F32, n, perRank));
            }
            case BROADCAST -> group.broadcast(new Tensor(send, DType.F32, 1, count), 0);
        }
    }

    /** Verifies the first run's result, so a fast number is never a wrong one. */
    private static void check(Operation operation, MemorySegment send, MemorySegment gathered, int count,
                              Communicator group) {
        int n = group.size();
        float expected;
        float actual;
        switch (operation) {
            case ALL_REDUCE -> {
                expected = n * (n + 1) / 2f;
                actual = send.getAtIndex(ValueLayout.JAVA_FLOAT, count - 1);
            }
            case ALL_GATHER -> {
                int perRank = Math.max(1, count / n);
                expected = n;
                actual = gathered.getAtIndex(ValueLayout.JAVA_FLOAT, (long) perRank * n - 1);
            }
            default -> {
                expected = 1;
                actual = send.getAtIndex(ValueLayout.JAVA_FLOAT, count - 1);
            }
        }
        if (actual != expected) {
            throw new IllegalStateException(String.format(Locale.ROOT, "%s over %d ranks (%s) gave %s, expected %s",
                    operation.label(), n, group.backend(), actual, expected));
        }
    }

    private static void fill(MemorySegment send, int count, float value) {
        for (int i = 0; i < count; i++) {
            send.setAtIndex(ValueLayout.JAVA_FLOAT, i, value);
        }
    }
}
