package org.yalis.attention.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.model.DecodeGraphs;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.testing.Gpu;
import org.yalis.engine.testing.GreedyAgreement;
import org.yalis.engine.testing.TestModels;

/**
 * stories260K greedy on {@code --device cuda --attention cuda} (bf16) against the CPU's f32 ids for the
 * same prompt ids (those of expected-greedy.json, no tokenizer needed): equal, or within the CPU's top 5
 * at the first divergence ({@link GreedyAgreement}). The prompts run as one batch, as generate runs
 * them. Skipped without a GPU or without the model.
 */
@Tag("gpu")
class StoriesGreedyGpuTest {
    private static final int NEW_TOKENS = 196;

    @Test
    void cudaIdsAgreeWithTheCpuIds() throws IOException {
        Gpu.require();
        Path model = TestModels.requireStories260K();
        List<int[]> prompts = new ArrayList<>();
        for (JsonNode testCase : new ObjectMapper().readTree(model.resolve("expected-greedy.json").toFile())
                .get("cases")) {
            int[] ids = new int[testCase.get("prompt_ids").size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = testCase.get("prompt_ids").get(i).asInt();
            }
            prompts.add(ids);
        }
        prompts.add(new int[] {1});   // BOS alone
        List<Request> requests = prompts.stream()
                .map(p -> new Request(p, NEW_TOKENS, SamplingParams.greedy(), true)).toList();
        EngineOptions cpuOptions = EngineOptions.builder(model).threads(4).build();
        EngineOptions cudaOptions = cpuOptions.toBuilder().device("cuda").attention("cuda").build();
        try (Engine cpu = Engine.load(ModelFolder.open(model), cpuOptions, null);
             Engine cuda = Engine.load(ModelFolder.open(model), cudaOptions, null)) {
            List<Completion> expected = cpu.generate(requests, GenerationListener.NONE);
            List<Completion> actual = cuda.generate(requests, GenerationListener.NONE);
            assertEquals(cuda.kvPool().totalBlocks(), cuda.kvPool().freeBlocks(), "every KV block is back");
            int agreeing = 0;
            for (int p = 0; p < prompts.size(); p++) {
                int[] prompt = prompts.get(p);
                int[] reference = expected.get(p).generatedIds();
                int[] candidate = actual.get(p).generatedIds();
                GreedyAgreement.Verdict verdict = GreedyAgreement.check(reference, candidate,
                        i -> cpu.lastPositionLogits(concat(prompt, Arrays.copyOf(reference, i))));
                System.out.printf("stories260K prompt %s: cpu %s..., cuda %s...: %s%n", Arrays.toString(prompt),
                        head(reference), head(candidate), verdict.explanation());
                assertTrue(verdict.agrees(), "prompt " + Arrays.toString(prompt) + ": " + verdict.explanation());
                agreeing += verdict.firstDivergence() < 0 ? 1 : 0;
            }
            System.out.printf("stories260K greedy on cuda: %d of %d prompts equal to the CPU's ids, the rest within "
                    + "the top %d at the first divergence%n", agreeing, prompts.size(), GreedyAgreement.TOP);
        }
    }

    /**
     * {@code --cuda-graphs}: decode steps replayed from graphs issue the very launches of eager steps, so
     * the ids are equal, not merely close; and the graphs were used (a capture per step shape, a replay
     * for every other decode step).
     */
    @Test
    void cudaGraphsGiveTheIdsOfEagerSteps() throws IOException {
        Gpu.require();
        Path model = TestModels.requireStories260K();
        List<Request> requests = new ArrayList<>();
        for (int[] prompt : List.of(new int[] {1}, new int[] {1, 403, 407}, new int[] {1, 9038, 2501, 263})) {
            requests.add(new Request(prompt, NEW_TOKENS, SamplingParams.greedy(), true));
        }
        EngineOptions eagerOptions = EngineOptions.builder(model).device("cuda").attention("cuda").build();
        try (Engine eager = Engine.load(ModelFolder.open(model), eagerOptions, null);
             Engine graphed = Engine.load(ModelFolder.open(model), eagerOptions.toBuilder().cudaGraphs(true).build(),
                     null)) {
            List<Completion> expected = eager.generate(requests, GenerationListener.NONE);
            List<Completion> actual = graphed.generate(requests, GenerationListener.NONE);
            for (int r = 0; r < requests.size(); r++) {
                assertArrayEquals(expected.get(r).generatedIds(), actual.get(r).generatedIds(), "request " + r);
            }
            int decodeSteps = graphed.lastStats().decodeSteps();
            DecodeGraphs.Counts counts = graphed.decodeGraphCounts();
            System.out.printf("stories260K on cuda with graphs: %d decode steps, %s%n", decodeSteps, counts);
            assertEquals(0, counts.failedCaptures(), counts.toString());
            assertEquals(decodeSteps, counts.captures() + counts.replays(), "each decode step ran once");
            assertTrue(counts.replays() > counts.captures(), counts.toString());
            assertTrue(counts.captures() <= 8, "block-table strides 1..16 and batch sizes: " + counts);
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String head(int[] ids) {
        return Arrays.toString(Arrays.copyOf(ids, Math.min(12, ids.length)));
    }
}
