package org.yalis.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.VerboseMode;

import org.yalis.engine.tensor.DType;

class WorkTest {

    @Test
    void matmulMovesTheWeightsOnceAndDoesTwoFlopsPerMultiplyAdd() {
        Work decode = Work.matmul(1, 2048, 2048, DType.BF16);
        assertEquals(2048L * 2048 * 2 + 2 * 2048 * 4, decode.bytes());
        assertEquals(2L * 2048 * 2048, decode.flops());
        Work prefill = Work.matmul(128, 8192, 2048, DType.F32);
        assertEquals(8192L * 2048 * 4 + 128L * 2048 * 4 + 128L * 8192 * 4, prefill.bytes());
        assertEquals(2L * 128 * 8192 * 2048, prefill.flops());
    }

    @Test
    void attentionCountsCausalPairsAndReadsTheCacheOnce() {
        Work decode = Work.attention(1, 1024, 32, 8, 64);
        assertEquals(4L * 1024 * 32 * 64, decode.flops());
        assertEquals(2L * 1024 * 8 * 64 * 4 + 2L * 32 * 64 * 4, decode.bytes());
        Work prefill = Work.attention(128, 128, 32, 8, 64);
        assertEquals(4L * (128 * 129 / 2) * 32 * 64, prefill.flops());
    }

    @Test
    void everyBenchmarkInTheJarHasAWorkModelForEveryParameterCombination() {
        Set<BenchmarkListEntry> entries = BenchmarkList.defaultList()
                .getAll(OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT), List.of());
        assertEquals(4, entries.size(), "matmul, rmsnorm, rope, attention");
        for (BenchmarkListEntry entry : entries) {
            Map<String, String[]> params = entry.getParams().orElse(Map.of());
            assertTrue(!params.isEmpty(), entry.getUsername() + " has parameters");
            for (Map<String, String> combination : combinations(params)) {
                Work work = Workloads.of(entry.getUsername(), combination::get);
                assertTrue(work.bytes() > 0 && work.flops() > 0, entry.getUsername() + " " + combination);
            }
        }
    }

    @Test
    void jmhScoresBecomeSecondsPerCall() {
        assertEquals(250e-6, Main.secondsPerCall(Mode.AverageTime, TimeUnit.MICROSECONDS, 250), 1e-15);
        assertEquals(1e-3 / 4, Main.secondsPerCall(Mode.Throughput, TimeUnit.MILLISECONDS, 4), 1e-15);
        RooflineTable.Row row = new RooflineTable.Row("matmul", "", 1e-3, 0.05, new Work(2_000_000, 6_000_000));
        assertEquals(2.0, row.gigabytesPerSecond(), 1e-12);
        assertEquals(6.0, row.gigaflops(), 1e-12);
    }

    private static List<Map<String, String>> combinations(Map<String, String[]> params) {
        List<Map<String, String>> combinations = List.of(Map.of());
        for (Map.Entry<String, String[]> param : params.entrySet()) {
            List<Map<String, String>> extended = new ArrayList<>();
            for (Map<String, String> partial : combinations) {
                for (String value : param.getValue()) {
                    Map<String, String> next = new HashMap<>(partial);
                    next.put(param.getKey(), value);
                    extended.add(next);
                }
            }
            combinations = extended;
        }
        return combinations;
    }
}
