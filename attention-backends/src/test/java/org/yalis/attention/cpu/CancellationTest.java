package org.yalis.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.FinishReason;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.testing.TestModels;
import org.yalis.engine.tokenizer.Tokenizer;

/**
 * A request cancelled mid-generation (what a client that goes away, or Ctrl-C in a chat, does): it stops at
 * the next step with the tokens it had, its blocks go back, and the requests beside it generate exactly what
 * they would have; with ranks as threads every rank drops it at the same step.
 */
class CancellationTest {
    private static Path model;
    private static List<int[]> prompts;

    @BeforeAll
    static void load() {
        model = TestModels.requireStories260K();
        try (Tokenizer tokenizer = Tokenizer.load(model, 1)) {
            prompts = List.of("Once upon a time", "Lily and Tom", "The sun").stream().map(tokenizer::encode).toList();
        }
    }

    private static List<Request> requests() {
        List<Request> requests = new ArrayList<>();
        for (int[] prompt : prompts) {
            requests.add(new Request(prompt, 48, SamplingParams.greedy(), true));
        }
        return requests;
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2})
    void aCancelledRequestStopsAndTheOthersAreUntouched(int ranks) {
        EngineOptions options = EngineOptions.builder(model).batchInvariant(true).tensorParallel(ranks, 1).build();
        try (Engine engine = Engine.load(ModelFolder.open(model), options, null)) {
            List<Completion> whole = engine.generate(requests(), GenerationListener.NONE);
            int[] tokensSeen = new int[prompts.size()];
            List<Completion> cancelled = engine.generate(requests(), new GenerationListener() {
                @Override
                public void onToken(int requestIndex, int token) {
                    tokensSeen[requestIndex]++;
                }

                @Override
                public boolean cancels() {
                    return true;
                }

                @Override
                public boolean cancelled(int requestIndex) {
                    return requestIndex == 1 && tokensSeen[1] >= 5;
                }
            });
            assertEquals(FinishReason.CANCELLED, cancelled.get(1).finishReason());
            int[] partial = cancelled.get(1).generatedIds();
            assertEquals(5, partial.length, "stopped at the first step after the listener asked");
            assertArrayEquals(Arrays.copyOf(whole.get(1).generatedIds(), 5), partial, "with the tokens it had");
            for (int i : new int[] {0, 2}) {
                assertEquals(FinishReason.LENGTH, cancelled.get(i).finishReason());
                assertArrayEquals(whole.get(i).generatedIds(), cancelled.get(i).generatedIds(), "request " + i);
            }
            assertEquals(engine.kvPool().totalBlocks(), engine.kvPool().freeBlocks(), "every block back");
            assertTrue(engine.lastStats().decodeTokens() < 3 * 47, "fewer tokens decoded than without the cancel");
        }
    }
}
