package org.yalis.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import org.yalis.bindings.cuda.CudaRuntime;
import org.yalis.bindings.cuda.CudaStream;
import org.yalis.bindings.cuda.CudaStreamFlag;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.Sizes;
import org.yalis.engine.metrics.ProcessMemory;
import org.yalis.engine.YalisException;
import org.yalis.engine.comm.BenchmarkBuffers;
import org.yalis.engine.comm.CollectiveBenchmark;
import org.yalis.engine.comm.CollectiveBackend;
import org.yalis.engine.comm.CollectiveBackends;
import org.yalis.engine.comm.Communicator;
import org.yalis.engine.comm.CudaBenchmarkBuffers;
import org.yalis.engine.comm.DeviceStream;
import org.yalis.engine.comm.HostBenchmarkBuffers;
import org.yalis.engine.comm.MpiCommunicator;
import org.yalis.engine.comm.RankCollectives;
import org.yalis.engine.model.Phase;
import org.yalis.engine.tensor.DType;

/** {@code yalis comm-bench}: collective latency and bandwidth over message sizes. */
@Command(name = "comm-bench", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = "Measure all-reduce, all-gather and broadcast latency and bus bandwidth over message sizes.")
final class CommBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--collective", paramLabel = "NAME", defaultValue = "local",
            completionCandidates = BackendNames.Collectives.class,
            description = "Collective backend: ${COMPLETION-CANDIDATES} ('yalis info' says what each is; ranks as "
                    + "processes under mpirun -np N bin/yalis comm-bench --collective NAME). Default: ${DEFAULT-VALUE}.")
    String collective;

    @Option(names = "--device-buffers",
            description = "With mpi: buffers in GPU memory (the local rank's GPU), staged through pinned host memory"
                    + " or handed to a CUDA-aware MPI, to compare with nccl. nccl always uses GPU buffers.")
    boolean deviceBuffers;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "f32",
            description = "Element type: f32 or bf16 (bf16 needs GPU buffers: nccl, or mpi --device-buffers).")
    String dtypeName;

    @Option(names = "--ranks", paramLabel = "N", defaultValue = "2",
            description = "In-process ranks (local); under mpi the job's size.")
    int ranks;

    @Option(names = "--grid", paramLabel = "R,C", split = ",", hideParamSyntax = true,
            description = "Also measure inside the row groups (C ranks) and column groups (R ranks) of an R x C grid (default: the whole group only).")
    int[] grid;

    @Option(names = "--ops", paramLabel = "OP", split = ",", defaultValue = "all-reduce,all-gather,broadcast",
            description = "Collectives to measure (default: ${DEFAULT-VALUE}).")
    List<String> operations;

    @Option(names = "--min-bytes", paramLabel = "SIZE", defaultValue = "1KiB", description = "Smallest message.")
    String minBytes;

    @Option(names = "--max-bytes", paramLabel = "SIZE", defaultValue = "256MiB", description = "Largest message.")
    String maxBytes;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2", description = "Untimed samples per size, after "
            + "the whole run's warm-up (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "20", description = "Timed samples per size, each of "
            + "many iterations (8 MiB moved, 2 to 500 iterations): median and p99 (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--json", description = "One JSON object per measurement and line on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        CollectiveBackend backend = CollectiveBackends.find(collective).orElseThrow(() -> new YalisException(
                "unknown --collective '" + collective + "'; available: " + CollectiveBackends.names()));
        if (backend.needsCommProfile()) {
            throw new YalisException("comm-bench measures one backend at a time, and the " + collective + " collective "
                    + "chooses among them from those measurements; measure the others (" + String.join(", ",
                    CollectiveBackends.available().stream().filter(b -> !b.needsCommProfile())
                            .map(CollectiveBackend::name).toList()) + ")");
        }
        boolean ranksAsThreads = backend.ranks() == CollectiveBackend.Ranks.THREADS;
        if (deviceBuffers && !backend.movesDeviceBuffers()) {
            throw new YalisException("--device-buffers needs --collective " + String.join(" or ",
                    CollectiveBackends.available().stream().filter(b -> b.movesDeviceBuffers() && !b.needsCommProfile())
                            .map(CollectiveBackend::name).toList()) + ": " + collective + " ranks exchange host memory");
        }
        boolean onGpu = deviceBuffers || !backend.movesHostBuffers();
        DType dtype = DType.parse(dtypeName).filter(t -> t == DType.F32 || t == DType.BF16).orElseThrow(
                () -> new YalisException("unknown --dtype '" + dtypeName + "'; available: f32, bf16"));
        if (dtype == DType.BF16 && !onGpu) {
            throw new YalisException("--dtype bf16 needs GPU buffers: --collective nccl, or --collective mpi"
                    + " --device-buffers (host collectives sum f32 only)");
        }
        if (ranks < 1) {
            throw new YalisException("--ranks must be at least 1, got " + ranks);
        }
        int maxLocalRanks = EngineOptions.maxThreadsHere();
        if (ranksAsThreads && ranks > maxLocalRanks) {
            throw new YalisException("--ranks " + ranks + " in-process ranks are threads: at most "
                    + EngineOptions.MAX_THREADS_PER_CPU + " per logical CPU (" + maxLocalRanks + " here); for more, run "
                    + "ranks as processes (mpirun -np N bin/yalis comm-bench --collective mpi)");
        }
        if (repeat < 1 || warmup < 0) {
            throw new YalisException("--repeat must be at least 1 and --warmup at least 0");
        }
        long smallest = Sizes.parse(minBytes, "--min-bytes");
        long largest = Sizes.parse(maxBytes, "--max-bytes");
        if (smallest < 4 || largest < smallest) {
            throw new YalisException("--min-bytes must be at least 4 and at most --max-bytes");
        }
        List<CollectiveBenchmark.Operation> ops = operations();
        // Each rank holds a send and a receive buffer of the largest message (in-process ranks also share a
        // sum buffer): refuse what cannot fit before allocating it, rather than failing in the middle.
        int ranksHere = ranksAsThreads ? ranks : 1;
        long needed = 3 * largest * ranksHere;
        long available = ProcessMemory.availableBytes();
        if (!onGpu && needed > available) {
            throw new YalisException("--max-bytes " + Sizes.format(largest) + " needs about " + Sizes.format(needed)
                    + " of buffers on " + ranksHere + " rank(s) here, but " + Sizes.format(available)
                    + " of memory is available; lower --max-bytes to at most " + Sizes.format(available / 3 / ranksHere));
        }
        if (!ranksAsThreads) {
            RankCollectives.checkLaunch(Set.of(collective), onGpu);
            return measureAsMpiRank(ops, smallest, largest, dtype, onGpu);
        }
        checkGrid(ranks);
        List<Communicator> world = backend.threadRanks(ranks);
        ExecutorService threads = Executors.newFixedThreadPool(ranks, Thread.ofPlatform().name("yalis-rank-", 0)
                .daemon().factory());
        try {
            List<Future<List<CollectiveBenchmark.Result>>> futures = new ArrayList<>();
            for (int r = 0; r < ranks; r++) {
                Communicator communicator = world.get(r);
                futures.add(threads.submit(() -> measure(communicator, ops, smallest, largest, DType.F32,
                        HostBenchmarkBuffers::new)));
            }
            List<CollectiveBenchmark.Result> results = null;
            for (Future<List<CollectiveBenchmark.Result>> future : futures) {
                try {
                    List<CollectiveBenchmark.Result> rankResults = future.get();
                    results = results == null ? rankResults : results;
                } catch (ExecutionException e) {
                    world.getFirst().abort(e.getCause());
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }
            print(spec.commandLine().getOut(), results);
        } finally {
            threads.shutdownNow();
        }
        return 0;
    }

    private List<CollectiveBenchmark.Operation> operations() {
        List<CollectiveBenchmark.Operation> ops = new ArrayList<>();
        for (String name : operations) {
            try {
                ops.add(CollectiveBenchmark.Operation.parse(name));
            } catch (IllegalArgumentException e) {
                throw new YalisException("unknown collective '" + name + "' in --ops; use all-reduce, all-gather, broadcast");
            }
        }
        return ops;
    }

    private void checkGrid(int size) {
        if (grid != null && (grid.length != 2 || grid[0] * grid[1] != size)) {
            throw new YalisException("--grid R,C must have R x C = the number of ranks (" + size + ")");
        }
    }

    /** This process is one rank of an MPI job; rank 0 prints. */
    private int measureAsMpiRank(List<CollectiveBenchmark.Operation> ops, long smallest, long largest, DType dtype,
                                 boolean onGpu) throws Exception {
        MpiCommunicator mpiWorld = MpiCommunicator.world();
        try {
            checkGrid(mpiWorld.size());
            List<CollectiveBenchmark.Result> results;
            try {
                results = onGpu ? measureOnGpu(mpiWorld, ops, smallest, largest, dtype)
                        : measureOnHost(mpiWorld, ops, smallest, largest, dtype);
            } catch (RuntimeException | Error e) {
                mpiWorld.abort(e);
                throw e;
            }
            if (mpiWorld.rank() == 0) {
                print(spec.commandLine().getOut(), results);
            }
        } finally {
            mpiWorld.close();
            org.yalis.bindings.mpi.Mpi.current().ifPresent(org.yalis.bindings.mpi.Mpi::close);
        }
        return 0;
    }

    /** Host buffers, over the chosen backend's communicator (for mpi the world itself). */
    private List<CollectiveBenchmark.Result> measureOnHost(MpiCommunicator mpiWorld,
                                                           List<CollectiveBenchmark.Operation> ops, long smallest,
                                                           long largest, DType dtype) {
        Communicator world = RankCollectives.world(mpiWorld, collective, collective, false, () -> Phase.PREFILL);
        try {
            return measure(world, ops, smallest, largest, dtype, HostBenchmarkBuffers::new);
        } finally {
            if (world != mpiWorld) {
                world.close();
            }
        }
    }

    /**
     * GPU buffers on the local rank's GPU, with one stream for the collectives and the buffers' copies
     * (what a compute backend's stream is in a real run): nccl, or mpi staged or CUDA-aware.
     */
    private List<CollectiveBenchmark.Result> measureOnGpu(MpiCommunicator mpiWorld,
                                                          List<CollectiveBenchmark.Operation> ops, long smallest,
                                                          long largest, DType dtype) {
        Communicator world = RankCollectives.world(mpiWorld, collective, collective, true, () -> Phase.PREFILL);
        int gpu = RankCollectives.gpuFor(Set.of(collective));
        CudaRuntime cuda = CudaRuntime.shared();
        cuda.setDevice(gpu);
        CudaStream stream = cuda.streamCreateWithFlags(CudaStreamFlag.NON_BLOCKING);
        List<CollectiveBenchmark.Result> results;
        try {
            DeviceStream deviceStream = new DeviceStream(gpu, stream);
            world.useDeviceStream(deviceStream);
            results = measure(world, ops, smallest, largest, dtype, () -> new CudaBenchmarkBuffers(cuda, deviceStream));
        } catch (RuntimeException | Error e) {
            // Abort before anything waits on a peer: NCCL's communicators, then every process of the job.
            world.abort(e);
            throw e;
        }
        world.close();
        cuda.streamSynchronize(stream);
        cuda.streamDestroy(stream);
        return results;
    }

    /** One rank's share: the world, then (with --grid) its row and column groups. */
    private List<CollectiveBenchmark.Result> measure(Communicator world, List<CollectiveBenchmark.Operation> ops,
                                                     long smallest, long largest, DType dtype,
                                                     Supplier<BenchmarkBuffers> buffers) {
        List<CollectiveBenchmark.Result> results = new ArrayList<>(CollectiveBenchmark.run(world,
                new CollectiveBenchmark.Plan(ops, smallest, largest, warmup, repeat, "world", dtype), buffers));
        if (grid != null) {
            int cols = grid[1];
            int row = world.rank() / cols;
            int col = world.rank() % cols;
            Communicator rowGroup = world.split(row, col);
            Communicator columnGroup = world.split(col, row);
            results.addAll(CollectiveBenchmark.run(rowGroup,
                    new CollectiveBenchmark.Plan(ops, smallest, largest, warmup, repeat, "row", dtype), buffers));
            results.addAll(CollectiveBenchmark.run(columnGroup,
                    new CollectiveBenchmark.Plan(ops, smallest, largest, warmup, repeat, "column", dtype), buffers));
            // Closed on success only: after a failure the caller aborts, and closing could wait on a dead peer.
            columnGroup.close();
            rowGroup.close();
        }
        return results;
    }

    private void print(PrintWriter out, List<CollectiveBenchmark.Result> results) throws Exception {
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            for (CollectiveBenchmark.Result r : results) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("backend", r.backend());
                line.put("ranks", r.ranks());
                line.put("group", r.group());
                line.put("op", r.operation().label());
                line.put("dtype", r.dtype());
                line.put("buffers", r.buffers());
                line.put("bytes", r.bytes());
                line.put("time_us", round(r.medianMicros()));
                line.put("time_us_min", round(r.minMicros()));
                line.put("time_us_max", round(r.maxMicros()));
                line.put("time_us_p99", round(r.p99Micros()));
                line.put("algbw_gbps", significant(r.algorithmGigabytesPerSecond()));
                line.put("busbw_gbps", significant(r.busGigabytesPerSecond()));
                line.put("repeats", r.repeats());
                line.put("iterations", r.iterations());
                out.println(mapper.writeValueAsString(line));
            }
        } else {
            out.printf(Locale.ROOT, "%-8s %-7s %5s %-11s %-5s %-7s %12s %12s %12s %10s %10s%n", "backend", "group", "ranks",
                    "op", "dtype", "buffers", "bytes", "median (us)", "p99 (us)", "algbw GB/s", "busbw GB/s");
            for (CollectiveBenchmark.Result r : results) {
                out.printf(Locale.ROOT, "%-8s %-7s %5d %-11s %-5s %-7s %12d %12.2f %12.2f %10.2f %10.2f%n", r.backend(),
                        r.group(), r.ranks(), r.operation().label(), r.dtype(), r.buffers(), r.bytes(),
                        r.medianMicros(), r.p99Micros(), r.algorithmGigabytesPerSecond(), r.busGigabytesPerSecond());
            }
        }
        out.flush();
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    /** Four significant digits: small-message bandwidths are tiny, not zero. */
    private static double significant(double value) {
        return value == 0 ? 0 : new java.math.BigDecimal(value).round(new java.math.MathContext(4)).doubleValue();
    }
}
