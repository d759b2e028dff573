package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import org.yalis.engine.testing.TestModels;

/**
 * {@code tools/soak.sh} as CI runs it: 1,000 generations (after 500 to warm up) against one engine on stories260K,
 * preempted by a small KV pool; every output equal to its one-at-a-time run, every KV block free, memory flat.
 */
class SoakIT {
    private static final Path PROJECT = Path.of(System.getProperty("yalis.project.dir", "..")).toAbsolutePath()
            .normalize();

    @Test
    void aThousandGenerationsLeaveNothingBehind() throws Exception {
        Path model = TestModels.requireStories260K();
        Path stdout = Files.createTempFile("soak", ".json");
        Path stderr = Files.createTempFile("soak", ".txt");
        Process soak = new ProcessBuilder(List.of(PROJECT.resolve("tools/soak.sh").toString(), "1000", "600",
                model.toString(), "7")).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        boolean finished = soak.waitFor(800, TimeUnit.SECONDS);
        if (!finished) {
            soak.descendants().forEach(ProcessHandle::destroyForcibly);
            soak.destroyForcibly();
        }
        String log = Files.readString(stderr, StandardCharsets.UTF_8);
        String json = Files.readString(stdout, StandardCharsets.UTF_8);
        Files.delete(stdout);
        Files.delete(stderr);
        assertTrue(finished, "the soak run did not end:\n" + log);
        assertEquals(0, soak.exitValue(), log);
        JsonNode figures = new ObjectMapper().readTree(json);
        assertEquals(1000, figures.get("generations").asInt(), json);
        assertEquals(1500, figures.get("outputs_checked_against_one_at_a_time").asInt(), json);
        assertTrue(figures.get("preemptions").asInt() > 0, "the small pool forced preemptions: " + json);
        assertTrue(figures.get("sampled_generations").asInt() > 0, "sampled outputs were compared too: " + json);
        assertEquals(figures.get("kv_blocks_total").asInt(), figures.get("kv_blocks_free_at_end").asInt(), json);
        assertEquals(0, figures.get("failures").size(), json);
    }
}
