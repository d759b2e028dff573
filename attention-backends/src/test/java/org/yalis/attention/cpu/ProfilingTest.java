package org.yalis.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.metrics.Category;
import org.yalis.engine.metrics.PhaseBreakdown;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.model.Phase;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.testing.TestModels;

/** The step breakdown: categories add up to the steps, and collectives have the predicted sizes. */
class ProfilingTest {

    private static void run(Engine engine, int batch, int promptLength, int newTokens) {
        int[] prompt = new int[promptLength];
        for (int i = 0; i < promptLength; i++) {
            prompt[i] = 300 + i;
        }
        List<Request> requests = java.util.Collections.nCopies(batch,
                new Request(prompt, newTokens, SamplingParams.greedy(), true));
        engine.generate(requests, GenerationListener.NONE);
    }

    @Test
    void categoriesAddUpAndDecodeAllReducesCarryBatchTimesHidden() {
        Path model = TestModels.requireStories260K();
        int batch = 3;
        int newTokens = 11;
        EngineOptions options = EngineOptions.builder(model).tensorParallel(2, 1).profile(true).build();
        try (Engine engine = Engine.load(ModelFolder.open(model), options, null)) {
            run(engine, batch, 8, newTokens);
            engine.resetProfile();
            run(engine, batch, 8, newTokens);
            int layers = engine.config().layers();
            for (Phase phase : Phase.values()) {
                PhaseBreakdown breakdown = engine.breakdown(phase);
                long sum = 0;
                for (Category category : Category.values()) {
                    sum += breakdown.nanos().get(category);
                }
                assertEquals(breakdown.stepNanos(), sum, breakdown.stepNanos() * 0.01, phase + ": " + breakdown);
                assertTrue(breakdown.nanos().get(Category.GEMM) > 0, phase + " has matmuls");
                assertTrue(breakdown.nanos().get(Category.ATTENTION) > 0, phase + " has attention");
                assertTrue(breakdown.nanos().get(Category.COLLECTIVE) > 0, phase + " has all-reduces");
            }
            PhaseBreakdown decode = engine.breakdown(Phase.DECODE);
            // 1D: one all-reduce after o and one after down per layer, each of batch x hidden f32, and
            // one all-gather of each rank's half of the vocabulary's logits per step.
            long bytes = (long) batch * engine.config().hiddenSize() * Float.BYTES;
            long logitSlices = (long) batch * engine.config().vocabSize() / 2 * Float.BYTES;
            assertEquals(newTokens - 1, decode.steps());
            assertEquals(Map.of(bytes, 2L * layers * decode.steps(), logitSlices, (long) decode.steps()),
                    decode.collectiveMessages());
            PhaseBreakdown prefill = engine.breakdown(Phase.PREFILL);
            assertEquals(Map.of((long) batch * 8 * engine.config().hiddenSize() * Float.BYTES, 2L * layers,
                    logitSlices, 1L), prefill.collectiveMessages());
        }
    }

    @Test
    void aSingleRankSpendsNothingOnCollectives() {
        Path model = TestModels.requireStories260K();
        EngineOptions options = EngineOptions.builder(model).profile(true).build();
        try (Engine engine = Engine.load(ModelFolder.open(model), options, null)) {
            run(engine, 1, 5, 6);
            assertEquals(0L, engine.breakdown(Phase.DECODE).nanos().get(Category.COLLECTIVE));
            assertTrue(engine.breakdown(Phase.DECODE).nanos().get(Category.OTHER) > 0);
        }
    }

    /** The benchmark's measured runs run with the profiler paused; one more run carries the breakdown. */
    @Test
    void benchmarkRunsAreUnprofiledAndOneExtraRunCarriesTheBreakdown() {
        Path model = TestModels.requireStories260K();
        EngineOptions options = EngineOptions.builder(model).threads(1).profile(true).build();
        try (Engine engine = Engine.load(ModelFolder.open(model), options, null)) {
            // After each warm-up and measured run (before the next reset), the profiler has recorded nothing.
            List<Integer> profiledSteps = new java.util.ArrayList<>();
            org.yalis.engine.bench.Benchmark.Result result = org.yalis.engine.bench.Benchmark.run(engine,
                    new org.yalis.engine.bench.Benchmark.Spec(2, 8, 6, 1, 2, 3), (done, total) -> {
                        if (done < total) {
                            profiledSteps.add(engine.breakdown(Phase.DECODE).steps());
                        }
                    });
            assertEquals(List.of(0, 0, 0), profiledSteps, "a warm-up or measured run was profiled");
            assertEquals(2, result.runs().size());
            for (org.yalis.engine.bench.BenchRun run : result.runs()) {
                assertTrue(run.decodeTokensPerSecond() > 0);
            }
            assertEquals(5, result.profiled().decode().steps(), "6 new tokens: a prefill and 5 decode steps");
            assertTrue(result.profiled().decode().nanos().getOrDefault(Category.GEMM, 0L) > 0);
        }
        try (Engine engine = Engine.load(ModelFolder.open(model), options.toBuilder().profile(false).build(), null)) {
            assertEquals(null, org.yalis.engine.bench.Benchmark.run(engine,
                    new org.yalis.engine.bench.Benchmark.Spec(1, 8, 3, 0, 1, 3), (done, total) -> { }).profiled());
        }
    }
}
