package org.yalis.attention.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.attention.AttentionSpec;
import org.yalis.engine.cuda.CudaBackend;
import org.yalis.engine.metrics.Category;
import org.yalis.engine.metrics.PhaseBreakdown;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.model.Phase;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.testing.Gpu;
import org.yalis.engine.testing.GreedyAgreement;
import org.yalis.engine.testing.TestModels;
import org.yalis.nativelib.reference.RelativeError;

/**
 * The whole engine on {@code --device cuda --attention cuda} with a synthetic bf16 model: a bf16 KV
 * cache, logits near the CPU's on the same weights, chunked prefill, batched greedy generation that
 * agrees with the CPU's (the stories260K rule), event-timed profiling, and every device byte back when
 * the engine closes. Skipped without a GPU.
 */
@Tag("gpu")
class CudaEngineGpuTest {
    /** Logits after two bf16 layers: each op rounds once (about 2e-3), a few of them compound. */
    private static final double LOGIT_BOUND = 5e-2;

    @TempDir
    Path dir;

    @Test
    void generatesWithABf16CacheAndGivesEveryByteBack() throws IOException {
        Gpu.require();
        Path model = TestModels.writeTinyModel(dir.resolve("tiny"), DType.BF16, 17);
        ModelFolder folder = ModelFolder.open(model);
        EngineOptions cpuOptions = EngineOptions.builder(model).threads(4).maxBatch(4).maxStepTokens(64).build();
        EngineOptions cudaOptions = cpuOptions.toBuilder().device("cuda").attention("cuda").profile(true).build();
        Random random = new Random();
        List<int[]> prompts = new ArrayList<>();
        for (int length : new int[] {1, 9, 40, 150}) {   // 150 > 64: a chunked prefill
            prompts.add(random.ints(length, 3, folder.config().vocabSize()).toArray());
        }
        List<Request> requests = prompts.stream().map(p -> new Request(p, 24, SamplingParams.greedy(), true)).toList();
        CudaBackend backend;
        try (Engine cpu = Engine.load(folder, cpuOptions, null); Engine cuda = Engine.load(folder, cudaOptions, null)) {
            backend = assertInstanceOf(CudaBackend.class, cuda.backend());
            long bytesPerBlock = AttentionSpec.bytesPerBlock(folder.config().layers(), folder.config().kvHeads(),
                    folder.config().headDim(), cudaOptions.kvBlockSize(), DType.BF16);
            assertEquals(cuda.kvPool().totalBlocks() * bytesPerBlock, cuda.kvCacheBytes(), "the KV cache is bf16");

            for (int[] prompt : prompts) {
                float[] expected = cpu.lastPositionLogits(prompt);
                float[] actual = cuda.lastPositionLogits(prompt);
                double error = RelativeError.of(actual, toDoubles(expected));
                System.out.printf("tiny bf16 model, prompt of %d tokens: cuda logits vs cpu relative error %.3e%n",
                        prompt.length, error);
                assertTrue(error <= LOGIT_BOUND, "logits after " + prompt.length + " tokens: " + error);
            }

            cuda.resetProfile();
            List<Completion> reference = cpu.generate(requests, GenerationListener.NONE);
            List<Completion> candidate = cuda.generate(requests, GenerationListener.NONE);
            assertEquals(cuda.kvPool().totalBlocks(), cuda.kvPool().freeBlocks(), "every KV block is back");
            for (int p = 0; p < prompts.size(); p++) {
                int[] prompt = prompts.get(p);
                int[] cpuIds = reference.get(p).generatedIds();
                GreedyAgreement.Verdict verdict = GreedyAgreement.check(cpuIds, candidate.get(p).generatedIds(),
                        i -> cpu.lastPositionLogits(concat(prompt, Arrays.copyOf(cpuIds, i))));
                System.out.println("tiny bf16 model, prompt of " + prompt.length + " tokens: " + verdict.explanation());
                assertTrue(verdict.agrees(), verdict.explanation());
            }

            PhaseBreakdown decode = cuda.breakdown(Phase.DECODE);
            long sum = decode.nanos().values().stream().mapToLong(Long::longValue).sum();
            System.out.printf("profiled decode on cuda: gemm %.2f ms, attention %.2f ms, other %.2f ms of %.2f ms%n",
                    decode.millis(Category.GEMM), decode.millis(Category.ATTENTION), decode.millis(Category.OTHER),
                    decode.stepMillis());
            assertTrue(decode.steps() > 0 && decode.millis(Category.GEMM) > 0 && decode.millis(Category.ATTENTION) > 0);
            assertEquals(decode.stepNanos(), sum, "categories add up to the steps");
            assertTrue(backend.allocatedBytes() > 0);
        }
        assertEquals(0, backend.allocatedBytes(), "every device byte back after the engine closed");
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
