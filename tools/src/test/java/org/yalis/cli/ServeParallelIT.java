package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import org.yalis.engine.testing.TestModels;

/**
 * Tensor-parallel ranks behind the server: with ranks as threads ({@code --tp 2}) and as the processes of
 * {@code mpirun -np 2 ... --collective mpi}, rank 0 serves and every rank runs the batches it admits; the
 * completions, alone and concurrent, are those of {@code yalis generate} on one rank, and SIGTERM ends
 * every rank with 0 (sent to every rank, as Slurm does).
 */
class ServeParallelIT {
    private static final List<String> PROMPTS = List.of("Once upon a time", "The dog", "Lily and Ben", "One day");

    private static void servesWhatOneRankGenerates(ServerProcess server, Path model) throws Exception {
        List<JsonNode> expected = new ArrayList<>();
        for (String prompt : PROMPTS) {
            expected.add(ServeIT.generate(model, List.of(prompt), "--max-new-tokens", "40", "--batch-invariant")
                    .getFirst());
        }
        ExecutorService clients = Executors.newFixedThreadPool(PROMPTS.size());
        try {
            List<Future<ServerProcess.Reply>> replies = new ArrayList<>();
            for (String prompt : PROMPTS) {
                replies.add(clients.submit(() -> server.post("/v1/completions", Map.of("prompt", prompt,
                        "max_tokens", 40, "temperature", 0, "stream", true))));
            }
            for (int i = 0; i < PROMPTS.size(); i++) {
                ServerProcess.Reply reply = replies.get(i).get(120, TimeUnit.SECONDS);
                assertEquals(200, reply.status(), reply.body());
                assertEquals(expected.get(i).path("text").asText(), ServerProcess.streamedText(reply.body()),
                        "'" + PROMPTS.get(i) + "'");
            }
        } finally {
            clients.shutdownNow();
        }
        ServerProcess.Reply alone = server.post("/v1/completions", Map.of("prompt", PROMPTS.getFirst(), "max_tokens", 40,
                "temperature", 0));
        assertEquals(expected.getFirst().path("text").asText(), alone.json().path("choices").get(0).path("text").asText());
        assertEquals(0, server.metric("yalis_kv_blocks_used"));
    }

    @Test
    void ranksAsThreads() throws Exception {
        Path model = TestModels.requireStories260K();
        try (ServerProcess server = ServerProcess.start("--model", model.toString(), "--tp", "2", "--batch-invariant")) {
            servesWhatOneRankGenerates(server, model);
            assertEquals(0, server.terminate(60), server.stderr());
        }
    }

    @Test
    void ranksAsMpiProcesses() throws Exception {
        Path model = TestModels.requireStories260K();
        MpiJob.requireMpirun();
        try (ServerProcess server = ServerProcess.startUnderMpirun(2, "--model", model.toString(), "--tp", "2",
                "--collective", "mpi", "--batch-invariant", "--threads", "1")) {
            servesWhatOneRankGenerates(server, model);
            assertEquals(0, server.terminateRanks(60), "mpirun's exit status after SIGTERM to the ranks:\n"
                    + server.stderr());
        }
    }
}
