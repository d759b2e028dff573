package org.yalis.cli;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;
import org.yalis.engine.model.LlamaConfig;
import org.yalis.engine.plan.Calibration;
import org.yalis.engine.plan.Cluster;
import org.yalis.engine.plan.CollectiveAlgorithm;
import org.yalis.engine.plan.CollectiveTimes;
import org.yalis.engine.plan.CostModel;
import org.yalis.engine.plan.MeasuredCollectives;
import org.yalis.engine.plan.MeasuredRun;
import org.yalis.engine.plan.PlanModels;
import org.yalis.engine.plan.RunShape;
import org.yalis.engine.plan.RunTrace;
import org.yalis.engine.plan.StepTrace;
import org.yalis.engine.plan.StepTracer;
import org.yalis.engine.tensor.DType;

/**
 * {@code yalis plan}: predicts a run's breakdown on a cluster from a dry run of the engine's own code (the
 * sharding plan, the scheduler, the forward pass) priced by roofline and latency-bandwidth models.
 */
@Command(name = "plan", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = "Predict prefill and decode time by category (gemm, attention, each collective, the rest), "
                + "end-to-end latency and throughput of a run on a cluster, without running it; --sweep for strong "
                + "scaling. --calibrate fits a cluster file to bench runs of this machine; --validate compares "
                + "predictions with bench runs.")
final class PlanCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR|PRESET",
            description = "A model folder (only its config.json and tensor headers are read) or a preset: "
                    + "llama-3.2-1b, llama-3.1-8b, llama-3.1-70b, llama-3.1-405b. No default (needed unless --calibrate or --validate).")
    String model;

    @Option(names = "--tp", paramLabel = "N", description = "1D tensor parallelism over N ranks (default 1).")
    Integer tp;

    @Option(names = "--tp-dims", paramLabel = "R,C", split = ",", hideParamSyntax = true,
            description = "2D tensor parallelism over an R x C grid (default: --tp N as N,1).")
    int[] grid;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "1", description = "Prompts in the batch.")
    int batch;

    @Option(names = "--prompt-len", paramLabel = "P", defaultValue = "128", description = "Tokens per prompt.")
    int promptLength;

    @Option(names = "--decode-len", paramLabel = "D", defaultValue = "32", description = "New tokens per prompt.")
    int decodeLength;

    @Option(names = "--cluster", paramLabel = "NAME|FILE", defaultValue = "perlmutter",
            description = "A preset (perlmutter, alps, dgx-h100) or a cluster JSON file, such as the one "
                    + "--calibrate writes for this machine (docs/plan.md has the format).")
    String cluster;

    @Option(names = "--collective", paramLabel = "NAME",
            description = "The collective backend to price: one the cluster describes (nccl, mpi, hier on the "
                    + "presets), or auto (the fastest per message). Default: the cluster's first.")
    String collective;

    @Option(names = "--comm-profile", paramLabel = "FILE",
            description = "Time collectives from these 'yalis comm-bench --json' curves instead of the cluster's "
                    + "latency-bandwidth figures (default: the cluster's figures).")
    Path commProfile;

    @Option(names = "--buffers", paramLabel = "host|device", defaultValue = "host",
            description = "Which comm-bench measurements --comm-profile uses.")
    String buffers;

    @Option(names = "--weights", paramLabel = "TYPE",
            description = "Weight dtype: bf16, f16, f32 (default: the folder's, bf16 for a preset).")
    String weights;

    @Option(names = "--activations", paramLabel = "TYPE",
            description = "Activation and KV dtype: bf16 (a GPU) or f32 (the CPU backend). Default: the cluster's.")
    String activations;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "64", description = "As the engine's.")
    int maxBatch;

    @Option(names = "--max-step-tokens", paramLabel = "N", defaultValue = "512", description = "As the engine's.")
    int maxStepTokens;

    @Option(names = "--sweep", paramLabel = "N,N,...", split = ",",
            description = "Strong scaling: the same run over each of these rank counts (1D), for example "
                    + "4,8,16,32,64 (default: no sweep, the one grid of --tp or --tp-dims).")
    int[] sweep;

    @Option(names = "--sweep-2d", description = "With --sweep: every R x C grid of each rank count, not only N x 1.")
    boolean sweep2d;

    @Option(names = "--json", description = "Print JSON (one object per prediction, one per line).")
    boolean json;

    @Option(names = "--calibrate", paramLabel = "BENCH_JSON", arity = "1..*",
            description = "Fit a cluster file of this machine to these 'yalis bench --profile --json' results "
                    + "(with --comm-profile for its collectives); written to --out. Default: predict instead.")
    List<Path> calibrate;

    @Option(names = "--validate", paramLabel = "BENCH_JSON", arity = "1..*",
            description = "Predict each of these bench results on --cluster and print prediction, measurement and "
                    + "error. Default: predict instead.")
    List<Path> validate;

    @Option(names = "--out", paramLabel = "FILE", description = "Where --calibrate writes the cluster file (no default: needed with --calibrate).")
    Path out;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public Integer call() throws Exception {
        PrintWriter printer = spec.commandLine().getOut();
        if (calibrate != null) {
            return calibrate(printer);
        }
        if (validate != null) {
            return validate(printer);
        }
        if (model == null) {
            throw new YalisException("--model is needed: a model folder or a preset (" + String.join(", ",
                    PlanModels.PRESETS) + ")");
        }
        Cluster machine = Cluster.load(cluster);
        LlamaConfig config = PlanModels.config(model);
        CollectiveTimes times = collectiveTimes(machine, collective);
        CostModel costs = new CostModel(machine, times);
        List<int[]> grids = new ArrayList<>();
        if (sweep != null) {
            for (int ranks : sweep) {
                if (ranks < 1) {
                    throw new YalisException("--sweep takes rank counts of at least 1, got " + ranks);
                }
                for (int rows = ranks; rows >= 1; rows--) {
                    if (ranks % rows == 0 && (sweep2d || rows == ranks)) {
                        grids.add(new int[] {rows, ranks / rows});
                    }
                }
            }
        } else {
            grids.add(grid());
        }
        RunShape base = runShape(config, machine, 1, 1);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int[] g : grids) {
            RunTrace trace;
            try {
                trace = StepTracer.trace(config, base.withGrid(g[0], g[1]));
            } catch (YalisException e) {
                if (sweep == null) {
                    throw e;
                }
                rows.add(Map.of("grid", g[0] + "x" + g[1], "error", e.getMessage()));
                continue;
            }
            CostModel.Prediction prediction = costs.predict(trace);
            Map<String, Object> row = predictionJson(prediction, machine);
            rows.add(row);
            if (json) {
                printer.println(new ObjectMapper().writeValueAsString(row));
            } else if (sweep == null) {
                printDetails(printer, prediction, machine);
            }
        }
        if (!json && sweep != null) {
            printSweep(printer, rows, machine);
        }
        printer.flush();
        return 0;
    }

    private int[] grid() {
        if (tp != null && grid != null) {
            throw new YalisException("give either --tp N or --tp-dims R,C, not both");
        }
        if (grid != null) {
            if (grid.length != 2) {
                throw new YalisException("--tp-dims takes two numbers R,C (for example 2,2), got " + grid.length);
            }
            return grid.clone();
        }
        return new int[] {tp == null ? 1 : tp, 1};
    }

    private RunShape runShape(LlamaConfig config, Cluster machine, int rows, int cols) {
        DType weightType = weights != null ? dtype(weights, "--weights") : PlanModels.weightType(model);
        DType activationType = activations != null ? dtype(activations, "--activations")
                : machine.activationType();
        return new RunShape(rows, cols, batch, promptLength, decodeLength, weightType, activationType, maxBatch,
                maxStepTokens, 16);
    }

    private static DType dtype(String name, String flag) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "bf16" -> DType.BF16;
            case "f16" -> DType.F16;
            case "f32" -> DType.F32;
            default -> throw new YalisException(flag + " " + name + " is not one of bf16, f16, f32");
        };
    }

    /** The collective times to price with: comm-bench curves, the cluster's figures, or the fastest per call. */
    private CollectiveTimes collectiveTimes(Cluster machine, String backend) {
        if (backend == null) {
            backend = machine.collectives().containsKey("nccl") ? "nccl"
                    : new TreeMap<>(machine.collectives()).firstKey();
        }
        if (backend.equals("auto")) {
            List<CollectiveTimes> candidates = new ArrayList<>();
            for (String name : new TreeMap<>(machine.collectives()).keySet()) {
                candidates.add(collectiveTimes(machine, name));
            }
            return new CollectiveTimes.Fastest(candidates);
        }
        if (commProfile != null) {
            return MeasuredCollectives.read(commProfile, backend, buffers);
        }
        return new CollectiveTimes.Analytic(backend, machine);
    }

    // --- output -----------------------------------------------------------------------------------------

    private static Map<String, Object> predictionJson(CostModel.Prediction p, Cluster machine) {
        RunTrace trace = p.trace();
        RunShape shape = trace.shape();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("cluster", machine.name());
        row.put("collective", p.collective());
        row.put("grid", shape.gridText());
        row.put("ranks", shape.ranks());
        row.put("nodes", p.placement().nodes());
        row.put("batch", shape.batch());
        row.put("prompt_len", shape.promptLength());
        row.put("decode_len", shape.decodeLength());
        row.put("weights", shape.weightType().name().toLowerCase(Locale.ROOT));
        row.put("memory_per_rank_bytes", trace.memoryBytesPerRank());
        row.put("device_memory_bytes", (long) machine.device().memoryBytes());
        row.put("fits", trace.memoryBytesPerRank() <= machine.device().memoryBytes());
        Map<String, Object> phases = new LinkedHashMap<>();
        phases.put("prefill", phaseJson(p.prefill()));
        phases.put("decode", phaseJson(p.decode()));
        phases.put("decode_10_steps", phaseJson(p.decode().averageSteps(10)));
        row.put("breakdown", phases);
        Map<String, Object> messages = new LinkedHashMap<>();
        messages.put("prefill", messagesJson(trace.prefill()));
        messages.put("decode", messagesJson(trace.decode()));
        row.put("collectives", messages);
        row.put("e2e_ms", round(p.endToEndSeconds() * 1e3));
        row.put("throughput_tokens_per_s", round(p.throughputTokensPerSecond()));
        return row;
    }

    private static Map<String, Object> phaseJson(CostModel.PhaseCost phase) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("gemm_ms", round(phase.gemmSeconds() * 1e3));
        row.put("attention_ms", round(phase.attentionSeconds() * 1e3));
        row.put("collective_ms", round(phase.collectiveSeconds() * 1e3));
        row.put("other_ms", round(phase.otherSeconds() * 1e3));
        row.put("step_ms", round(phase.totalSeconds() * 1e3));
        row.put("collective_pct", round(100 * phase.collectiveShare()));
        row.put("steps", phase.steps());
        return row;
    }

    private static Map<String, Object> messagesJson(StepTrace phase) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("bytes", phase.collectiveBytes());
        row.put("calls", phase.collectiveCalls());
        Map<String, Long> sizes = new LinkedHashMap<>();
        phase.collectiveMessages().forEach((size, count) -> sizes.put(String.valueOf(size), count));
        row.put("message_bytes", sizes);
        return row;
    }

    private void printDetails(PrintWriter out, CostModel.Prediction p, Cluster machine) {
        RunTrace trace = p.trace();
        RunShape shape = trace.shape();
        out.printf(Locale.ROOT, "plan: %s on %s (%s), grid %s = %d ranks on %d node(s), batch %d, prompt %d, decode %d,"
                        + " collective %s, weights %s, activations %s%n", model, machine.name(), machine.device().name(),
                shape.gridText(), shape.ranks(), p.placement().nodes(), shape.batch(), shape.promptLength(),
                shape.decodeLength(), p.collective(), lower(shape.weightType()), lower(shape.activationType()));
        double gb = 1e9;
        boolean fits = trace.memoryBytesPerRank() <= machine.device().memoryBytes();
        out.printf(Locale.ROOT, "memory per rank: %.2f GB (weights and activations %.2f, KV cache %.2f) of %.1f GB: %s%n",
                trace.memoryBytesPerRank() / gb, trace.allocatedBytesPerRank() / gb, trace.kvCacheBytesPerRank() / gb,
                machine.device().memoryBytes() / gb, fits ? "fits" : "DOES NOT FIT; " + whatFits(trace, machine));
        out.printf(Locale.ROOT, "%-16s %10s %12s %13s %10s %10s %8s %7s%n", "phase", "gemm ms", "attention ms",
                "collective ms", "other ms", "total ms", "coll %", "steps");
        printPhase(out, "prefill", p.prefill());
        printPhase(out, "decode", p.decode());
        printPhase(out, "decode_10_steps", p.decode().averageSteps(10));
        for (String phaseName : List.of("prefill", "decode")) {
            StepTrace phase = phaseName.equals("prefill") ? trace.prefill() : trace.decode();
            CostModel.PhaseCost cost = phaseName.equals("prefill") ? p.prefill() : p.decode();
            if (phase.collectives().isEmpty()) {
                continue;
            }
            out.printf(Locale.ROOT, "%s collectives (%d calls, %s in all, %.2f ms):%n", phaseName,
                    phase.collectiveCalls(), org.yalis.engine.Sizes.format(phase.collectiveBytes()), cost.collectiveSeconds() * 1e3);
            Map<String, long[]> grouped = new TreeMap<>();
            phase.collectives().forEach((call, count) -> {
                String key = String.format(Locale.ROOT, "  %-10s over %2d ranks: %10s", call.kind() ==
                        StepTrace.CollectiveKind.ALL_REDUCE ? "all-reduce" : "all-gather", call.groupSize(),
                        org.yalis.engine.Sizes.format(call.bytes()));
                grouped.computeIfAbsent(key, k -> new long[1])[0] += count;
            });
            grouped.forEach((key, count) -> out.printf(Locale.ROOT, "%s x %d%n", key, count[0]));
        }
        out.printf(Locale.ROOT, "end to end: %.1f ms (prefill %.1f, decode %.1f); %.1f generated tokens/s%n",
                p.endToEndSeconds() * 1e3, p.prefill().totalSeconds() * 1e3, p.decode().totalSeconds() * 1e3,
                p.throughputTokensPerSecond());
    }

    private static String whatFits(RunTrace trace, Cluster machine) {
        // Weights and the KV cache split over ranks; the ranks needed at least scale with the bytes.
        long perRank = trace.memoryBytesPerRank();
        int ranks = trace.shape().ranks();
        long needed = (long) Math.ceil((double) perRank * ranks / machine.device().memoryBytes());
        int power = 1;
        while (power < needed) {
            power *= 2;
        }
        return "about " + org.yalis.engine.Sizes.format(perRank * ranks) + " in all needs at least " + needed + " devices (try --tp "
                + power + ", or a shorter run)";
    }

    private static void printPhase(PrintWriter out, String name, CostModel.PhaseCost c) {
        out.printf(Locale.ROOT, "%-16s %10.2f %12.2f %13.2f %10.2f %10.2f %8.1f %7d%n", name, c.gemmSeconds() * 1e3,
                c.attentionSeconds() * 1e3, c.collectiveSeconds() * 1e3, c.otherSeconds() * 1e3,
                c.totalSeconds() * 1e3, 100 * c.collectiveShare(), c.steps());
    }

    @SuppressWarnings("unchecked")
    private void printSweep(PrintWriter out, List<Map<String, Object>> rows, Cluster machine) {
        out.printf(Locale.ROOT, "strong scaling: %s on %s, batch %d, prompt %d, decode %d%n", model, machine.name(),
                batch, promptLength, decodeLength);
        out.printf(Locale.ROOT, "%-7s %5s %5s %6s | %10s %10s %8s | %10s %10s %8s | %10s %8s %9s%n", "grid", "ranks",
                "nodes", "fits", "pf gemm", "pf coll", "pf total", "dec gemm", "dec coll", "dec tot", "e2e ms",
                "coll %", "tok/s");
        for (Map<String, Object> row : rows) {
            if (row.containsKey("error")) {
                out.printf(Locale.ROOT, "%-7s %s%n", row.get("grid"), row.get("error"));
                continue;
            }
            Map<String, Object> phases = (Map<String, Object>) row.get("breakdown");
            Map<String, Object> pf = (Map<String, Object>) phases.get("prefill");
            Map<String, Object> dec = (Map<String, Object>) phases.get("decode");
            double coll = ((Number) pf.get("collective_ms")).doubleValue() + ((Number) dec.get("collective_ms")).doubleValue();
            double e2e = ((Number) row.get("e2e_ms")).doubleValue();
            out.printf(Locale.ROOT, "%-7s %5s %5s %6s | %10.1f %10.1f %8.1f | %10.1f %10.1f %8.1f | %10.1f %8.1f %9.1f%n",
                    row.get("grid"), row.get("ranks"), row.get("nodes"), (Boolean) row.get("fits") ? "yes" : "NO",
                    num(pf.get("gemm_ms")), num(pf.get("collective_ms")), num(pf.get("step_ms")),
                    num(dec.get("gemm_ms")), num(dec.get("collective_ms")), num(dec.get("step_ms")), e2e,
                    100 * coll / e2e, num(row.get("throughput_tokens_per_s")));
        }
    }

    // --- calibration and validation ---------------------------------------------------------------------

    private List<MeasuredRun> readRuns(List<Path> files) {
        List<MeasuredRun> runs = new ArrayList<>();
        for (Path file : files) {
            String text = new String(UserFiles.read(file, "bench result"), StandardCharsets.UTF_8);
            int line = 0;
            for (String row : text.lines().toList()) {
                line++;
                if (row.isBlank()) {
                    continue;
                }
                JsonNode node = UserFiles.parseJson(row.getBytes(StandardCharsets.UTF_8), file + " line " + line,
                        "give the output of yalis bench --profile --json");
                if (node.has("breakdown")) {
                    runs.add(MeasuredRun.fromBenchJson(node, file.getFileName() + (line > 1 ? ":" + line : "")));
                }
            }
        }
        if (runs.isEmpty()) {
            throw new YalisException("no bench results in " + files + "; give the output of yalis bench --profile --json");
        }
        return runs;
    }

    private RunTrace traceOf(MeasuredRun run) {
        LlamaConfig config = PlanModels.config(run.model());
        DType weightType = PlanModels.weightType(run.model());
        return StepTracer.trace(config, new RunShape(run.tpRows(), run.tpCols(), run.batch(), run.promptLength(),
                run.decodeLength(), weightType, DType.F32, maxBatch, maxStepTokens, 16));
    }

    private CollectiveTimes timesOf(MeasuredRun run, Cluster machine) {
        if (run.tpRows() * run.tpCols() == 1) {
            return new CollectiveTimes.Analytic(new TreeMap<>(machine.collectives()).firstKey(), machine);
        }
        return collectiveTimes(machine, run.collective());
    }

    private int calibrate(PrintWriter printer) throws Exception {
        if (out == null) {
            throw new YalisException("--calibrate writes a cluster file: give --out FILE");
        }
        List<MeasuredRun> runs = readRuns(calibrate);
        MeasuredRun first = runs.getFirst();
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        Map<String, Cluster.CollectiveSoftware> software = new LinkedHashMap<>();
        double[] link = {1e-6, 10e9};
        if (commProfile != null) {
            for (String backend : List.of("local", "mpi")) {
                try {
                    MeasuredCollectives curves = MeasuredCollectives.read(commProfile, backend, buffers);
                    double[] fitted = fitRing(curves);
                    software.put(backend, new Cluster.CollectiveSoftware(CollectiveAlgorithm.RING_OR_TREE,
                            fitted[0], 0, 1));
                    link[1] = fitted[1];
                } catch (YalisException e) {
                    // a backend comm-bench did not measure is left out
                }
            }
        }
        if (software.isEmpty()) {
            software.put("local", new Cluster.CollectiveSoftware(CollectiveAlgorithm.RING_OR_TREE, 5e-6, 0, 1));
        }
        Cluster start = new Cluster("local", "this machine, calibrated by yalis plan --calibrate on " + runs.size()
                + " bench runs", 1, 1, new Cluster.Device("this CPU", first.gemmGigaflops() * 1e9,
                first.readGigabytesPerSecond() * 1e9, memory, 0.5, 8, 0.8, 0.2, 1e-5, 1e-4, 1e-5, 0.1, DType.F32),
                new Cluster.Link(link[1], 0), new Cluster.Network(1, link[1], 0), software);
        List<Calibration.Sample> samples = new ArrayList<>();
        for (MeasuredRun run : runs) {
            samples.add(new Calibration.Sample(run, traceOf(run), timesOf(run, start)));
        }
        Cluster fitted = Calibration.fit(start, samples);
        UserFiles.writeAtomically(out, JSON.writeValueAsBytes(fitted.toJson()), "--out");
        printer.printf(Locale.ROOT, "calibrated %s on %d runs -> %s%n", fitted.device().name(), runs.size(), out);
        printComparison(printer, runs, fitted);
        printer.flush();
        return 0;
    }

    /** Latency and bandwidth of the two-rank ring that fits a comm-bench all-reduce curve best (weighted least squares). */
    private static double[] fitRing(MeasuredCollectives curves) {
        MeasuredCollectives.Curve points = curves.curves().get("all-reduce/2");
        if (points == null) {
            throw new YalisException("no 2-rank all-reduce");
        }
        // t = a + b * bytes, each point weighted by 1/t^2 so that small and large messages count alike.
        double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int i = 0; i < points.bytes().length; i++) {
            double x = points.bytes()[i];
            double y = points.micros()[i] * 1e-6;
            double w = 1 / (y * y);
            sw += w;
            sx += w * x;
            sy += w * y;
            sxx += w * x * x;
            sxy += w * x * y;
        }
        double b = (sw * sxy - sx * sy) / (sw * sxx - sx * sx);
        double a = (sy - b * sx) / sw;
        // Two ranks: a ring is 2 steps of alpha and bytes / bandwidth in all.
        return new double[] {Math.max(a / 2, 0), 1 / Math.max(b, 1e-15)};
    }

    private int validate(PrintWriter printer) {
        Cluster machine = Cluster.load(cluster);
        List<MeasuredRun> runs = readRuns(validate);
        printComparison(printer, runs, machine);
        printer.flush();
        return 0;
    }

    private void printComparison(PrintWriter out, List<MeasuredRun> runs, Cluster machine) {
        out.printf(Locale.ROOT, "| run | grid | collective | batch | prompt | decode | predicted e2e ms | measured e2e ms "
                + "| error | predicted collective share | measured | error |%n");
        out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        double worstE2e = 0;
        double worstShare = 0;
        for (MeasuredRun run : runs) {
            RunTrace trace = traceOf(run);
            CostModel.Prediction p = new CostModel(machine, timesOf(run, machine)).predict(trace);
            double predicted = p.endToEndSeconds() * 1e3;
            double e2eError = predicted / run.endToEndMs() - 1;
            double predictedShare = (p.prefill().collectiveSeconds() + p.decode().collectiveSeconds())
                    / p.endToEndSeconds();
            double measuredShare = run.collectiveShare();
            String shareError = measuredShare > 0 ? String.format(Locale.ROOT, "%+.0f%%",
                    100 * (predictedShare / measuredShare - 1)) : "-";
            if (measuredShare > 0) {
                worstShare = Math.max(worstShare, Math.abs(predictedShare / measuredShare - 1));
            }
            worstE2e = Math.max(worstE2e, Math.abs(e2eError));
            out.printf(Locale.ROOT, "| %s | %dx%d | %s | %d | %d | %d | %.1f | %.1f | %+.1f%% | %.1f%% | %.1f%% | %s |%n",
                    run.name(), run.tpRows(), run.tpCols(), run.tpRows() * run.tpCols() == 1 ? "-" : run.collective(),
                    run.batch(), run.promptLength(), run.decodeLength(), predicted, run.endToEndMs(), 100 * e2eError,
                    100 * predictedShare, 100 * measuredShare, shareError);
        }
        out.printf(Locale.ROOT, "worst end-to-end error %.1f%%, worst collective-share error %.1f%% (%d runs)%n",
                100 * worstE2e, 100 * worstShare, runs.size());
    }

    private static String lower(DType type) {
        return type.name().toLowerCase(Locale.ROOT);
    }

    private static double num(Object value) {
        return ((Number) value).doubleValue();
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
