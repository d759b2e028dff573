package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.testing.TestModels;
import org.yalis.engine.tokenizer.Tokenizer;

/**
 * {@code --collective hier} under mpirun, with the ranks on pretend hosts: each rank runs in a UTS
 * namespace of its own whose hostname says its node ({@code unshare --uts}, root only; skipped, saying
 * why, elsewhere), so the hierarchical all-reduce finds two nodes of two ranks the way it would on a
 * cluster, from hostnames. Its sums equal MPI's flat all-reduce, and generation over it gives the
 * single-rank ids and logits (1e-4), 1D and 2D.
 */
class HierCollectiveIT {
    private static Path model;
    private static int[] prompt;
    private static int[] singleRankIds;
    private static float[] singleRankLogits;

    @BeforeAll
    static void singleRankReference() {
        model = TestModels.requireStories260K();
        MpiJob.requireMpirun();
        try (Tokenizer tokenizer = Tokenizer.load(model, 1)) {
            prompt = tokenizer.encode("Once upon a time");
        }
        try (Engine engine = Engine.load(ModelFolder.open(model), EngineOptions.defaults(model), null)) {
            Completion completion = engine.generate(List.of(new Request(prompt, 64, SamplingParams.greedy(), true)),
                    GenerationListener.NONE).getFirst();
            singleRankIds = completion.generatedIds();
            singleRankLogits = engine.lastPositionLogits(prompt);
        }
    }

    /** {@code command} run by every rank on the host {@code yalis-node-(rank / ranksPerNode)}. */
    private static List<String> onPretendHosts(int ranksPerNode, List<String> command) throws Exception {
        Process probe = new ProcessBuilder("unshare", "--uts", "true").redirectErrorStream(true).start();
        if (probe.waitFor() != 0) {
            String reason = "cannot make UTS namespaces here (unshare --uts needs root): "
                    + new String(probe.getInputStream().readAllBytes()).strip();
            System.err.println("SKIPPED: " + reason);
            Assumptions.abort(reason);
        }
        List<String> wrapped = new ArrayList<>(List.of("unshare", "--uts", "sh", "-c",
                "hostname \"yalis-node-$((OMPI_COMM_WORLD_RANK / " + ranksPerNode + "))\" && exec \"$@\"", "sh"));
        wrapped.addAll(command);
        return wrapped;
    }

    @Test
    void twoNodesOfTwoRanksSumAsMpiDoes(@TempDir Path temp) throws Exception {
        Path out = temp.resolve("nodes.txt");
        MpiJob.Result result = MpiJob.run(180, Map.of(), new MpiJob.Program(4, onPretendHosts(2,
                MpiJob.javaWithTestClassPath(HierarchicalAllReduceCheck.class.getName(), out.toString()))));
        assertFalse(result.timedOut(), "the job hung:\n" + result.stderr());
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertEquals("2 2", Files.readString(out), "two nodes of two ranks, found from the hostnames");
    }

    /**
     * {@code --collective auto} with a profile that puts all-reduces up to 1 KiB on mpi and larger ones on
     * hier (decode steps' small ones and prefill's large ones take different backends): the same ids and
     * logits as one rank.
     */
    @ParameterizedTest(name = "auto over {0} processes, grid {1}x{2}")
    @CsvSource({"4, 4, 1", "4, 2, 2"})
    void autoPicksPerSizeAndGivesTheSingleRankIdsAndLogits(int processes, int rows, int cols, @TempDir Path temp)
            throws Exception {
        Path profile = temp.resolve("profile.jsonl");
        StringBuilder lines = new StringBuilder();
        for (long bytes = 256; bytes <= (1 << 20); bytes *= 2) {
            lines.append(profileLine("mpi", processes, bytes, bytes <= 1024 ? 1 : 1000));
            lines.append(profileLine("hier", processes, bytes, bytes <= 1024 ? 1000 : 1));
        }
        Files.writeString(profile, lines.toString());
        Path out = temp.resolve("rank0.json");
        List<String> check = MpiJob.javaWithTestClassPath(MpiTensorParallelCheck.class.getName(), model.toString(),
                String.valueOf(rows), String.valueOf(cols), out.toString(),
                String.join(",", java.util.Arrays.stream(prompt).mapToObj(String::valueOf).toList()));
        MpiJob.Result result = MpiJob.run(240, Map.of("YALIS_CHECK_COLLECTIVE", "auto", "YALIS_CHECK_COMM_PROFILE",
                profile.toString()), new MpiJob.Program(processes, onPretendHosts(2, check)));
        assertFalse(result.timedOut(), "the job hung:\n" + result.stderr());
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertTrue(result.stderr().contains("collective auto (from " + profile + "): all-reduce up to 1.0 KiB mpi, "
                + "above 1.0 KiB hier"), "the choice is printed at start-up:\n" + result.stderr());
        assertSameAsOneRank(new ObjectMapper().readTree(Files.readString(out)));
    }

    @Test
    void benchRecordsAutosChoiceBesideItsBreakdown(@TempDir Path temp) throws Exception {
        Path profile = temp.resolve("profile.jsonl");
        StringBuilder lines = new StringBuilder();
        for (long bytes = 256; bytes <= (1 << 20); bytes *= 2) {
            lines.append(profileLine("mpi", 2, bytes, bytes <= 1024 ? 1 : 1000));
            lines.append(profileLine("hier", 2, bytes, bytes <= 1024 ? 1000 : 1));
        }
        Files.writeString(profile, lines.toString());
        MpiJob.Result result = MpiJob.run(180, Map.of(), new MpiJob.Program(2, List.of(
                ServerProcess.PROJECT.resolve("bin/yalis").toString(), "bench", "--model", model.toString(), "--batch",
                "1", "--prompt-len", "8", "--decode-len", "4", "--repeat", "1", "--warmup", "0", "--tp", "2",
                "--collective", "auto", "--comm-profile", profile.toString(), "--threads", "1", "--json")));
        assertFalse(result.timedOut(), "the job hung:\n" + result.stderr());
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        JsonNode bench = new ObjectMapper().readTree(result.stdout().substring(result.stdout().indexOf('{')));
        assertEquals("up to 1.0 KiB mpi, above 1.0 KiB hier", bench.path("collective_choices").asText(),
                result.stdout());
    }

    private static String profileLine(String backend, int ranks, long bytes, double micros) {
        return "{\"backend\":\"" + backend + "\",\"ranks\":" + ranks + ",\"group\":\"world\",\"op\":\"all-reduce\","
                + "\"dtype\":\"f32\",\"buffers\":\"host\",\"bytes\":" + bytes + ",\"time_us\":" + micros + "}\n";
    }

    private static void assertSameAsOneRank(JsonNode json) {
        int[] ids = new int[json.get("ids").get(0).size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = json.get("ids").get(0).get(i).asInt();
        }
        assertArrayEquals(singleRankIds, ids);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < singleRankLogits.length; i++) {
            scale = Math.max(scale, Math.abs(singleRankLogits[i]));
            worst = Math.max(worst, Math.abs(json.get("logits").get(i).asDouble() - singleRankLogits[i]));
        }
        assertTrue(worst <= 1e-4 * scale, "logits differ by " + worst + " against a largest logit of " + scale);
    }

    @ParameterizedTest(name = "{0} processes, {3} a host, grid {1}x{2}")
    @CsvSource({"2, 2, 1, 2", "4, 4, 1, 2", "4, 2, 2, 2", "4, 4, 1, 4"})
    void generationOverItGivesTheSingleRankIdsAndLogits(int processes, int rows, int cols, int ranksPerHost,
                                                        @TempDir Path temp) throws Exception {
        Path out = temp.resolve("rank0.json");
        List<String> check = MpiJob.javaWithTestClassPath(MpiTensorParallelCheck.class.getName(), model.toString(),
                String.valueOf(rows), String.valueOf(cols), out.toString(),
                String.join(",", java.util.Arrays.stream(prompt).mapToObj(String::valueOf).toList()));
        MpiJob.Result result = MpiJob.run(240, Map.of("YALIS_CHECK_COLLECTIVE", "hier"),
                new MpiJob.Program(processes, onPretendHosts(ranksPerHost, check)));
        assertFalse(result.timedOut(), "the job hung:\n" + result.stderr());
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertSameAsOneRank(new ObjectMapper().readTree(Files.readString(out)));
    }
}
