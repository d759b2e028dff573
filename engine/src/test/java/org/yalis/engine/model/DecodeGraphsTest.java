package org.yalis.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.YalisException;
import org.yalis.engine.attention.Attention;
import org.yalis.engine.attention.AttentionBatch;
import org.yalis.engine.checkpoint.Checkpoint;
import org.yalis.engine.cpu.CpuBackend;
import org.yalis.engine.cpu.WeightPlacement;
import org.yalis.engine.parallel.SingleRankPlan;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;
import org.yalis.engine.testing.RecordingBackend;
import org.yalis.engine.testing.TestModels;

/**
 * Decode steps replayed from graphs ({@code --cuda-graphs}) on a {@link RecordingBackend}, which keeps a
 * CUDA graph's rules on the CPU: the model's forward must upload every per-step input before the
 * captured work, capture once per step shape, and replay to logits bit for bit equal to running each
 * step as issued.
 */
class DecodeGraphsTest {
    private static final int MAX_SEQUENCES = 4;
    private static final int MAX_POSITIONS = 64;

    @TempDir
    static Path folder;

    private final Arena arena = Arena.ofShared();
    private LlamaConfig config;
    private Checkpoint checkpoint;
    private final Random random = new Random(7);

    @BeforeEach
    void writeModel() throws IOException {
        if (!folder.resolve("model.safetensors").toFile().exists()) {
            TestModels.writeTinyModel(folder, DType.F32, 11);
        }
        config = ModelFolder.open(folder).config();
        checkpoint = Checkpoint.open(folder, arena);
    }

    @AfterEach
    void closeArena() {
        arena.close();
    }

    /**
     * Attention for these tests: each output row is the query row of the step in reverse order, which the
     * step's layout (uploaded in beginStep into a fixed tensor) decides, as a paged kernel's does.
     */
    private static final class ReversingAttention implements Attention {
        private record Shape(int tokens) {
        }

        private final ComputeBackend backend;
        private final Tensor rowOrder;
        private final boolean keyed;
        private int tokens;

        ReversingAttention(ComputeBackend backend, boolean keyed) {
            this.backend = backend;
            this.rowOrder = backend.allocate(DType.I32, 16, 1);
            this.keyed = keyed;
        }

        @Override
        public void beginStep(AttentionBatch batch) {
            tokens = batch.tokens();
            int[] order = new int[tokens];
            for (int t = 0; t < tokens; t++) {
                order[t] = tokens - 1 - t;
            }
            backend.copyFromHost(order, rowOrder);
        }

        @Override
        public Optional<Record> graphKey() {
            return keyed ? Optional.of(new Shape(tokens)) : Optional.empty();
        }

        @Override
        public void writeKv(int layer, Tensor keys, Tensor values) {
        }

        @Override
        public void prefill(int layer, Tensor queries, Tensor out) {
            backend.gatherRows(queries, rowOrder, out);
        }

        @Override
        public void decode(int layer, Tensor queries, Tensor out) {
            backend.gatherRows(queries, rowOrder, out);
        }

        @Override
        public long kvCacheBytes() {
            return 0;
        }

        @Override
        public void close() {
        }
    }

    private LlamaModel load(ComputeBackend backend) {
        return LlamaModel.load(config, checkpoint, backend, new SingleRankPlan(), MAX_POSITIONS, 16, MAX_SEQUENCES,
                null);
    }

    /** A step of {@code sequences} sequences with random tokens at random positions, each sampled. */
    private StepInput step(Phase phase, int sequences, int tokensEach) {
        int tokens = sequences * tokensEach;
        int[] ids = random.ints(tokens, 0, config.vocabSize()).toArray();
        int[] positions = random.ints(tokens, 0, MAX_POSITIONS).toArray();
        int[] starts = new int[sequences];
        int[] lengths = new int[sequences];
        int[] contexts = new int[sequences];
        int[][] tables = new int[sequences][];
        int[] logitRows = new int[sequences];
        for (int s = 0; s < sequences; s++) {
            starts[s] = s * tokensEach;
            lengths[s] = tokensEach;
            contexts[s] = tokensEach;
            tables[s] = new int[] {s};
            logitRows[s] = starts[s] + tokensEach - 1;
        }
        return new StepInput(phase, ids, positions,
                new AttentionBatch(starts, lengths, contexts, tables, new int[tokens]), logitRows);
    }

    private static float[] logits(ComputeBackend backend, Tensor logits) {
        float[] values = new float[(int) logits.elementCount()];
        backend.copyToHost(logits, values);
        return values;
    }

    @Test
    void replayedDecodeStepsEqualEagerOnesBitForBitWithOneCapturePerShape() {
        try (CpuBackend eagerBackend = new CpuBackend(1, WeightPlacement.COPY);
             RecordingBackend graphBackend = new RecordingBackend(new CpuBackend(1, WeightPlacement.COPY))) {
            LlamaModel eager = load(eagerBackend);
            LlamaModel graphed = load(graphBackend);
            graphed.replayDecodeFromGraphs();
            Attention eagerAttention = new ReversingAttention(eagerBackend, true);
            Attention graphAttention = new ReversingAttention(graphBackend, true);
            int[] batches = {1, 3, 3, 1, 3, 2, 2};
            int decodeSteps = 0;
            for (int i = 0; i < batches.length; i++) {
                // A prefill step between decode steps runs as issued and leaves the graphs alone.
                StepInput step = i == 3 ? step(Phase.PREFILL, 2, 3) : step(Phase.DECODE, batches[i], 1);
                decodeSteps += step.phase() == Phase.DECODE ? 1 : 0;
                float[] expected = logits(eagerBackend, eager.forward(step, eagerAttention));
                float[] actual = logits(graphBackend, graphed.forward(step, graphAttention));
                assertArrayEquals(expected, actual, "step " + i + " (" + step.phase() + ", " + step.tokens()
                        + " tokens): replayed logits differ from eager ones");
                assertFalse(Arrays.equals(expected, new float[expected.length]), "logits were computed");
            }
            DecodeGraphs.Counts counts = graphed.decodeGraphCounts();
            assertEquals(3, counts.captures(), "one capture per decode batch size (1, 3, 2)");
            assertEquals(decodeSteps - 3, counts.replays(), "every decode step but the capturing ones replays");
            assertEquals(new DecodeGraphs.Counts(0, 0, 0, 0), eager.decodeGraphCounts());
        }
    }

    @Test
    void attentionWithoutAGraphKeyRunsAsIssued() {
        try (RecordingBackend backend = new RecordingBackend(new CpuBackend(1, WeightPlacement.COPY));
             CpuBackend eagerBackend = new CpuBackend(1, WeightPlacement.COPY)) {
            LlamaModel graphed = load(backend);
            graphed.replayDecodeFromGraphs();
            LlamaModel eager = load(eagerBackend);
            StepInput step = step(Phase.DECODE, 2, 1);
            assertArrayEquals(logits(eagerBackend, eager.forward(step, new ReversingAttention(eagerBackend, false))),
                    logits(backend, graphed.forward(step, new ReversingAttention(backend, false))));
            assertEquals(new DecodeGraphs.Counts(0, 0, 0, 0), graphed.decodeGraphCounts());
        }
    }

    @Test
    void indicesAreCheckedOnTheHostBeforeAReplay() {
        try (RecordingBackend backend = new RecordingBackend(new CpuBackend(1, WeightPlacement.COPY))) {
            LlamaModel graphed = load(backend);
            graphed.replayDecodeFromGraphs();
            Attention attention = new ReversingAttention(backend, true);
            graphed.forward(step(Phase.DECODE, 1, 1), attention);
            StepInput good = step(Phase.DECODE, 1, 1);
            StepInput badToken = new StepInput(Phase.DECODE, new int[] {config.vocabSize()}, good.positions(),
                    good.attention(), good.logitRows());
            IllegalArgumentException token = assertThrows(IllegalArgumentException.class,
                    () -> graphed.forward(badToken, attention));
            assertEquals("token id " + config.vocabSize() + " outside [0, " + config.vocabSize() + ")", token.getMessage());
            StepInput badPosition = new StepInput(Phase.DECODE, good.tokenIds(), new int[] {MAX_POSITIONS},
                    good.attention(), good.logitRows());
            IllegalArgumentException position = assertThrows(IllegalArgumentException.class,
                    () -> graphed.forward(badPosition, attention));
            assertEquals("position " + MAX_POSITIONS + " outside [0, " + MAX_POSITIONS + ")", position.getMessage());
        }
    }

    @Test
    void aBackendThatCannotCaptureIsRefusedWithTheFlagToChange() {
        try (CpuBackend backend = new CpuBackend(1, WeightPlacement.COPY)) {
            LlamaModel model = load(backend);
            YalisException refused = assertThrows(YalisException.class, model::replayDecodeFromGraphs);
            assertEquals("--cuda-graphs needs --device cuda: the cpu backend runs every step as it is issued",
                    refused.getMessage());
        }
    }

    @Test
    void graphsPastTheCapacityAreClosedLeastRecentlyUsedFirst() {
        try (RecordingBackend backend = new RecordingBackend(new CpuBackend(1, WeightPlacement.COPY))) {
            Tensor counter = backend.allocate(DType.F32, 1, 1);
            Tensor one = backend.allocate(DType.F32, 1, 1);
            backend.copyFromHost(new float[] {0}, counter);
            backend.copyFromHost(new float[] {1}, one);
            DecodeGraphs graphs = new DecodeGraphs(backend, 2);
            ReversingAttention attention = new ReversingAttention(backend, true);
            Runnable work = () -> backend.add(counter, one);
            int[] shapes = {1, 2, 1, 3, 2, 1};   // 3 evicts 2 (1 was used since), then 2 evicts 1, then 1 evicts 3
            for (int tokens : shapes) {
                attention.beginStep(new AttentionBatch(new int[] {0}, new int[] {tokens}, new int[] {tokens},
                        new int[][] {{0}}, new int[tokens]));
                graphs.run(tokens, 1, attention, work);
            }
            float[] count = new float[1];
            backend.copyToHost(counter, count);
            assertEquals(shapes.length, count[0], "each run does the work exactly once: as issued, or replayed");
            assertEquals(new DecodeGraphs.Counts(5, 1, 2, 0), graphs.counts());
            assertEquals(3, backend.closedGraphs().size());
            assertTrue(backend.closedGraphs().stream().allMatch(RecordingBackend.RecordedGraph::isClosed));
        }
    }

    @Test
    void aShapeThatCannotBeCapturedRunsAsIssuedFromThenOn() {
        try (RecordingBackend backend = new RecordingBackend(new CpuBackend(1, WeightPlacement.COPY))) {
            Tensor counter = backend.allocate(DType.F32, 1, 1);
            Tensor one = backend.allocate(DType.F32, 1, 1);
            backend.copyFromHost(new float[] {0}, counter);
            DecodeGraphs graphs = new DecodeGraphs(backend, 4);
            ReversingAttention attention = new ReversingAttention(backend, true);
            attention.beginStep(new AttentionBatch(new int[] {0}, new int[] {1}, new int[] {1}, new int[][] {{0}},
                    new int[1]));
            // Work with a host copy inside: fine as issued, refused while capturing.
            Runnable work = () -> {
                backend.copyFromHost(new float[] {1}, one);
                backend.add(counter, one);
            };
            for (int step = 0; step < 3; step++) {
                graphs.run(1, 1, attention, work);
            }
            float[] count = new float[1];
            backend.copyToHost(counter, count);
            assertEquals(3, count[0], "every step ran, each once");
            assertEquals(new DecodeGraphs.Counts(0, 0, 0, 1), graphs.counts(), "one failed capture, not retried");
        }
    }

    @Test
    void theRecordingBackendKeepsTheRulesOfAGraph() {
        try (RecordingBackend backend = new RecordingBackend(new CpuBackend(1, WeightPlacement.COPY))) {
            Tensor x = backend.allocate(DType.F32, 1, 1);
            RecordingBackend.RecordedGraph graph = backend.capture(() -> {
                backend.add(x, x);
                backend.add(x, x);
            });
            assertEquals(2, graph.operations());
            IllegalStateException copy = assertThrows(IllegalStateException.class,
                    () -> backend.capture(() -> backend.copyFromHost(new float[] {1}, x)));
            assertTrue(copy.getMessage().startsWith("a copy from the host during a graph capture"));
        }
    }
}
