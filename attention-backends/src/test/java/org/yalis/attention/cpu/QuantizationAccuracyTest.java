package org.yalis.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Quantization;
import org.yalis.engine.Request;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.testing.GreedyAgreement;
import org.yalis.engine.testing.TestModels;

/**
 * {@code --quantize q8} against bf16 on stories260K (its weights rounded to bf16, then quantized from
 * those): over the oracle cases of expected-greedy.json, the greedy ids agree under the top-5 rule, and
 * the next-token distributions at every position of the bf16 run's sequences are close (mean KL
 * divergence, printed for docs/benchmarks.md).
 */
class QuantizationAccuracyTest {
    private static final int NEW_TOKENS = 96;
    /** Bound on the mean KL(bf16 || q8) per position, in nats: well above what is measured (printed). */
    private static final double MEAN_KL_BOUND = 0.02;

    /**
     * {@code invariant}: every q8 product on the Vector API q8 kernels ({@code --batch-invariant}); {@code library}:
     * the default, where prefill widens q8 tiles to bf16 for oneDNN's GEMM (where oneDNN is installed).
     */
    @ParameterizedTest(name = "{0} path")
    @ValueSource(strings = {"invariant", "library"})
    void q8AgreesWithBf16OnTheOracleCases(String path, @TempDir Path temp) throws IOException {
        if (path.equals("library")) {
            TestModels.requireOneDnn();
        }
        Path stories = TestModels.requireStories260K();
        Path bf16 = TestModels.convertModel(stories, temp.resolve("stories-bf16"), DType.BF16, DType.BF16);
        List<int[]> prompts = new ArrayList<>();
        for (JsonNode testCase : new ObjectMapper().readTree(stories.resolve("expected-greedy.json").toFile())
                .get("cases")) {
            int[] ids = new int[testCase.get("prompt_ids").size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = testCase.get("prompt_ids").get(i).asInt();
            }
            prompts.add(ids);
        }
        List<Request> requests = prompts.stream()
                .map(p -> new Request(p, NEW_TOKENS, SamplingParams.greedy(), true)).toList();
        EngineOptions reference = EngineOptions.builder(bf16).batchInvariant(true).build();
        EngineOptions quantized = reference.toBuilder().quantization(Quantization.Q8)
                .batchInvariant(path.equals("invariant")).build();
        try (Engine exact = Engine.load(ModelFolder.open(bf16), reference, null);
             Engine q8 = Engine.load(ModelFolder.open(bf16), quantized, null)) {
            List<Completion> expected = exact.generate(requests, GenerationListener.NONE);
            List<Completion> actual = q8.generate(requests, GenerationListener.NONE);
            double klSum = 0;
            int positions = 0;
            int equal = 0;
            for (int p = 0; p < prompts.size(); p++) {
                int[] prompt = prompts.get(p);
                int[] want = expected.get(p).generatedIds();
                GreedyAgreement.Verdict verdict = GreedyAgreement.check(want, actual.get(p).generatedIds(),
                        i -> exact.lastPositionLogits(concat(prompt, Arrays.copyOf(want, i))));
                assertTrue(verdict.agrees(), "prompt " + p + ": " + verdict.explanation());
                equal += verdict.firstDivergence() < 0 ? 1 : 0;
                // Every position of the bf16 run's sequence: after the prompt, and after each generated token.
                for (int i = 0; i < want.length; i++) {
                    int[] prefix = concat(prompt, Arrays.copyOf(want, i));
                    klSum += klDivergence(exact.lastPositionLogits(prefix), q8.lastPositionLogits(prefix));
                    positions++;
                }
            }
            double meanKl = klSum / positions;
            System.out.printf(Locale.ROOT, "q8 (" + path + " path) vs bf16 on stories260K: %d of %d oracle cases with equal greedy ids "
                    + "(the rest within the top %d at the first divergence), mean KL(bf16 || q8) %.3g nats over %d "
                    + "positions%n", equal, prompts.size(), GreedyAgreement.TOP, meanKl, positions);
            assertEquals(prompts.size() * NEW_TOKENS, positions);
            assertTrue(meanKl < MEAN_KL_BOUND, "mean KL " + meanKl);
            assertTrue(meanKl > 0, "the q8 model must differ from bf16 at all (else nothing was quantized)");
        }
    }

    /** KL(p || q) of the softmax distributions of two logit vectors, in nats, computed in double. */
    static double klDivergence(float[] pLogits, float[] qLogits) {
        double[] p = softmax(pLogits);
        double[] q = softmax(qLogits);
        double kl = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                kl += p[i] * (Math.log(p[i]) - Math.log(Math.max(q[i], Double.MIN_NORMAL)));
            }
        }
        return kl;
    }

    private static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double[] out = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            out[i] = Math.exp(logits[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }
}
