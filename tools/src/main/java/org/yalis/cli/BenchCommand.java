package org.yalis.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import org.yalis.engine.model.DecodeGraphs;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.Sizes;
import org.yalis.engine.Quantization;
import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;
import org.yalis.engine.tensor.ComputeBackends;
import org.yalis.engine.comm.LaunchEnvironment;
import org.yalis.engine.bench.BenchRun;
import org.yalis.engine.bench.Benchmark;
import org.yalis.engine.cpu.CpuTopology;
import org.yalis.engine.cpu.WeightPlacement;
import org.yalis.engine.cuda.CudaBackend;
import org.yalis.engine.cuda.DevicePeaks;
import org.yalis.engine.metrics.Category;
import org.yalis.engine.metrics.ComputePeak;
import org.yalis.engine.metrics.LibraryGemmPeak;
import org.yalis.engine.metrics.MemoryBandwidth;
import org.yalis.engine.metrics.ProcessMemory;
import org.yalis.engine.metrics.PhaseBreakdown;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.synth.SyntheticModels;

/**
 * {@code yalis bench}: prefill and decode speed of a fixed batch, with the time of every step broken
 * into gemm, attention, collective and other, and the decode and prefill rooflines of this machine.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = "Benchmark prefill and decode of a fixed batch, with a per-category time breakdown and rooflines.")
final class BenchCommand implements Callable<Integer> {
    /** Exit code when the run is slower than the baseline allows. */
    static final int EXIT_REGRESSION = 3;
    /** The CPU read test's buffer: well past any last-level cache this kind of machine has (480 MiB here). */
    private static final long CPU_READ_BUFFER_BYTES = 1L << 30;
    /** The GPU copy of --membw: large enough to dwarf the L2 (50-60 MB on Hopper) many times over. */
    private static final long GPU_COPY_BYTES = 1L << 30;
    /** The GPU GEMM of --membw, M = N = K: about 1.4 ms on an H100, long past launch overheads. */
    private static final int GPU_GEMM_SIZE = 8192;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR|synth:PRESET", description = "Model folder or synth:PRESET (default: none, for --membw alone).")
    String modelArgument;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "1", description = "Sequences in the batch.")
    int batch;

    @Option(names = "--prompt-len", paramLabel = "P", defaultValue = "128", description = "Prompt tokens each.")
    int promptLength;

    @Option(names = "--decode-len", paramLabel = "D", defaultValue = "32", description = "New tokens each.")
    int decodeLength;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "Unmeasured runs first.")
    int warmup;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "3", description = "Measured runs (median reported).")
    int repeat;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the random prompts.")
    long seed;

    @Mixin
    TensorParallelOptions tensorParallel = new TensorParallelOptions();

    @Mixin
    CpuComputeOptions cpuCompute = new CpuComputeOptions();

    @Option(names = "--device", paramLabel = "NAME", defaultValue = "cpu", completionCandidates = BackendNames.Devices.class,
            description = "Compute backend: ${COMPLETION-CANDIDATES} ('yalis info' says what each is). Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--attention", paramLabel = "NAME", description = "Attention backend (default: named like --device).")
    String attention;

    @Option(names = "--collective", paramLabel = "NAME", defaultValue = "local",
            completionCandidates = BackendNames.Collectives.class,
            description = "Collective backend between ranks: ${COMPLETION-CANDIDATES} ('yalis info' says what each is; "
                    + "ranks as processes under mpirun -np N). Default: ${DEFAULT-VALUE}.")
    String collective;

    @Option(names = "--comm-profile", paramLabel = "FILE", description = "For --collective auto: yalis comm-bench "
            + "--json output of this machine, from which each all-reduce size gets the fastest backend (default: none).")
    java.nio.file.Path commProfile;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads (default: one per core).")
    Integer threads;

    @Option(names = "--weights", paramLabel = "copy|mmap", defaultValue = "copy", description = "Weight placement.")
    String weights;

    @Option(names = "--membw", description = "Measure this machine's memory bandwidth and FMA rate (with --device cuda: "
            + "the GPU's device-to-device copy rate, bytes read plus written, and bf16 GEMM rate, timed with CUDA events); "
            + "with --model, they are measured anyway for the rooflines.")
    boolean memoryBandwidthOnly;

    @Option(names = "--membw-gbps", paramLabel = "GB/S", description = "Use this read bandwidth instead of measuring it (default: measured).")
    Double memoryBandwidthGbps;

    @Option(names = "--baseline", paramLabel = "FILE", description = "Compare with a saved result; exit 3 on a regression (default: no comparison).")
    Path baseline;

    @Option(names = "--tolerance", paramLabel = "FRACTION", defaultValue = "0.10",
            description = "Allowed slowdown against the baseline (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--save-baseline", paramLabel = "FILE", description = "Write (or update) a baseline file with this run (default: none written).")
    Path saveBaseline;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
    boolean json;

    @Option(names = "--profile", negatable = true, fallbackValue = "true",
            description = "After the measured runs, one more run with every step timed by category, for the breakdown "
                    + "(default, except with --cuda-graphs); the measured runs never run the profiler. --no-profile "
                    + "skips that run.")
    Boolean profileOption;

    @Option(names = "--cuda-graphs", description = "Replay decode steps from CUDA graphs (--device cuda; implies --no-profile).")
    boolean cudaGraphs;

    /** Whether this run profiles: as asked, else unless decode runs from graphs (which time as one launch). */
    private boolean profile() {
        return profileOption != null ? profileOption : !cudaGraphs;
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int threadCount = threads == null ? LaunchEnvironment.threadsPerProcess(CpuTopology.physicalCores()) : threads;
        if (attention == null) {
            attention = device;
        }
        if (memoryBandwidthGbps != null && !(memoryBandwidthGbps > 0 && Double.isFinite(memoryBandwidthGbps))) {
            throw new YalisException("--membw-gbps must be a positive number of GB/s, got " + memoryBandwidthGbps);
        }
        if (modelArgument == null) {
            if (!memoryBandwidthOnly) {
                throw new YalisException("give --model DIR|synth:PRESET, or --membw to measure the machine only");
            }
            Map<String, Object> machine = machine(threadCount, null);
            out.println(json ? new ObjectMapper().writeValueAsString(machine) : machine.toString());
            out.flush();
            return 0;
        }
        if (!(tolerance >= 0 && tolerance < 1)) {
            throw new YalisException("--tolerance must be in [0, 1), got " + tolerance);
        }
        Path model = SyntheticModels.resolve(modelArgument);
        ModelFolder folder = ModelFolder.open(model);
        Benchmark.Spec benchSpec = new Benchmark.Spec(batch, promptLength, decodeLength, warmup, repeat, seed);
        Engine.checkContext(0, promptLength, folder.config());
        int[] grid = tensorParallel.grid(TensorParallelOptions.multiProcess(collective));
        EngineOptions options = cpuCompute.applyTo(EngineOptions.builder(model).device(device).threads(threadCount)
                .weights(WeightPlacement.parse(weights)).attention(attention).collective(collective).commProfile(commProfile)
                .tensorParallel(grid[0], grid[1]).maxBatch(Math.max(batch, 1))
                .maxSequenceLength(Math.min(promptLength + decodeLength, folder.config().maxPositions()))
                .maxStepTokens(Math.max(512, Math.min(batch * promptLength, 4096)))
                .profile(profile()).cudaGraphs(cudaGraphs)
                // Every run repeats the same prompts: from the prefix cache, all but the first would skip prefill.
                .prefixCache(false)).build();
        // The CPU's ceilings are measured before the weights load: the measurement's buffers then come and
        // go before the model's memory is taken, and do not add to the run's peak resident memory.
        Map<String, Object> cpuMachine = ComputeBackends.named(device).deviceMemory() ? null : machine(threadCount, null);
        LoadProgress loading = LoadProgress.forStderr(err);
        Map<String, Object> result;
        try (Engine engine = Engine.load(folder, options, loading)) {
            loading.done();
            boolean reports = engine.reportsResults();
            Benchmark.Result runs = Benchmark.run(engine, benchSpec,
                    (done, total) -> progress(reports ? err : new PrintWriter(java.io.Writer.nullWriter()), done, total));
            result = report(engine, options, benchSpec, runs, threadCount,
                    cpuMachine != null ? cpuMachine : machine(threadCount, engine));
            if (!reports) {
                return 0;   // under mpirun only rank 0 prints and compares
            }
        }
        ObjectMapper mapper = new ObjectMapper();
        if (json) {
            out.println(mapper.writeValueAsString(result));
        } else {
            printTable(out, result);
        }
        out.flush();
        if (saveBaseline != null) {
            writeBaseline(mapper, benchSpec.key(), result);
            err.println("baseline " + benchSpec.key() + " written to " + saveBaseline);
        }
        if (baseline != null) {
            return compareWithBaseline(mapper, benchSpec.key(), result, err);
        }
        return 0;
    }


    /** A progress bar on stderr, only when stderr is a terminal. */
    private static void progress(PrintWriter err, int done, int total) {
        if (!Boolean.getBoolean("yalis.stderr.tty")) {
            return;
        }
        int width = 30;
        int filled = width * done / total;
        err.printf(Locale.ROOT, "\rbench [%s%s] %d/%d runs%s", "#".repeat(filled), " ".repeat(width - filled), done,
                total, done == total ? "\n" : "");
        err.flush();
    }

    private Map<String, Object> machine(int threadCount, Engine engine) {
        if (ComputeBackends.named(device).deviceMemory()) {
            return gpuMachine(engine);
        }
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("threads", threadCount);
        if (memoryBandwidthGbps != null) {
            machine.put("membw_read_gbps", memoryBandwidthGbps);
        } else {
            MemoryBandwidth bandwidth = MemoryBandwidth.measure(threadCount, CPU_READ_BUFFER_BYTES, 3);
            machine.put("membw_read_gbps", round(bandwidth.readGigabytesPerSecond()));
            machine.put("membw_read_pattern", bandwidth.fastestReadPattern());
            Map<String, Object> patterns = new LinkedHashMap<>();
            bandwidth.readPatterns().forEach((name, rate) -> patterns.put(name, round(rate)));
            machine.put("membw_read_patterns_gbps", patterns);
            machine.put("membw_copy_gbps", round(bandwidth.copyGigabytesPerSecond()));
            machine.put("membw_triad_gbps", round(bandwidth.triadGigabytesPerSecond()));
        }
        machine.put("fma_gflops", round(ComputePeak.measureGigaflops(threadCount)));
        LibraryGemmPeak.measure(threadCount).ifPresent(peak -> {
            machine.put("bf16_gemm_gflops", round(peak.bf16Gigaflops()));
            machine.put("int8_gemm_gops", round(peak.int8Gigaops()));
            machine.put("gemm_kernel", peak.implementation());
        });
        return machine;
    }

    /**
     * The GPU's two ceilings ({@link DevicePeaks}), on the engine's backend when there is one: the
     * device-to-device copy rate counting bytes read plus written stands for the bandwidth decode
     * streams weights at, the bf16 GEMM rate for prefill's arithmetic.
     */
    private Map<String, Object> gpuMachine(Engine engine) {
        Map<String, Object> machine = new LinkedHashMap<>();
        CudaBackend backend = engine != null ? (CudaBackend) engine.backend()
                : CudaBackend.open(CudaBackend.deviceForThisProcess());
        try {
            DevicePeaks peaks = DevicePeaks.measure(backend, GPU_COPY_BYTES, GPU_GEMM_SIZE, 10);
            machine.put("device", "cuda");
            machine.put("gpu", backend.deviceOrdinal());
            machine.put("membw_copy_bytes", peaks.copyBytes());
            machine.put("membw_copy_gbps", round(peaks.copyGigabytesPerSecond()));
            machine.put("membw_read_gbps", memoryBandwidthGbps != null ? memoryBandwidthGbps
                    : round(peaks.copyGigabytesPerSecond()));
            machine.put("gemm_size", peaks.gemmSize());
            machine.put("gemm_bf16_tflops", round(peaks.gemmTeraflops()));
            machine.put("fma_gflops", round(peaks.gemmTeraflops() * 1000));
        } finally {
            if (engine == null) {
                backend.close();
            }
        }
        return machine;
    }

    private Map<String, Object> report(Engine engine, EngineOptions options, Benchmark.Spec benchSpec,
                                       Benchmark.Result measured, int threadCount, Map<String, Object> machine) {
        List<BenchRun> runs = measured.runs();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("key", benchSpec.key());
        result.put("model", modelArgument);
        result.put("device", device);
        result.put("attention", attention);
        result.put("collective", collective);
        result.put("ranks", options.ranks());
        result.put("grid", options.tpRows() + "x" + options.tpCols());
        result.put("threads", threadCount);
        result.put("weights", weights);
        result.put("batch", batch);
        result.put("prompt_len", promptLength);
        result.put("decode_len", decodeLength);
        result.put("repeat", repeat);
        result.put("warmup", warmup);
        result.put("profiled", profile());
        result.put("cuda_graphs", cudaGraphs);
        if (cudaGraphs) {
            // Proof that decode ran from graphs: a handful of captures, a replay per decode step.
            DecodeGraphs.Counts graphs = engine.decodeGraphCounts();
            Map<String, Object> counts = new LinkedHashMap<>();
            counts.put("captures", graphs.captures());
            counts.put("replays", graphs.replays());
            counts.put("held", graphs.held());
            counts.put("failed_captures", graphs.failedCaptures());
            result.put("decode_graphs", counts);
        }

        Map<String, Object> medians = new LinkedHashMap<>();
        Map<String, Object> spread = new LinkedHashMap<>();
        Map<String, ToDoubleFunction<BenchRun>> metrics = new LinkedHashMap<>();
        metrics.put("prefill_ms", BenchRun::prefillMs);
        metrics.put("decode_ms", BenchRun::decodeMs);
        metrics.put("ttft_ms", BenchRun::timeToFirstTokenMs);
        metrics.put("tbt_ms", BenchRun::timeBetweenTokensMs);
        metrics.put("e2e_ms", BenchRun::endToEndMs);
        metrics.put("prefill_tokens_per_s", BenchRun::prefillTokensPerSecond);
        metrics.put("decode_tokens_per_s", BenchRun::decodeTokensPerSecond);
        metrics.put("throughput_tokens_per_s", BenchRun::throughputTokensPerSecond);
        metrics.forEach((name, metric) -> {
            medians.put(name, round(Benchmark.median(runs, metric)));
            spread.put(name, List.of(round(Benchmark.min(runs, metric)), round(Benchmark.max(runs, metric))));
        });
        result.put("median", medians);
        result.put("min_max", spread);

        // The breakdown comes from the extra profiled run; the figures above from the undisturbed ones.
        PhaseBreakdown prefillParts = measured.profiled() == null ? PhaseBreakdown.empty() : measured.profiled().prefill();
        PhaseBreakdown decodeParts = measured.profiled() == null ? PhaseBreakdown.empty() : measured.profiled().decode();
        Map<String, Object> breakdown = new LinkedHashMap<>();
        breakdown.put("prefill", breakdown(prefillParts, 1));
        breakdown.put("decode", breakdown(decodeParts, 1));
        // The poster's decode row: ten decode steps, from the average step.
        breakdown.put("decode_10_steps", breakdown(decodeParts, decodeParts.steps() == 0 ? 0
                : 10.0 / decodeParts.steps()));
        result.put("breakdown", breakdown);

        Map<String, Object> collectives = new LinkedHashMap<>();
        collectives.put("prefill", collectives(prefillParts));
        collectives.put("decode", collectives(decodeParts));
        result.put("collectives", collectives);
        // Which backend each all-reduce size went to, when the collective chooses (auto): beside the times it explains.
        engine.collectiveChoices().ifPresent(choices -> result.put("collective_choices", choices));

        Map<String, Object> memory = new LinkedHashMap<>();
        memory.put("backend_bytes", engine.backendBytes());
        memory.put("kv_cache_bytes", engine.kvCacheBytes());
        ProcessMemory.peakResidentBytes().ifPresent(bytes -> memory.put("peak_rss_bytes", bytes));
        result.put("memory", memory);

        double readBandwidth = ((Number) machine.get("membw_read_gbps")).doubleValue();
        // The prefill ceiling is the rate of the fastest dot products this CPU has for the weights' type
        // (bf16 or int8 GEMM where oneDNN measured one), whichever kernels this run used.
        String peakName = prefillPeakName(machine, weightType(engine, options));
        double gigaflops = ((Number) machine.get(peakName)).doubleValue();
        Map<String, Object> roofline = new LinkedHashMap<>(machine);
        long weightBytes = engine.streamedWeightBytes();
        // Ranks in this process share the bandwidth and the cores that were measured: their weight
        // bytes and multiply-adds add up. (MPI ranks each measured their own share.)
        int localRanks = engine.localRanks();
        double idealDecodeStepMs = localRanks * weightBytes / (readBandwidth * 1e9) * 1e3;
        // From the unprofiled runs: every decode step carries one token per sequence.
        double decodeTokensPerSecond = ((Number) medians.get("decode_tokens_per_s")).doubleValue();
        double measuredDecodeStepMs = decodeTokensPerSecond > 0 ? batch * 1000.0 / decodeTokensPerSecond : 0;
        double decodeCeiling = batch * 1000.0 / idealDecodeStepMs;
        double prefillCeiling = gigaflops * 1e9 / (2.0 * localRanks * engine.multiplyAddsPerToken());
        roofline.put("weight_bytes_per_step", weightBytes);
        roofline.put("ranks_sharing_the_machine", localRanks);
        roofline.put("ideal_decode_step_ms", round(idealDecodeStepMs));
        roofline.put("measured_decode_step_ms", round(measuredDecodeStepMs));
        roofline.put("decode_ceiling_tokens_per_s", round(decodeCeiling));
        roofline.put("decode_efficiency", round(measuredDecodeStepMs == 0 ? 0 : idealDecodeStepMs / measuredDecodeStepMs));
        roofline.put("prefill_peak", peakName);
        roofline.put("prefill_ceiling_tokens_per_s", round(prefillCeiling));
        roofline.put("prefill_efficiency", round(((Number) medians.get("prefill_tokens_per_s")).doubleValue()
                / prefillCeiling));
        result.put("roofline", roofline);
        return result;
    }

    /** The weights' type as the matrix products read them: q8 when quantized, else the checkpoint's. */
    private static String weightType(Engine engine, EngineOptions options) {
        if (options.quantization() == Quantization.Q8) {
            return "q8";
        }
        return engine.linearWeightType().name().toLowerCase(Locale.ROOT);
    }

    /** Which of the machine's measured rates bounds prefill for {@code weightType}. */
    private static String prefillPeakName(Map<String, Object> machine, String weightType) {
        if (weightType.equals("bf16") && machine.containsKey("bf16_gemm_gflops")) {
            return "bf16_gemm_gflops";
        }
        if (weightType.equals("q8") && machine.containsKey("int8_gemm_gops")) {
            return "int8_gemm_gops";
        }
        return "fma_gflops";
    }

    private static Map<String, Object> breakdown(PhaseBreakdown phase, double scale) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (Category category : Category.values()) {
            row.put(category.label() + "_ms", round(phase.millis(category) * scale));
        }
        row.put("step_ms", round(phase.stepMillis() * scale));
        for (Category category : Category.values()) {
            row.put(category.label() + "_pct", round(100 * phase.share(category)));
        }
        row.put("steps", phase.steps());
        return row;
    }

    private static Map<String, Object> collectives(PhaseBreakdown phase) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("bytes", phase.collectiveBytes());
        row.put("calls", phase.collectiveMessages().values().stream().mapToLong(Long::longValue).sum());
        Map<String, Long> sizes = new LinkedHashMap<>();
        phase.collectiveMessages().forEach((size, count) -> sizes.put(String.valueOf(size), count));
        row.put("message_bytes", sizes);
        return row;
    }

    @SuppressWarnings("unchecked")
    private static void printTable(PrintWriter out, Map<String, Object> result) {
        Map<String, Object> median = (Map<String, Object>) result.get("median");
        Map<String, Object> spread = (Map<String, Object>) result.get("min_max");
        out.printf(Locale.ROOT, "%s  model %s, %s grid %s, batch %s, prompt %s, decode %s, %s runs%n",
                result.get("key"), result.get("model"), result.get("device"), result.get("grid"), result.get("batch"),
                result.get("prompt_len"), result.get("decode_len"), result.get("repeat"));
        out.printf(Locale.ROOT, "%-24s %12s %24s%n", "metric", "median", "min .. max");
        median.forEach((name, value) -> {
            List<Object> range = (List<Object>) spread.get(name);
            out.printf(Locale.ROOT, "%-24s %12.2f %11.2f .. %10.2f%n", name, ((Number) value).doubleValue(),
                    ((Number) range.get(0)).doubleValue(), ((Number) range.get(1)).doubleValue());
        });
        out.println();
        out.printf(Locale.ROOT, "%-16s %10s %10s %10s %10s %10s   %s%n", "breakdown (ms)", "gemm", "attention",
                "collective", "other", "step", "gemm/attn/coll/other %");
        Map<String, Object> breakdown = (Map<String, Object>) result.get("breakdown");
        breakdown.forEach((phase, value) -> {
            Map<String, Object> row = (Map<String, Object>) value;
            out.printf(Locale.ROOT, "%-16s %10.2f %10.2f %10.2f %10.2f %10.2f   %.0f/%.0f/%.0f/%.0f%n", phase,
                    num(row, "gemm_ms"), num(row, "attention_ms"), num(row, "collective_ms"), num(row, "other_ms"),
                    num(row, "step_ms"), num(row, "gemm_pct"), num(row, "attention_pct"), num(row, "collective_pct"),
                    num(row, "other_pct"));
        });
        Map<String, Object> collectives = (Map<String, Object>) result.get("collectives");
        collectives.forEach((phase, value) -> out.printf(Locale.ROOT, "collectives %-8s %s%n", phase, value));
        if (result.containsKey("collective_choices")) {
            out.printf(Locale.ROOT, "collective choices: all-reduce %s%n", result.get("collective_choices"));
        }
        Map<String, Object> roofline = (Map<String, Object>) result.get("roofline");
        out.println();
        String peak = String.valueOf(roofline.getOrDefault("prefill_peak", "fma_gflops"));
        out.printf(Locale.ROOT, "roofline: %s of weights per step at %.1f GB/s read -> decode ceiling %.1f tokens/s, "
                        + "measured %.1f (%.0f%%); %s %.0f -> prefill ceiling %.1f tokens/s, measured %.1f "
                        + "(%.0f%%)%n", Sizes.format(((Number) roofline.get("weight_bytes_per_step")).longValue()),
                num(roofline, "membw_read_gbps"), num(roofline, "decode_ceiling_tokens_per_s"),
                ((Number) median.get("decode_tokens_per_s")).doubleValue(), 100 * num(roofline, "decode_efficiency"),
                peak, num(roofline, peak), num(roofline, "prefill_ceiling_tokens_per_s"),
                ((Number) median.get("prefill_tokens_per_s")).doubleValue(), 100 * num(roofline, "prefill_efficiency"));
    }

    private static double num(Map<String, Object> map, String key) {
        return ((Number) map.get(key)).doubleValue();
    }

    private void writeBaseline(ObjectMapper mapper, String key, Map<String, Object> result) throws IOException {
        ObjectNode root = Files.isRegularFile(saveBaseline) && mapper.readTree(saveBaseline.toFile()) instanceof ObjectNode o
                ? o : mapper.createObjectNode();
        root.set(key, mapper.valueToTree(result.get("median")));
        UserFiles.writeAtomically(saveBaseline, mapper.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(root),
                "--save-baseline");
    }

    /** Exit code 3 when a throughput fell by more than the tolerance (or a latency grew by more). */
    @SuppressWarnings("unchecked")
    private int compareWithBaseline(ObjectMapper mapper, String key, Map<String, Object> result, PrintWriter err)
            throws IOException {
        if (!Files.isRegularFile(baseline)) {
            throw new YalisException("baseline file " + baseline + " does not exist; write one with --save-baseline");
        }
        JsonNode saved = mapper.readTree(baseline.toFile()).get(key);
        if (saved == null) {
            throw new YalisException("baseline " + baseline + " has no entry '" + key + "'; write one with --save-baseline");
        }
        Map<String, Object> median = (Map<String, Object>) result.get("median");
        boolean regressed = false;
        for (String throughput : List.of("prefill_tokens_per_s", "decode_tokens_per_s")) {
            double now = ((Number) median.get(throughput)).doubleValue();
            double before = saved.path(throughput).asDouble(0);
            if (before > 0 && now < before * (1 - tolerance)) {
                err.printf(Locale.ROOT, "regression: %s %.2f is %.1f%% below the baseline's %.2f (tolerance %.0f%%)%n",
                        throughput, now, 100 * (1 - now / before), before, 100 * tolerance);
                regressed = true;
            }
        }
        if (!regressed) {
            err.printf(Locale.ROOT, "no regression against %s (%s, tolerance %.0f%%)%n", baseline, key, 100 * tolerance);
        }
        err.flush();
        return regressed ? EXIT_REGRESSION : 0;
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
