package org.yalis.attention.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.attention.AttentionBatch;
import org.yalis.engine.attention.AttentionSpec;
import org.yalis.engine.checkpoint.Checkpoint;
import org.yalis.engine.cuda.SimulatedCudaBackend;
import org.yalis.engine.model.DecodeGraphs;
import org.yalis.engine.model.LlamaConfig;
import org.yalis.engine.model.LlamaModel;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.model.Phase;
import org.yalis.engine.model.StepInput;
import org.yalis.engine.parallel.SingleRankPlan;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;
import org.yalis.engine.testing.GreedyAgreement;
import org.yalis.engine.testing.TestModels;

/**
 * stories260K on the CUDA backend's device path without a GPU ({@link SimulatedCudaBackend}: our
 * kernels in the simulator, matrix products on the host): the model's forward, {@link CudaAttention}
 * over a block table in shuffled order and growing past several block-table strides, the fused
 * rope/norm operations and the greedy argmax, run end to end. Its greedy ids agree with the CPU
 * backend's (equal, or within the top 5 at the first divergence, as bf16 against f32), and with
 * {@code --cuda-graphs} the ids are the very same, from a few captures and many replays.
 */
class SimulatedCudaModelTest {
    private static final int NEW_TOKENS = 24;
    private static final int BLOCK_SIZE = 4;

    @Test
    void storiesGreedyIdsAgreeWithTheCpuAndGraphsChangeNothing() {
        Path model = TestModels.requireStories260K();
        ModelFolder folder = ModelFolder.open(model);
        int[] prompt = {1, 403, 407, 261, 378};
        EngineOptions cpuOptions = EngineOptions.builder(model).threads(2).build();
        try (Engine cpu = Engine.load(folder, cpuOptions, null)) {
            int[] reference = cpu.generate(List.of(new Request(prompt, NEW_TOKENS, SamplingParams.greedy(), true)),
                    GenerationListener.NONE).getFirst().generatedIds();
            Run eager = generate(folder, prompt, false);
            Run graphed = generate(folder, prompt, true);
            GreedyAgreement.Verdict verdict = GreedyAgreement.check(reference, eager.ids(),
                    i -> cpu.lastPositionLogits(concat(prompt, Arrays.copyOf(reference, i))));
            System.out.printf("simulated cuda: cpu %s, cuda %s: %s; graphs %s%n", Arrays.toString(reference),
                    Arrays.toString(eager.ids()), verdict.explanation(), graphed.counts());
            assertTrue(verdict.agrees(), verdict.explanation());
            assertArrayEquals(eager.ids(), graphed.ids(), "replayed decode steps give the ids of eager ones");
            DecodeGraphs.Counts counts = graphed.counts();
            assertEquals(0, counts.failedCaptures(), counts.toString());
            assertEquals(NEW_TOKENS - 1, counts.captures() + counts.replays(), "every decode step, once");
            assertTrue(counts.replays() > 3 * counts.captures(), "block-table strides 2, 4, 8 only: " + counts);
            assertEquals(new DecodeGraphs.Counts(0, 0, 0, 0), eager.counts());
        }
    }

    private record Run(int[] ids, DecodeGraphs.Counts counts) {
    }

    /** Greedy generation of one sequence, step by step as the engine schedules it (a prefill, then decodes). */
    private static Run generate(ModelFolder folder, int[] prompt, boolean graphs) {
        try (SimulatedCudaBackend backend = SimulatedCudaBackend.create(); Arena arena = Arena.ofShared()) {
            LlamaConfig config = folder.config();
            int maxLength = prompt.length + NEW_TOKENS;
            LlamaModel model = LlamaModel.load(config, Checkpoint.open(folder.path(), arena), backend,
                    new SingleRankPlan(), maxLength, 64, 1, null);
            if (graphs) {
                model.replayDecodeFromGraphs();
            }
            int blocks = Math.ceilDiv(maxLength, BLOCK_SIZE);
            AttentionSpec spec = new AttentionSpec(config.layers(), config.heads(), config.kvHeads(), config.headDim(),
                    (float) (1 / Math.sqrt(config.headDim())), BLOCK_SIZE, blocks, DType.BF16);
            // Through the SPI, as the engine creates it: the simulated backend is a KernelDevice as CudaBackend is.
            org.yalis.engine.attention.Attention attention = new CudaAttentionBackend().create(spec, backend);
            int[] blockOrder = new int[blocks];
            for (int b = 0; b < blocks; b++) {
                blockOrder[b] = blocks - 1 - b;   // not the identity: the table matters
            }
            Tensor picked = backend.allocate(DType.I32, 1, 1);
            List<Integer> tokens = new ArrayList<>(Arrays.stream(prompt).boxed().toList());
            int[] generated = new int[NEW_TOKENS];
            for (int step = 0; step < NEW_TOKENS; step++) {
                int start = step == 0 ? 0 : tokens.size() - 1;
                int count = tokens.size() - start;
                int context = tokens.size();
                int[] table = Arrays.copyOf(blockOrder, Math.ceilDiv(context, BLOCK_SIZE));
                int[] ids = new int[count];
                int[] positions = new int[count];
                int[] slots = new int[count];
                for (int i = 0; i < count; i++) {
                    int position = start + i;
                    ids[i] = tokens.get(position);
                    positions[i] = position;
                    slots[i] = table[position / BLOCK_SIZE] * BLOCK_SIZE + position % BLOCK_SIZE;
                }
                StepInput input = new StepInput(step == 0 ? Phase.PREFILL : Phase.DECODE, ids, positions,
                        new AttentionBatch(new int[] {0}, new int[] {count}, new int[] {context}, new int[][] {table},
                                slots), new int[] {count - 1});
                backend.argmaxRows(model.forward(input, attention), picked);
                int[] id = new int[1];
                backend.copyToHost(picked, id);
                generated[step] = id[0];
                tokens.add(id[0]);
            }
            DecodeGraphs.Counts counts = model.decodeGraphCounts();
            attention.close();
            return new Run(generated, counts);
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
