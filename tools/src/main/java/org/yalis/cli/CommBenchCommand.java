package org.yalis.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import org.yalis.engine.Sizes;
import org.yalis.engine.YalisException;
import org.yalis.engine.comm.CollectiveBenchmark;
import org.yalis.engine.comm.Communicator;
import org.yalis.engine.comm.LocalCommunicator;
import org.yalis.engine.comm.MpiCommunicator;

/** {@code yalis comm-bench}: collective latency and bandwidth over message sizes. */
@Command(name = "comm-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure all-reduce, all-gather and broadcast latency and bus bandwidth over message sizes.")
final class CommBenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--collective", paramLabel = "NAME", defaultValue = "local",
            description = "Collective backend: local (ranks as threads of this process) or mpi (ranks as the "
                    + "processes of mpirun -np N bin/yalis comm-bench --collective mpi).")
    String collective;

    @Option(names = "--ranks", paramLabel = "N", defaultValue = "2",
            description = "In-process ranks (local); under mpi the job's size.")
    int ranks;

    @Option(names = "--grid", paramLabel = "R,C", split = ",",
            description = "Also measure inside the row groups (C ranks) and column groups (R ranks) of an R x C grid.")
    int[] grid;

    @Option(names = "--ops", paramLabel = "OP", split = ",", defaultValue = "all-reduce,all-gather,broadcast",
            description = "Collectives to measure (default: ${DEFAULT-VALUE}).")
    List<String> operations;

    @Option(names = "--min-bytes", paramLabel = "SIZE", defaultValue = "1KiB", description = "Smallest message.")
    String minBytes;

    @Option(names = "--max-bytes", paramLabel = "SIZE", defaultValue = "256MiB", description = "Largest message.")
    String maxBytes;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "5", description = "Untimed runs per size.")
    int warmup;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "20", description = "Timed runs per size (median).")
    int repeat;

    @Option(names = "--json", description = "One JSON object per measurement and line on stdout.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!collective.equals("local") && !collective.equals("mpi")) {
            throw new YalisException("unknown --collective '" + collective + "'; available: local, mpi");
        }
        if (ranks < 1) {
            throw new YalisException("--ranks must be at least 1, got " + ranks);
        }
        if (repeat < 1 || warmup < 0) {
            throw new YalisException("--repeat must be at least 1 and --warmup at least 0");
        }
        long smallest = Sizes.parse(minBytes);
        long largest = Sizes.parse(maxBytes);
        if (smallest < 4 || largest < smallest) {
            throw new YalisException("--min-bytes must be at least 4 and at most --max-bytes");
        }
        List<CollectiveBenchmark.Operation> ops = operations();
        if (collective.equals("mpi")) {
            return measureAsMpiRank(ops, smallest, largest);
        }
        checkGrid(ranks);
        List<Communicator> world = LocalCommunicator.createGroup(ranks);
        ExecutorService threads = Executors.newFixedThreadPool(ranks, Thread.ofPlatform().name("yalis-rank-", 0)
                .daemon().factory());
        try {
            List<Future<List<CollectiveBenchmark.Result>>> futures = new ArrayList<>();
            for (int r = 0; r < ranks; r++) {
                Communicator communicator = world.get(r);
                futures.add(threads.submit(() -> measure(communicator, ops, smallest, largest)));
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
    private int measureAsMpiRank(List<CollectiveBenchmark.Operation> ops, long smallest, long largest)
            throws Exception {
        MpiCommunicator world = MpiCommunicator.world();
        try {
            checkGrid(world.size());
            List<CollectiveBenchmark.Result> results;
            try {
                results = measure(world, ops, smallest, largest);
            } catch (RuntimeException | Error e) {
                world.abort(e);
                throw e;
            }
            if (world.rank() == 0) {
                print(spec.commandLine().getOut(), results);
            }
        } finally {
            world.close();
            org.yalis.bindings.mpi.Mpi.current().ifPresent(org.yalis.bindings.mpi.Mpi::close);
        }
        return 0;
    }

    /** One rank's share: the world, then (with --grid) its row and column groups. */
    private List<CollectiveBenchmark.Result> measure(Communicator world, List<CollectiveBenchmark.Operation> ops,
                                                     long smallest, long largest) {
        List<CollectiveBenchmark.Result> results = new ArrayList<>(CollectiveBenchmark.run(world,
                new CollectiveBenchmark.Plan(ops, smallest, largest, warmup, repeat, "world")));
        if (grid != null) {
            int cols = grid[1];
            int row = world.rank() / cols;
            int col = world.rank() % cols;
            Communicator rowGroup = world.split(row, col);
            Communicator columnGroup = world.split(col, row);
            results.addAll(CollectiveBenchmark.run(rowGroup,
                    new CollectiveBenchmark.Plan(ops, smallest, largest, warmup, repeat, "row")));
            results.addAll(CollectiveBenchmark.run(columnGroup,
                    new CollectiveBenchmark.Plan(ops, smallest, largest, warmup, repeat, "column")));
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
                line.put("bytes", r.bytes());
                line.put("time_us", round(r.medianMicros()));
                line.put("time_us_min", round(r.minMicros()));
                line.put("time_us_max", round(r.maxMicros()));
                line.put("algbw_gbps", significant(r.algorithmGigabytesPerSecond()));
                line.put("busbw_gbps", significant(r.busGigabytesPerSecond()));
                line.put("repeats", r.repeats());
                out.println(mapper.writeValueAsString(line));
            }
        } else {
            out.printf(Locale.ROOT, "%-8s %-7s %5s %-11s %12s %12s %10s %10s%n", "backend", "group", "ranks", "op",
                    "bytes", "time (us)", "algbw GB/s", "busbw GB/s");
            for (CollectiveBenchmark.Result r : results) {
                out.printf(Locale.ROOT, "%-8s %-7s %5d %-11s %12d %12.1f %10.2f %10.2f%n", r.backend(), r.group(),
                        r.ranks(), r.operation().label(), r.bytes(), r.medianMicros(),
                        r.algorithmGigabytesPerSecond(), r.busGigabytesPerSecond());
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
