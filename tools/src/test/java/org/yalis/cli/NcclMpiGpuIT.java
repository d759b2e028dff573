package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import org.yalis.engine.testing.Gpus;

/**
 * NCCL and MPI on GPU buffers under mpirun: the collectives' values across two processes (two
 * GPUs), and comm-bench measuring both side by side on one and two ranks. Skipped, saying why,
 * without a GPU, NCCL or mpirun; the two-rank cases need two GPUs (NCCL runs one rank per GPU).
 */
@Tag("gpu")
class NcclMpiGpuIT {
    private static final Path PROJECT = Path.of(System.getProperty("yalis.project.dir", "..")).toAbsolutePath()
            .normalize();

    @BeforeEach
    void requireGpuNcclAndMpirun() {
        Gpus.require(1);
        Gpus.requireNccl();
        MpiJob.requireMpirun();
    }

    private static List<JsonNode> commBench(int ranks, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PROJECT.resolve("bin/yalis").toString(), "comm-bench", "--json",
                "--min-bytes", "1KiB", "--max-bytes", "16MiB", "--warmup", "2", "--repeat", "7"));
        command.addAll(List.of(args));
        MpiJob.Result result = MpiJob.run(300, Map.of(), new MpiJob.Program(ranks, command));
        assertFalse(result.timedOut(), "comm-bench hung:\n" + result.stderr());
        assertEquals(0, result.exitCode(), result.stderr());
        List<JsonNode> lines = new ArrayList<>();
        for (String line : result.stdout().lines().toList()) {
            lines.add(new ObjectMapper().readTree(line));
        }
        assertEquals(15 * 3, lines.size(), "rank 0 alone prints every point:\n" + result.stdout());
        return lines;
    }

    private static void assertPlausible(List<JsonNode> lines, String backend, int ranks, String dtype) {
        for (JsonNode point : lines) {
            assertEquals(backend, point.get("backend").asText(), point.toString());
            assertEquals(ranks, point.get("ranks").asInt(), point.toString());
            assertEquals(dtype, point.get("dtype").asText(), point.toString());
            assertEquals("device", point.get("buffers").asText(), point.toString());
            assertTrue(point.get("time_us").asDouble() > 0 && point.get("algbw_gbps").asDouble() > 0, point.toString());
        }
    }

    @Test
    void commBenchOnOneRankMeasuresNcclAndStagedMpiOnGpuBuffers() throws Exception {
        for (String dtype : List.of("f32", "bf16")) {
            assertPlausible(commBench(1, "--collective", "nccl", "--dtype", dtype), "nccl", 1, dtype);
            assertPlausible(commBench(1, "--collective", "mpi", "--device-buffers", "--dtype", dtype), "mpi", 1, dtype);
        }
    }

    @Test
    void twoProcessesAllReduceGatherAndBroadcastDeviceBuffers() throws Exception {
        Gpus.require(2);
        MpiJob.Result result = MpiJob.run(300, Map.of(), new MpiJob.Program(2,
                MpiJob.javaWithTestClassPath(NcclCollectivesCheck.class.getName())));
        assertFalse(result.timedOut(), "the job hung:\n" + result.stderr());
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertTrue(result.stdout().contains("rank 0 OK") && result.stdout().contains("rank 1 OK"), result.stdout());
    }

    @Test
    void commBenchOnTwoRanksMeasuresNcclAndStagedMpiSideBySide() throws Exception {
        Gpus.require(2);
        List<JsonNode> nccl = commBench(2, "--collective", "nccl", "--dtype", "bf16");
        List<JsonNode> mpi = commBench(2, "--collective", "mpi", "--device-buffers", "--dtype", "bf16");
        assertPlausible(nccl, "nccl", 2, "bf16");
        assertPlausible(mpi, "mpi", 2, "bf16");
        for (List<JsonNode> points : List.of(nccl, mpi)) {
            List<JsonNode> reduces = points.stream().filter(p -> p.get("op").asText().equals("all-reduce")).toList();
            assertTrue(reduces.getLast().get("busbw_gbps").asDouble() > 10 * reduces.getFirst().get("busbw_gbps").asDouble(),
                    "16 MiB moves at a far higher rate than 1 KiB: " + reduces.getFirst() + " vs " + reduces.getLast());
        }
    }
}
