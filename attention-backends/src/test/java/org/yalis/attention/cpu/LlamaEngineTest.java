package org.yalis.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.cpu.WeightPlacement;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.testing.GreedyAgreement;
import org.yalis.engine.testing.TestModels;
import org.yalis.engine.tokenizer.Tokenizer;

/** The whole engine on the CPU: the real stories260K model, and synthetic models for dtype paths. */
class LlamaEngineTest {
    private static final List<String> PROMPTS = List.of("Once upon a time", "Lily and Tom", "The sun",
            "One day, a little dog named Max went to the park with his friend", "", "Bob");

    private static List<int[]> generate(Path model, EngineOptions options, List<int[]> prompts, int maxNewTokens) {
        List<Request> requests = new ArrayList<>();
        for (int[] prompt : prompts) {
            requests.add(new Request(prompt, maxNewTokens, SamplingParams.greedy(), true));
        }
        try (Engine engine = Engine.load(ModelFolder.open(model), options, null)) {
            List<Completion> completions = engine.generate(requests, GenerationListener.NONE);
            assertEquals(engine.kvPool().totalBlocks(), engine.kvPool().freeBlocks(), "every KV block is back");
            return completions.stream().map(Completion::generatedIds).toList();
        }
    }

    /**
     * The exactness checks run batch-invariant (every product on the Vector API kernels): their claims
     * (equal ids batched and alone, under preemption, on 1 or 2 threads) are that path's guarantee.
     */
    private static EngineOptions.Builder invariant(Path model) {
        return EngineOptions.builder(model).batchInvariant(true);
    }

    private static List<int[]> encode(Path model, List<String> texts) {
        try (Tokenizer tokenizer = Tokenizer.load(model, 1)) {
            return texts.stream().map(tokenizer::encode).toList();
        }
    }

    @Test
    void reproducesTheExpectedGreedyOutputsAndFirstStepLogits() throws IOException {
        Path model = TestModels.requireStories260K();
        JsonNode expected = new ObjectMapper().readTree(model.resolve("expected-greedy.json").toFile());
        try (Engine engine = Engine.load(ModelFolder.open(model), invariant(model).build(), null)) {
            for (JsonNode testCase : expected.get("cases")) {
                int[] prompt = ids(testCase.get("prompt_ids"));
                assertArrayEquals(prompt, encode(model, List.of(testCase.get("prompt").asText())).getFirst());
                Request request = new Request(prompt, testCase.get("max_new_tokens").asInt(), SamplingParams.greedy(),
                        true);
                int[] generated = engine.generate(List.of(request), GenerationListener.NONE).getFirst().generatedIds();
                assertArrayEquals(ids(testCase.get("generated_ids")), generated, testCase.get("prompt").asText());
                float[] logits = engine.lastPositionLogits(prompt);
                for (JsonNode pair : testCase.get("first_step_top10")) {
                    float want = (float) pair.get(1).asDouble();
                    float got = logits[pair.get(0).asInt()];
                    assertEquals(want, got, 1e-4 * Math.abs(want), "logit of token " + pair.get(0).asInt());
                }
            }
        }
    }

    /**
     * The default path, where a prefill of 8 or more tokens goes through oneDNN's GEMM: the expected
     * greedy ids of every case, batched into one prefill step, agree with the batch-invariant run's ids
     * under the top-5 rule at the first divergence (they need not be equal: the GEMM sums in another order).
     */
    @Test
    void theLibraryGemmPathAgreesWithTheInvariantPathUnderTheTopFiveRule() throws IOException {
        Path model = TestModels.requireStories260K();
        TestModels.requireOneDnn();
        List<int[]> prompts = new ArrayList<>();
        for (JsonNode testCase : new ObjectMapper().readTree(model.resolve("expected-greedy.json").toFile())
                .get("cases")) {
            prompts.add(ids(testCase.get("prompt_ids")));
        }
        prompts.addAll(encode(model, PROMPTS));
        List<Request> requests = prompts.stream().map(p -> new Request(p, 96, SamplingParams.greedy(), true)).toList();
        try (Engine reference = Engine.load(ModelFolder.open(model), invariant(model).build(), null);
             Engine library = Engine.load(ModelFolder.open(model), EngineOptions.defaults(model), null)) {
            assertTrue(((org.yalis.engine.cpu.CpuBackend) library.backend()).matmulDescription().startsWith("oneDNN"),
                    "the default path must use the library GEMM here");
            List<Completion> expected = reference.generate(requests, GenerationListener.NONE);
            List<Completion> actual = library.generate(requests, GenerationListener.NONE);
            for (int p = 0; p < prompts.size(); p++) {
                int[] prompt = prompts.get(p);
                int[] want = expected.get(p).generatedIds();
                GreedyAgreement.Verdict verdict = GreedyAgreement.check(want, actual.get(p).generatedIds(),
                        i -> reference.lastPositionLogits(concat(prompt, java.util.Arrays.copyOf(want, i))));
                assertTrue(verdict.agrees(), "prompt " + p + ": " + verdict.explanation());
            }
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] joined = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    @ParameterizedTest(name = "block size {0}")
    @ValueSource(ints = {1, 16, 256})
    void batchedGreedyIdsEqualOneAtATime(int blockSize) {
        Path model = TestModels.requireStories260K();
        List<int[]> prompts = encode(model, PROMPTS);
        EngineOptions options = invariant(model).kvBlockSize(blockSize).build();
        List<int[]> batched = generate(model, options, prompts, 48);
        for (int i = 0; i < prompts.size(); i++) {
            int[] alone = generate(model, options, List.of(prompts.get(i)), 48).getFirst();
            assertArrayEquals(alone, batched.get(i), "prompt '" + PROMPTS.get(i) + "'");
        }
    }

    @Test
    void preemptionChunkedPrefillThreadsAndMappedWeightsDoNotChangeTheIds() {
        Path model = TestModels.requireStories260K();
        List<int[]> prompts = encode(model, PROMPTS);
        EngineOptions reference = invariant(model).threads(1).build();
        List<int[]> expected = generate(model, reference, prompts, 40);
        // 8 blocks of 16 tokens: enough for any one sequence (at most 60 tokens), not for all six.
        EngineOptions tight = invariant(model).kvBlockSize(16)
                .kvCacheBytes(8 * kvBytesPerBlock(model, 16)).maxStepTokens(3)
                .weights(WeightPlacement.MMAP).threads(2).build();
        List<Request> requests = prompts.stream()
                .map(p -> new Request(p, 40, SamplingParams.greedy(), true)).toList();
        try (Engine engine = Engine.load(ModelFolder.open(model), tight, null)) {
            List<Completion> completions = engine.generate(requests, GenerationListener.NONE);
            assertTrue(engine.lastStats().preemptions() > 0, "the tight pool must force preemption");
            for (int i = 0; i < prompts.size(); i++) {
                assertArrayEquals(expected.get(i), completions.get(i).generatedIds(), "prompt " + i);
            }
            assertEquals(engine.kvPool().totalBlocks(), engine.kvPool().freeBlocks());
        }
    }

    private static long kvBytesPerBlock(Path model, int blockSize) {
        var config = ModelFolder.open(model).config();
        return 2L * config.layers() * blockSize * config.kvDim() * Float.BYTES;
    }

    @ParameterizedTest(name = "{0} weights")
    @ValueSource(strings = {"BF16", "F16"})
    void halfPrecisionWeightsGiveTheLogitsOfF32OnTheSameValues(String dtypeName, @TempDir Path temp)
            throws IOException {
        DType dtype = DType.valueOf(dtypeName);
        List<Path> sources = new ArrayList<>();
        sources.add(TestModels.writeTinyModel(temp.resolve("tiny"), DType.F32, 5));
        TestModels.stories260K().ifPresent(sources::add);
        for (Path source : sources) {
            Path half = TestModels.convertModel(source, temp.resolve(source.getFileName() + "-half"), dtype, dtype);
            Path f32 = TestModels.convertModel(source, temp.resolve(source.getFileName() + "-f32"), DType.F32, dtype);
            int[] prompt = {1, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309};
            float[] expected = lastLogits(f32, prompt);
            float[] actual = lastLogits(half, prompt);
            double scale = 0;
            double worst = 0;
            for (int i = 0; i < expected.length; i++) {
                scale = Math.max(scale, Math.abs(expected[i]));
                worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
            }
            assertTrue(scale > 0.1, "logits must not be degenerate");
            assertTrue(worst <= 1e-3 * scale, source.getFileName() + ": " + dtype + " logits differ by " + worst
                    + " against a largest logit of " + scale);
        }
    }

    private static float[] lastLogits(Path model, int[] prompt) {
        try (Engine engine = Engine.load(ModelFolder.open(model), invariant(model).build(), null)) {
            return engine.lastPositionLogits(prompt);
        }
    }

    private static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).asInt();
        }
        return ids;
    }
}
