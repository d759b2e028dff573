package org.yalis.engine.comm;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

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
 *
 * <p>It measures the steady state, as OSU's and Intel's MPI benchmarks do: the whole run warms up once
 * (every operation, smallest and largest size, until the JIT has compiled the path and the ranks' threads
 * are awake), then each size is timed as {@code repeats} samples of many back-to-back iterations (more
 * for small messages, {@link #iterationsFor}), one barrier before each sample; a sample's time is its
 * slowest rank's, divided by its iterations. The median and the 99th percentile of the samples are
 * reported.
 *
 * <p>Buffers are host memory, or GPU memory for the device collectives ({@link BenchmarkBuffers}); a
 * sample ends when the buffers say its last collective has finished, since a stream-ordered one
 * returns as soon as it is queued.
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
     * @param buffers where the buffers were: "host" or "device"
     * @param bytes   message size: the buffer each rank reduces or broadcasts, the gathered result for all-gather
     */
    public record Result(String backend, int ranks, String group, Operation operation, String dtype, String buffers,
                         long bytes, double medianMicros, double minMicros, double maxMicros, int repeats,
                         double p99Micros, int iterations) {

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

    /** What to measure, in elements of {@code dtype}. */
    public record Plan(List<Operation> operations, long minBytes, long maxBytes, int warmup, int repeats,
                       String groupName, DType dtype) {

        /** In f32. */
        public Plan(List<Operation> operations, long minBytes, long maxBytes, int warmup, int repeats,
                    String groupName) {
            this(operations, minBytes, maxBytes, warmup, repeats, groupName, DType.F32);
        }

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

    /** Runs {@code plan} on this rank of {@code group} in host memory; every rank returns the same results. */
    public static List<Result> run(Communicator group, Plan plan) {
        return run(group, plan, HostBenchmarkBuffers::new);
    }

    /**
     * Runs {@code plan} with buffers from {@code buffers}, made for this run and closed after it;
     * every rank returns the same results.
     */
    public static List<Result> run(Communicator group, Plan plan, Supplier<BenchmarkBuffers> buffers) {
        int n = group.size();
        DType dtype = plan.dtype();
        int width = dtype.byteSize();
        List<Result> results = new ArrayList<>();
        try (BenchmarkBuffers memory = buffers.get()) {
            long elements = Math.max(1, plan.maxBytes() / width);
            MemorySegment send = memory.allocate(elements * width);
            MemorySegment gathered = memory.allocate(elements * width);
            warmUp(group, plan, memory, send, gathered);
            for (Operation operation : plan.operations()) {
                for (long bytes : plan.sizes()) {
                    int count = (int) Math.max(1, bytes / width);
                    // Filled and checked once: later iterations reduce already-reduced values, which costs the same.
                    memory.fill(send, dtype, count, group.rank() + 1);
                    once(group, operation, send, gathered, count, dtype);
                    memory.synchronize();
                    check(operation, memory, send, gathered, count, dtype, group);
                    int iterations = calibrated(group, operation, memory, send, gathered, count, dtype, bytes);
                    double[] micros = new double[plan.repeats()];
                    for (int sample = -plan.warmup(); sample < plan.repeats(); sample++) {
                        group.barrier();
                        long start = System.nanoTime();
                        for (int i = 0; i < iterations; i++) {
                            once(group, operation, send, gathered, count, dtype);
                        }
                        memory.synchronize();
                        long elapsed = System.nanoTime() - start;
                        long slowest = Arrays.stream(group.allGatherLong(elapsed)).max().orElseThrow();
                        if (sample >= 0) {
                            micros[sample] = slowest / 1e3 / iterations;
                        }
                    }
                    Arrays.sort(micros);
                    results.add(new Result(group.backend(), n, plan.groupName(), operation,
                            dtype.name().toLowerCase(Locale.ROOT), memory.memory(),
                            operation == Operation.ALL_GATHER ? (long) Math.max(1, count / n) * n * width
                                    : (long) count * width,
                            micros[micros.length / 2], micros[0], micros[micros.length - 1], plan.repeats(),
                            micros[Math.min(micros.length - 1, (int) Math.ceil(0.99 * micros.length) - 1)], iterations));
                }
            }
        }
        return results;
    }

    /** Iterations per timed sample: about 8 MiB moved per sample, at least 2 and at most 500 iterations. */
    static int iterationsFor(long bytes) {
        return (int) Math.max(2, Math.min(500, (8L << 20) / Math.max(1, bytes)));
    }

    /** A sample takes at most about this long, however slow a call is (ranks oversubscribing the cores). */
    private static final long SAMPLE_NANOS = 5_000_000;
    /** The whole run's warm-up stops after this long even if its iterations are not done. */
    private static final long WARMUP_NANOS = 300_000_000;

    /**
     * {@link #iterationsFor}, or fewer where a call is so slow that a sample would take more than
     * {@link #SAMPLE_NANOS}: a few calls are timed first, and every rank takes the slowest rank's time, so
     * that all run the same number.
     */
    private static int calibrated(Communicator group, Operation operation, BenchmarkBuffers memory, MemorySegment send,
                                  MemorySegment gathered, int count, DType dtype, long bytes) {
        int probes = 3;
        group.barrier();
        long start = System.nanoTime();
        for (int i = 0; i < probes; i++) {
            once(group, operation, send, gathered, count, dtype);
        }
        memory.synchronize();
        long perCall = Arrays.stream(group.allGatherLong((System.nanoTime() - start) / probes)).max().orElseThrow();
        return (int) Math.max(2, Math.min(iterationsFor(bytes), SAMPLE_NANOS / Math.max(1, perCall)));
    }

    /**
     * One warm-up for the whole run: every operation at the smallest and the largest size, many times (small
     * messages 20 samples' worth: enough for the JIT to compile the whole call path), in rounds whose
     * slowest rank's time every rank sees, so that all stop together once {@link #WARMUP_NANOS} have passed.
     */
    private static void warmUp(Communicator group, Plan plan, BenchmarkBuffers memory, MemorySegment send,
                               MemorySegment gathered) {
        DType dtype = plan.dtype();
        long start = System.nanoTime();
        for (Operation operation : plan.operations()) {
            for (long bytes : List.of(plan.minBytes(), plan.maxBytes())) {
                int count = (int) Math.max(1, bytes / dtype.byteSize());
                memory.fill(send, dtype, count, group.rank() + 1);
                int rounds = bytes <= (64 << 10) ? 20 : 1;
                for (int round = 0; round < rounds; round++) {
                    for (int i = 0; i < iterationsFor(bytes); i++) {
                        once(group, operation, send, gathered, count, dtype);
                    }
                    memory.synchronize();
                    long elapsed = Arrays.stream(group.allGatherLong(System.nanoTime() - start)).max().orElseThrow();
                    if (elapsed > WARMUP_NANOS) {
                        return;
                    }
                }
            }
        }
    }

    private static void once(Communicator group, Operation operation, MemorySegment send, MemorySegment gathered,
                             int count, DType dtype) {
        int n = group.size();
        switch (operation) {
            case ALL_REDUCE -> group.allReduceSum(new Tensor(send, dtype, 1, count));
            case ALL_GATHER -> {
                int perRank = Math.max(1, count / n);
                group.allGather(new Tensor(send, dtype, 1, perRank), new Tensor(gathered, dtype, n, perRank));
            }
            case BROADCAST -> group.broadcast(new Tensor(send, dtype, 1, count), 0);
        }
    }

    /** Verifies the first run's result, so a fast number is never a wrong one. */
    private static void check(Operation operation, BenchmarkBuffers memory, MemorySegment send,
                              MemorySegment gathered, int count, DType dtype, Communicator group) {
        int n = group.size();
        float expected;
        float actual;
        switch (operation) {
            case ALL_REDUCE -> {
                expected = n * (n + 1) / 2f;
                actual = memory.read(send, dtype, count - 1);
            }
            case ALL_GATHER -> {
                int perRank = Math.max(1, count / n);
                expected = n;
                actual = memory.read(gathered, dtype, (long) perRank * n - 1);
            }
            default -> {
                expected = 1;
                actual = memory.read(send, dtype, count - 1);
            }
        }
        if (actual != expected) {
            throw new IllegalStateException(String.format(Locale.ROOT, "%s over %d ranks (%s) gave %s, expected %s",
                    operation.label(), n, group.backend(), actual, expected));
        }
    }
}
