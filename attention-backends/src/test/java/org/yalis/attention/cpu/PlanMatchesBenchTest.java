package org.yalis.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.bench.Benchmark;
import org.yalis.engine.metrics.PhaseBreakdown;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.plan.PlanModels;
import org.yalis.engine.plan.RunShape;
import org.yalis.engine.plan.RunTrace;
import org.yalis.engine.plan.StepTrace;
import org.yalis.engine.plan.StepTracer;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.testing.TestModels;

/**
 * {@code yalis plan}'s dry run issues exactly the collectives a real {@code bench} run records: the same
 * message sizes, as often, in the same number of prefill and decode steps (1D and 2D grids, prompts longer
 * than a prefill step, batches).
 */
class PlanMatchesBenchTest {

    @TempDir
    Path temp;

    @ParameterizedTest(name = "{0} grid {1}x{2}, batch {3}, prompt {4}, decode {5}, step tokens {6}")
    @CsvSource({
            "stories260K, 2, 1, 3, 20, 7, 512",
            "stories260K, 1, 2, 2, 9, 5, 512",
            "stories260K, 2, 1, 2, 40, 4, 16",
            "tiny, 2, 2, 3, 12, 6, 512",
            "tiny, 4, 1, 1, 30, 5, 8",
    })
    void messageSizesAndCountsEqualABenchRun(String modelName, int rows, int cols, int batch, int prompt,
                                             int decode, int stepTokens) throws IOException {
        Path model = modelName.equals("stories260K") ? TestModels.requireStories260K()
                : TestModels.writeTinyModel(temp.resolve("tiny"), DType.BF16, 5);
        EngineOptions options = EngineOptions.builder(model).tensorParallel(rows, cols).threads(1).profile(true)
                .maxStepTokens(stepTokens).prefixCache(false).build();
        Benchmark.Result measured;
        try (Engine engine = Engine.load(ModelFolder.open(model), options, null)) {
            measured = Benchmark.run(engine, new Benchmark.Spec(batch, prompt, decode, 0, 1, 7), (done, all) -> { });
        }
        RunTrace trace = StepTracer.trace(PlanModels.config(model.toString()), new RunShape(rows, cols, batch, prompt,
                decode, PlanModels.weightType(model.toString()), DType.F32, 64, stepTokens, 16));
        check("prefill", measured.profiled().prefill(), trace.prefill());
        check("decode", measured.profiled().decode(), trace.decode());
    }

    private static void check(String phase, PhaseBreakdown measured, StepTrace planned) {
        assertFalse(planned.collectiveMessages().isEmpty(), phase + ": the plan has collectives");
        assertEquals(measured.steps(), planned.steps(), phase + " steps");
        assertEquals(measured.collectiveMessages(), planned.collectiveMessages(), phase + " message sizes and counts");
    }
}
