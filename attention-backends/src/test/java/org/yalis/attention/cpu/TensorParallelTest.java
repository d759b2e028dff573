package org.yalis.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.RankFailedException;
import org.yalis.engine.YalisException;
import org.yalis.engine.comm.CommStats;
import org.yalis.engine.testing.FailingAttentionBackend;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.testing.TestModels;
import org.yalis.engine.tokenizer.Tokenizer;

/**
 * Tensor parallelism with ranks as threads: stories260K (8 query heads, 4 KV heads, hidden 64,
 * intermediate 172) split 1D and 2D gives the single-rank greedy ids and last-step logits.
 */
class TensorParallelTest {
    private static final List<String> PROMPTS = List.of("Once upon a time", "Lily and Tom", "The sun");
    private static final int NEW_TOKENS = 64;
    private static Path model;
    private static List<int[]> prompts;
    private static List<int[]> singleRankIds;
    private static float[] singleRankLogits;

    @BeforeAll
    static void singleRankReference() {
        model = TestModels.requireStories260K();
        try (Tokenizer tokenizer = Tokenizer.load(model, 1)) {
            prompts = PROMPTS.stream().map(tokenizer::encode).toList();
        }
        try (Engine engine = Engine.load(ModelFolder.open(model), EngineOptions.builder(model).batchInvariant(true).build(), null)) {
            singleRankIds = generate(engine);
            singleRankLogits = engine.lastPositionLogits(prompts.getFirst());
        }
    }

    private static List<int[]> generate(Engine engine) {
        List<Request> requests = prompts.stream()
                .map(p -> new Request(p, NEW_TOKENS, SamplingParams.greedy(), true)).toList();
        return engine.generate(requests, GenerationListener.NONE).stream().map(Completion::generatedIds).toList();
    }

    @ParameterizedTest(name = "grid {0}x{1}")
    @CsvSource({"2, 1", "4, 1", "2, 2", "1, 2", "2, 1", "8, 1", "1, 4"})
    void matchesTheSingleRankRun(int rows, int cols) {
        EngineOptions options = EngineOptions.builder(model).tensorParallel(rows, cols).threads(2).batchInvariant(true).build();
        try (Engine engine = Engine.load(ModelFolder.open(model), options, null)) {
            List<int[]> ids = generate(engine);
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(singleRankIds.get(i), ids.get(i), "prompt '" + PROMPTS.get(i) + "'");
            }
            float[] logits = engine.lastPositionLogits(prompts.getFirst());
            double scale = 0;
            double worst = 0;
            for (int i = 0; i < logits.length; i++) {
                scale = Math.max(scale, Math.abs(singleRankLogits[i]));
                worst = Math.max(worst, Math.abs(logits[i] - singleRankLogits[i]));
            }
            assertTrue(worst <= 1e-4 * scale, "logits differ by " + worst + " against a largest logit of " + scale);
            assertEquals(engine.kvPool().totalBlocks(), engine.kvPool().freeBlocks());
            if (rows * cols > 1) {
                assertTrue(engine.collectiveStats().get(CommStats.Operation.ALL_REDUCE).calls() > 0,
                        "the sharded layers must all-reduce");
            }
        }
    }

    @Test
    void aRankThatFailsMidGenerationStopsEveryRankQuickly() {
        FailingAttentionBackend.DECODE_CALLS.set(0);
        EngineOptions options = EngineOptions.builder(model).tensorParallel(4, 1).attention("fail-once").build();
        try (Engine engine = Engine.load(ModelFolder.open(model), options, null)) {
            long start = System.nanoTime();
            RankFailedException failure = assertThrows(RankFailedException.class, () -> generate(engine));
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(failure.getCause() instanceof IllegalStateException
                    && failure.getCause().getMessage().contains("injected failure"),
                    "the failing rank's cause is reported: " + failure.getMessage());
            assertTrue(seconds < 30, "all ranks stopped after " + seconds + " s");
        }
    }

    @Test
    void aGridThatDoesNotDivideTheHeadsIsAClearError() {
        EngineOptions options = EngineOptions.builder(model).tensorParallel(3, 1).build();
        YalisException error = assertThrows(YalisException.class,
                () -> Engine.load(ModelFolder.open(model), options, null).close());
        assertTrue(error.getMessage().contains("8 attention heads"), error.getMessage());
    }
}
