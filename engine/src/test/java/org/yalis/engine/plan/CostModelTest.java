package org.yalis.engine.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.yalis.engine.YalisException;
import org.yalis.engine.model.LlamaConfig;
import org.yalis.engine.tensor.DType;

/** Rooflines, placement and the dry run's counts against cases worked by hand. */
class CostModelTest {

    /** 100 TFLOP/s and 1 TB/s, every efficiency 1, no fixed costs; 4 devices a node, 10 GB/s per device between nodes. */
    private static Cluster cluster(double gemmHalfTokens, int maxNodes) {
        return new Cluster("test", "", 4, maxNodes, new Cluster.Device("dev", 100e12, 1e12, 80e9, 1, gemmHalfTokens, 1,
                1, 0, 0, 0, 0, DType.BF16), new Cluster.Link(100e9, 1e-6), new Cluster.Network(4, 10e9, 9e-6),
                Map.of("ring", new Cluster.CollectiveSoftware(CollectiveAlgorithm.RING_OR_TREE, 0, 1e-6, 1)));
    }

    @Test
    void aDecodeProductIsBoundByItsBytesAndAPrefillProductByItsFlops() {
        Cluster.Device d = cluster(0, Integer.MAX_VALUE).device();
        // 1 token x 4096 x 4096 bf16: 32 MiB of weights + 8 KiB in + 8 KiB out = 33,570,816 bytes at 1 TB/s.
        StepTrace.Matmul decode = new StepTrace.Matmul(1, 4096, 4096, DType.BF16, DType.BF16);
        assertEquals(33_570_816 / 1e12, CostModel.matmulSeconds(decode, 100e12, 1e12, d), 1e-15);
        // 4096 tokens: 2 x 4096^3 = 137.4 GFLOP at 100 TFLOP/s = 1.374 ms (its 100 MB take only 0.1 ms).
        StepTrace.Matmul prefill = new StepTrace.Matmul(4096, 4096, 4096, DType.BF16, DType.BF16);
        assertEquals(2.0 * 4096 * 4096 * 4096 / 100e12, CostModel.matmulSeconds(prefill, 100e12, 1e12, d), 1e-15);
    }

    @Test
    void smallProductsLoseEfficiencyByTheHalfRateRows() {
        // gemm_half_tokens 64: 64 rows run at half the rate, so 64 x 8192 x 8192 takes twice its FLOPs' time.
        Cluster.Device d = cluster(64, Integer.MAX_VALUE).device();
        StepTrace.Matmul m = new StepTrace.Matmul(64, 8192, 8192, DType.BF16, DType.BF16);
        assertEquals(2 * m.flops() / 100e12, CostModel.matmulSeconds(m, 100e12, 1e12, d), 1e-15);
    }

    @Test
    void ranksFillNodesInOrderAndShareDevicesBeyondTheLastNode() {
        Placement eight = Placement.of(8, cluster(0, Integer.MAX_VALUE));
        assertEquals(2, eight.nodes());
        assertEquals(1.0, eight.deviceShare());
        assertEquals(1, eight.nodeOf(4));
        // A row group of a 4x2 grid holds ranks 4 and 5: one node; a column group 0, 2, 4, 6: two nodes.
        assertEquals(1, eight.nodesSpanned(new StepTrace.Collective(StepTrace.CollectiveKind.ALL_REDUCE, 1, 2, 4, 1)));
        assertEquals(2, eight.nodesSpanned(new StepTrace.Collective(StepTrace.CollectiveKind.ALL_REDUCE, 1, 4, 0, 2)));
        // One node of 4 devices running 8 ranks: each rank has half a device.
        assertEquals(0.5, Placement.of(8, cluster(0, 1)).deviceShare());
    }

    @Test
    void analyticCollectivesUseTheLevelsTheGroupSpans() {
        Cluster c = cluster(0, Integer.MAX_VALUE);
        CollectiveTimes.Analytic ring = new CollectiveTimes.Analytic("ring", c);
        Placement eight = Placement.of(8, c);
        // Within a node, 4 ranks, 4 MB: 2 x 3 x (1 us + 1 MB / 100 GB/s) = 66 us.
        assertEquals(66e-6, ring.seconds(new StepTrace.Collective(StepTrace.CollectiveKind.ALL_REDUCE, 4_000_000, 4,
                0, 1), eight), 1e-12);
        // Across two nodes, 8 ranks, 8 MB: ring 2 x 7 x (10 us + 1 MB / 10 GB/s) = 1540 us (the tree takes 1626).
        assertEquals(1540e-6, ring.seconds(new StepTrace.Collective(StepTrace.CollectiveKind.ALL_REDUCE, 8_000_000, 8,
                0, 1), eight), 1e-12);
        assertThrows(YalisException.class, () -> new CollectiveTimes.Analytic("nccl", c));
    }

    @Test
    void theDryRunCountsWhatTheEngineIssues() {
        // A 2-layer model, hidden 256 in f32 activations, 1D over 2 ranks: per step two all-reduces per layer of
        // tokens x 256 x 4 bytes, and one all-gather of each rank's half of the logits of the sampled rows.
        LlamaConfig config = new LlamaConfig("llama", 256, 512, 2, 4, 2, 64, 1000, 128, 1e-5f, 10000, new org.yalis.engine.model.RopeScaling.None(), false, null,
                java.util.List.of());
        RunTrace trace = StepTracer.trace(config, new RunShape(2, 1, 3, 10, 4, DType.BF16, DType.F32, 64, 512, 16));
        assertEquals(1, trace.prefill().steps());
        assertEquals(3, trace.decode().steps(), "4 new tokens: the first from the prefill, then 3 decode steps");
        assertEquals(Map.of(30L * 256 * 4, 4L, 3L * 500 * 4, 1L), trace.prefill().collectiveMessages());
        assertEquals(Map.of(3L * 256 * 4, 12L, 3L * 500 * 4, 3L), trace.decode().collectiveMessages());
        // Each rank streams half of every linear layer (bf16) and half of the untied LM head.
        long perLayer = (256L * 256 + 2L * 128 * 256 + 256L * 256 + 3L * 512 * 256) / 2 * 2;
        assertEquals(2 * perLayer + 1000L * 256 / 2 * 2, trace.weightBytesPerRank());
        // Decode's products: q, k, v, o, gate, up, down per layer and the LM head, 3 rows each, every step.
        long products = trace.decode().matmuls().values().stream().mapToLong(Long::longValue).sum();
        assertEquals(3 * (2 * 7 + 1), products);
        assertTrue(trace.decode().matmuls().keySet().stream().allMatch(m -> m.tokens() == 3));
        // KV cache: 3 sequences x 14 positions x 2 layers x (K and V) x 1 KV head x 64 x 4 bytes.
        assertEquals(3L * 14 * 2 * 2 * 64 * 4, trace.kvCacheBytesPerRank());
    }

    @Test
    void aRunLongerThanTheContextIsRefused() {
        LlamaConfig config = new LlamaConfig("llama", 256, 512, 2, 4, 2, 64, 1000, 128, 1e-5f, 10000, new org.yalis.engine.model.RopeScaling.None(), false, null,
                java.util.List.of());
        YalisException e = assertThrows(YalisException.class, () -> StepTracer.trace(config,
                new RunShape(1, 1, 1, 120, 20, DType.BF16, DType.F32, 64, 512, 16)));
        assertTrue(e.getMessage().contains("context is 128"), e.getMessage());
    }

    @Test
    void theLlama70bPresetOnPerlmutterSpansNodesBeyondFourGpus() {
        Cluster perlmutter = Cluster.load("perlmutter");
        LlamaConfig config = PlanModels.config("llama-3.1-70b");
        RunShape shape = RunShape.of(8, 1, 16, 256, 8, DType.BF16, DType.BF16);
        CostModel.Prediction p = new CostModel(perlmutter, new CollectiveTimes.Analytic("nccl", perlmutter))
                .predict(StepTracer.trace(config, shape));
        assertEquals(2, p.placement().nodes());
        // Decode all-reduces carry batch x hidden bf16: 16 x 8192 x 2 = 256 KiB, two per layer per step.
        assertEquals(2L * 80 * 7, p.trace().decode().collectiveMessages().get(16L * 8192 * 2));
        assertTrue(p.decode().collectiveSeconds() > 0 && p.endToEndSeconds() > p.decode().totalSeconds());
    }
}
