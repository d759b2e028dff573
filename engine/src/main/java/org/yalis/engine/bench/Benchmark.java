package org.yalis.engine.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

import org.yalis.engine.BatchStats;
import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.metrics.PhaseBreakdown;
import org.yalis.engine.model.Phase;
import org.yalis.engine.sample.SamplingParams;

/**
 * Runs the same batch (random prompts of a fixed length, greedy, a fixed number of new tokens)
 * several times and keeps every run's timings and, on a profiling engine, its breakdown.
 */
public final class Benchmark {

    /** What to run: {@code batch} prompts of {@code promptLength} tokens, {@code decodeLength} new tokens each. */
    public record Spec(int batch, int promptLength, int decodeLength, int warmup, int repeat, long seed) {
        public Spec {
            if (batch < 1 || promptLength < 1 || decodeLength < 1 || warmup < 0 || repeat < 1) {
                throw new org.yalis.engine.YalisException("--batch, --prompt-len, --decode-len and --repeat must be at"
                        + " least 1 and --warmup at least 0");
            }
        }

        /** The key of this configuration in a baseline file. */
        public String key() {
            return "batch_" + batch + "_prompt_" + promptLength + "_decode_" + decodeLength;
        }
    }

    private Benchmark() {
    }

    /** Random prompts within the vocabulary, deterministic for the seed (BOS first when the model has one). */
    public static List<Request> requests(Spec spec, int vocab, Integer bos) {
        SplittableRandom random = new SplittableRandom(spec.seed());
        List<Request> requests = new ArrayList<>();
        for (int b = 0; b < spec.batch(); b++) {
            int[] prompt = new int[spec.promptLength()];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = i == 0 && bos != null ? bos : random.nextInt(vocab);
            }
            requests.add(new Request(prompt, spec.decodeLength(), SamplingParams.greedy(), true));
        }
        return requests;
    }

    /**
     * The measured runs, timed as a whole, and on a profiling engine one more run with the profiler on:
     * its breakdown says where the time goes, while the measured runs' throughput is undisturbed by it.
     *
     * @param profiled the breakdown's run, or null when the engine does not profile
     */
    public record Result(List<BenchRun> runs, BenchRun profiled) {
    }

    /**
     * Warm-up runs, then measured runs with the profiler paused, then (when the engine profiles) one
     * profiled run; {@code progress} is told after each run (run index, runs in all).
     */
    public static Result run(Engine engine, Spec spec, java.util.function.BiConsumer<Integer, Integer> progress) {
        List<Request> requests = requests(spec, engine.config().vocabSize(), engine.config().bosTokenId());
        engine.check(requests);
        List<BenchRun> runs = new ArrayList<>();
        boolean profiles = engine.options().profile();
        int total = spec.warmup() + spec.repeat() + (profiles ? 1 : 0);
        engine.setProfiling(false);
        for (int i = 0; i < spec.warmup() + spec.repeat(); i++) {
            engine.resetProfile();
            List<Completion> completions = engine.generate(requests, GenerationListener.NONE);
            if (i >= spec.warmup()) {
                runs.add(measured(engine, completions, false));
            }
            progress.accept(i + 1, total);
        }
        BenchRun profiled = null;
        if (profiles) {
            engine.setProfiling(true);
            engine.resetProfile();
            profiled = measured(engine, engine.generate(requests, GenerationListener.NONE), true);
            progress.accept(total, total);
        }
        return new Result(List.copyOf(runs), profiled);
    }

    private static BenchRun measured(Engine engine, List<Completion> completions, boolean withBreakdown) {
        BatchStats stats = engine.lastStats();
        long generated = completions.stream().mapToLong(c -> c.generatedIds().length).sum();
        double ttft = completions.stream().mapToDouble(c -> c.metrics().timeToFirstTokenMs()).average().orElse(0);
        double tbt = completions.stream().filter(c -> c.metrics().generatedTokens() > 1)
                .mapToDouble(c -> c.metrics().decodeMs() / (c.metrics().generatedTokens() - 1)).average().orElse(0);
        return new BenchRun(stats.prefillMs(), stats.decodeMs(), ttft, tbt, stats.wallMs(), generated,
                stats.prefillTokensPerSecond(), stats.decodeTokensPerSecond(),
                stats.wallMs() > 0 ? generated / (stats.wallMs() / 1000) : 0,
                withBreakdown ? engine.breakdown(Phase.PREFILL) : PhaseBreakdown.empty(),
                withBreakdown ? engine.breakdown(Phase.DECODE) : PhaseBreakdown.empty());
    }

    /** The median of a metric over runs. */
    public static double median(List<BenchRun> runs, ToDoubleFunction<BenchRun> metric) {
        double[] values = runs.stream().mapToDouble(metric).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    public static double min(List<BenchRun> runs, ToDoubleFunction<BenchRun> metric) {
        return runs.stream().mapToDouble(metric).min().orElse(0);
    }

    public static double max(List<BenchRun> runs, ToDoubleFunction<BenchRun> metric) {
        return runs.stream().mapToDouble(metric).max().orElse(0);
    }

}
