package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.testing.TestModels;

/**
 * {@code bin/yalis serve} as a process on a loopback port, on stories260K: its completions against
 * {@code yalis generate}'s, streaming, batching, the prefix cache, disconnects, backpressure and hostile
 * requests. The shared server runs with {@code --batch-invariant}, so that a request's greedy tokens do
 * not depend on what it is batched with (see docs/cli.md), and so can be compared exactly.
 */
class ServeIT {
    private static final List<String> PROMPTS = List.of("Once upon a time", "The dog", "Lily and Ben", "One day",
            "The sun was", "Tom had a big", "She liked to", "A little bird");

    @TempDir
    static Path temp;
    private static Path model;
    private static ServerProcess server;

    @BeforeAll
    static void startServer() throws Exception {
        model = TestModels.requireStories260K();
        server = ServerProcess.start("--model", model.toString(), "--batch-invariant");
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            assertEquals(0, server.terminate(60), "SIGTERM ends the server with 0:\n" + server.stderr());
        }
    }

    /** {@code yalis generate --json} for each of {@code prompts} as one batch: the text and finish reason of each. */
    static List<JsonNode> generate(Path model, List<String> prompts, String... flags) throws Exception {
        List<String> command = new ArrayList<>(List.of(ServerProcess.PROJECT.resolve("bin/yalis").toString(), "generate",
                "--model", model.toString(), "--json", "--temperature", "0"));
        for (String prompt : prompts) {
            command.addAll(List.of("--prompt", prompt));
        }
        command.addAll(List.of(flags));
        Path out = Files.createTempFile("yalis-generate", ".jsonl");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "generate hung");
        assertEquals(0, process.exitValue(), "generate failed: " + String.join(" ", command));
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            lines.add(ServerProcess.JSON.readTree(line));
        }
        Files.delete(out);
        return lines;
    }

    private static Map<String, Object> completion(String prompt, int maxTokens, Object... more) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", "stories260K");
        body.put("prompt", prompt);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        for (int i = 0; i < more.length; i += 2) {
            body.put((String) more[i], more[i + 1]);
        }
        return body;
    }

    @Test
    void greedyCompletionsWholeAndStreamedAreThoseOfGenerate() throws Exception {
        for (int maxTokens : new int[] {1, 7, 60}) {
            for (List<String> stop : List.of(List.<String>of(), List.of(" the"), List.of("Lily", ".", "zzz"))) {
                String[] stopFlags = stop.stream().flatMap(s -> java.util.stream.Stream.of("--stop", s))
                        .toArray(String[]::new);
                List<String> flags = new ArrayList<>(List.of("--max-new-tokens", String.valueOf(maxTokens),
                        "--batch-invariant"));
                flags.addAll(List.of(stopFlags));
                for (String prompt : PROMPTS.subList(0, 3)) {
                    JsonNode expected = generate(model, List.of(prompt), flags.toArray(String[]::new)).getFirst();
                    ServerProcess.Reply whole = server.post("/v1/completions", completion(prompt, maxTokens,
                            "stop", stop));
                    assertEquals(200, whole.status(), whole.body());
                    JsonNode choice = whole.json().path("choices").get(0);
                    String what = "'" + prompt + "', max_tokens " + maxTokens + ", stop " + stop;
                    assertEquals(expected.path("text").asText(), choice.path("text").asText(), what);
                    assertEquals(expected.path("finish_reason").asText(), choice.path("finish_reason").asText(), what);
                    JsonNode usage = whole.json().path("usage");
                    assertEquals(expected.path("prompt_ids").size(), usage.path("prompt_tokens").asInt(), what);
                    assertEquals(expected.path("generated_ids").size(), usage.path("completion_tokens").asInt(), what);

                    ServerProcess.Reply streamed = server.post("/v1/completions", completion(prompt, maxTokens,
                            "stop", stop, "stream", true));
                    assertEquals(200, streamed.status(), streamed.body());
                    assertEquals("text/event-stream", streamed.response().headers().firstValue("content-type")
                            .orElse(""));
                    assertEquals(expected.path("text").asText(), ServerProcess.streamedText(streamed.body()), what);
                    assertEquals(expected.path("finish_reason").asText(),
                            ServerProcess.streamedFinishReason(streamed.body()), what);
                    List<String> events = ServerProcess.events(streamed.body());
                    assertEquals("[DONE]", events.getLast(), "a stream ends with data: [DONE]");
                }
            }
        }
    }

    @Test
    void thirtyTwoConcurrentStreamsFinishWithTheirOneAtATimeOutputsAndAreBatched() throws Exception {
        List<Map<String, Object>> requests = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            requests.add(completion(PROMPTS.get(i % PROMPTS.size()) + " " + "and".repeat(i % 3), 8 + (i * 7) % 57,
                    "stream", true, "ignore_eos", i % 4 == 0));
        }
        List<String> alone = new ArrayList<>();
        for (Map<String, Object> request : requests) {
            ServerProcess.Reply reply = server.post("/v1/completions", request);
            assertEquals(200, reply.status(), reply.body());
            alone.add(ServerProcess.streamedText(reply.body()));
        }
        double batchedSteps = batchedDecodeSteps();
        ExecutorService clients = Executors.newFixedThreadPool(32);
        try {
            List<Future<String>> together = new ArrayList<>();
            for (Map<String, Object> request : requests) {
                together.add(clients.submit((Callable<String>) () -> {
                    ServerProcess.Reply reply = server.post("/v1/completions", request);
                    assertEquals(200, reply.status(), reply.body());
                    return ServerProcess.streamedText(reply.body());
                }));
            }
            for (int i = 0; i < requests.size(); i++) {
                assertEquals(alone.get(i), together.get(i).get(120, TimeUnit.SECONDS), "request " + i
                        + " run with 31 others");
            }
        } finally {
            clients.shutdownNow();
        }
        assertTrue(batchedDecodeSteps() > batchedSteps, "some decode steps ran more than one request at once");
        assertAllBlocksFreeOrCached();
    }

    /** Decode steps with more than one sequence so far (the batch-size histogram's count above its first bucket). */
    private static double batchedDecodeSteps() throws Exception {
        Map<String, Double> metrics = server.metrics();
        return metrics.get("yalis_decode_batch_size_count") - metrics.get("yalis_decode_batch_size_bucket{le=\"1.0\"}");
    }

    private static void assertAllBlocksFreeOrCached() throws Exception {
        Map<String, Double> metrics = server.metrics();
        assertEquals(0, metrics.get("yalis_kv_blocks_used"), "no block is held once the server is idle");
        assertEquals(metrics.get("yalis_kv_pool_blocks"), metrics.get("yalis_kv_blocks_free"),
                "every block is free or cached");
        assertEquals(0, metrics.get("yalis_requests_running"));
    }

    @Test
    void aSecondRequestSharingA256TokenPrefixPrefillsOnlyItsNewTokens() throws Exception {
        String shared = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
                .repeat(12);
        String first = shared + "One day, she saw a big dog.";
        String second = shared + "The sun was hot and the sky was blue.";
        JsonNode expected = generate(model, List.of(second), "--max-new-tokens", "20", "--batch-invariant",
                "--no-prefix-cache").getFirst();
        ServerProcess.Reply one = server.post("/v1/completions", completion(first, 20));
        assertEquals(200, one.status(), one.body());
        Map<String, Double> before = server.metrics();
        ServerProcess.Reply two = server.post("/v1/completions", completion(second, 20));
        assertEquals(200, two.status(), two.body());
        Map<String, Double> after = server.metrics();
        int promptTokens = two.json().path("usage").path("prompt_tokens").asInt();
        assertTrue(promptTokens > 256 + 8, "the prompt is longer than its shared part: " + promptTokens);
        double hits = after.get("yalis_prefix_cache_hit_tokens_total") - before.get("yalis_prefix_cache_hit_tokens_total");
        double prefilled = after.get("yalis_prefill_tokens_total") - before.get("yalis_prefill_tokens_total");
        assertTrue(hits >= 256, "at least the 256-token prefix came from the cache: " + hits);
        assertEquals(promptTokens - hits, prefilled, "only the new tokens were prefilled");
        assertEquals(expected.path("text").asText(), two.json().path("choices").get(0).path("text").asText(),
                "the same output as without the cache");
    }

    @Test
    void aClientThatDisconnectsMidStreamFreesItsBlocks() throws Exception {
        double aborted = server.metrics().getOrDefault("yalis_requests_finished_total{finish_reason=\"abort\"}", 0.0);
        String body = ServerProcess.JSON.writeValueAsString(completion("Once upon a time", 450, "stream", true,
                "ignore_eos", true));
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] some = new byte[4096];
            int events = 0;
            while (events < 5) {
                int read = in.read(some);
                assertTrue(read > 0, "the stream ended early");
                events += new String(some, 0, read, StandardCharsets.UTF_8).split("data: ", -1).length - 1;
            }
            assertTrue(server.metric("yalis_kv_blocks_used") > 0, "the streaming request holds blocks");
        }
        long closed = System.nanoTime();
        String abortedCount = "yalis_requests_finished_total{finish_reason=\"abort\"}";
        while (!(server.metrics().getOrDefault(abortedCount, 0.0) > aborted)
                && System.nanoTime() - closed < TimeUnit.SECONDS.toNanos(20)) {
            Thread.sleep(5);
        }
        double seconds = (System.nanoTime() - closed) / 1e9;
        assertEquals(aborted + 1, server.metric(abortedCount), "the request was cancelled, not run to its 450 tokens");
        assertTrue(seconds < 2, "cancelled " + seconds + " s after the client left");
        assertAllBlocksFreeOrCached();
    }

    @Test
    void malformedAndHostileRequestsGetTheRight4xxAndAnErrorObject() throws Exception {
        String prompt = "\"prompt\": \"Once upon a time\"";
        Object[][] cases = {
                // body, status, param
                {"{bad json", 400, null},
                {"", 400, null},
                {"[1, 2, 3]", 400, null},
                {"\"just a string\"", 400, null},
                {"{}", 400, "prompt"},
                {"{\"prompt\": 42}", 400, "prompt"},
                {"{\"prompt\": []}", 400, "prompt"},
                {"{\"prompt\": [\"a\", \"b\"]}", 400, "prompt"},
                {"{" + prompt + ", \"max_tokens\": \"ten\"}", 400, "max_tokens"},
                {"{" + prompt + ", \"max_tokens\": 0}", 400, "max_tokens"},
                {"{" + prompt + ", \"max_tokens\": -5}", 400, "max_tokens"},
                {"{" + prompt + ", \"max_tokens\": 100000}", 400, "max_tokens"},
                {"{" + prompt + ", \"max_tokens\": 1e400}", 400, "max_tokens"},
                {"{" + prompt + ", \"temperature\": \"hot\"}", 400, "temperature"},
                {"{" + prompt + ", \"temperature\": -1}", 400, "temperature"},
                {"{" + prompt + ", \"top_p\": 0}", 400, "top_p"},
                {"{" + prompt + ", \"top_p\": 1.5}", 400, "top_p"},
                {"{" + prompt + ", \"top_k\": 2.5}", 400, "top_k"},
                {"{" + prompt + ", \"seed\": \"x\"}", 400, "seed"},
                {"{" + prompt + ", \"stop\": 5}", 400, "stop"},
                {"{" + prompt + ", \"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]}", 400, "stop"},
                {"{" + prompt + ", \"stream\": \"yes\"}", 400, "stream"},
                {"{" + prompt + ", \"stream_options\": {\"include_usage\": true}}", 400, "stream_options"},
                {"{" + prompt + ", \"n\": 3}", 400, "n"},
                {"{" + prompt + ", \"logprobs\": 5}", 400, "logprobs"},
                {"{" + prompt + ", \"model\": \"gpt-4\"}", 404, "model"},
                {"{" + prompt + ", \"model\": 7}", 400, "model"},
                {"{\"prompt\": [1, 2, 99999]}", 400, "prompt"},
                {"{\"prompt\": \"" + "Once upon a time ".repeat(200) + "\"}", 400, "prompt"},
                {"[".repeat(5000) + "]".repeat(5000), 400, null},
                {"{\"prompt\": \"x\", \"max_tokens\": 1" + "0".repeat(500) + "}", 400, null},
        };
        for (Object[] test : cases) {
            String body = (String) test[0];
            ServerProcess.Reply reply = server.post("/v1/completions", body);
            String what = "body " + (body.length() > 80 ? body.substring(0, 80) + "..." : body);
            assertEquals(test[1], reply.status(), what + ": " + reply.body());
            JsonNode error = reply.json().path("error");
            assertTrue(error.path("message").isTextual() && !error.path("message").asText().isEmpty(), what);
            assertTrue(error.path("type").isTextual(), what);
            if (test[2] != null) {
                assertEquals(test[2], error.path("param").asText(), what + ": " + reply.body());
            }
        }
        // Chat on a model without a template, a body too large, routes and methods that do not exist.
        ServerProcess.Reply chat = server.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", "
                + "\"content\": \"hi\"}]}");
        assertEquals(400, chat.status(), chat.body());
        assertEquals("messages", chat.json().path("error").path("param").asText());
        assertEquals(400, server.post("/v1/chat/completions", "{\"messages\": \"hi\"}").status());
        assertEquals(400, server.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"wizard\", \"content\": "
                + "\"hi\"}]}").status());
        ServerProcess.Reply huge = server.post("/v1/completions", "{\"prompt\": \"" + "a".repeat(5 << 20) + "\"}");
        assertEquals(413, huge.status(), huge.body().substring(0, Math.min(200, huge.body().length())));
        assertEquals(404, server.get("/v1/nothing").status());
        assertEquals("not_found", server.get("/v1/nothing").json().path("error").path("code").asText());
        assertEquals(405, server.get("/v1/completions").status());
        assertEquals(404, server.get("/v1/models/gpt-4").status());
        // A request line and headers that are not HTTP at all: the connection is refused, the server stays.
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.getOutputStream().write("\u0000\u0001GARBAGE\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            socket.setSoTimeout(10_000);
            socket.getInputStream().read(new byte[1024]);
        }
        ServerProcess.Reply health = server.get("/health");
        assertEquals(200, health.status(), "the server still answers /health");
        ServerProcess.Reply fine = server.post("/v1/completions", completion("Once upon a time", 5));
        assertEquals(200, fine.status(), fine.body());
    }

    @Test
    void modelsHealthAndMetricsAnswer() throws Exception {
        JsonNode models = server.get("/v1/models").json();
        assertEquals("list", models.path("object").asText());
        assertEquals("stories260K", models.path("data").get(0).path("id").asText());
        assertEquals("stories260K", server.get("/v1/models/stories260K").json().path("id").asText());
        assertEquals("ok\n", server.get("/health").body());
        Map<String, Double> metrics = server.metrics();
        for (String name : List.of("yalis_requests_running", "yalis_requests_waiting", "yalis_kv_blocks_used",
                "yalis_kv_blocks_free", "yalis_kv_blocks_cached", "yalis_prefix_cache_hit_tokens_total",
                "yalis_prompt_tokens_total", "yalis_generation_tokens_total", "yalis_preemptions_total",
                "yalis_time_to_first_token_seconds_count", "yalis_time_per_output_token_seconds_count")) {
            assertNotNull(metrics.get(name), name + " in /metrics: " + metrics.keySet());
        }
    }

    @Test
    void beyondMaxWaitingRequestsGet429AndTheAcceptedOnesComplete() throws Exception {
        try (ServerProcess small = ServerProcess.start("--model", model.toString(), "--max-batch", "2",
                "--max-waiting", "4")) {
            ExecutorService clients = Executors.newFixedThreadPool(20);
            try {
                List<Future<ServerProcess.Reply>> replies = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    replies.add(clients.submit(() -> small.post("/v1/completions",
                            completion("Once upon a time", 200, "ignore_eos", true))));
                }
                int accepted = 0;
                int refused = 0;
                for (Future<ServerProcess.Reply> future : replies) {
                    ServerProcess.Reply reply = future.get(300, TimeUnit.SECONDS);
                    if (reply.status() == 429) {
                        refused++;
                        assertTrue(reply.response().headers().firstValue("retry-after").isPresent(), "Retry-After");
                        assertEquals("rate_limit_error", reply.json().path("error").path("type").asText());
                    } else {
                        assertEquals(200, reply.status(), reply.body());
                        assertEquals(200, reply.json().path("usage").path("completion_tokens").asInt());
                        accepted++;
                    }
                }
                assertTrue(refused > 0, "some of 20 simultaneous requests are refused beyond 4 waiting");
                assertTrue(accepted >= 4, "at least the 4 that may wait are accepted: " + accepted);
                assertEquals(refused, small.metric("yalis_requests_rejected_total{reason=\"queue_full\"}"));
            } finally {
                clients.shutdownNow();
            }
        }
    }

    @Test
    void anApiKeyGuardsEveryRouteButHealth() throws Exception {
        try (ServerProcess guarded = ServerProcess.start("--model", model.toString(), "--api-key", "s3cret")) {
            assertEquals(200, guarded.get("/health").status());
            assertEquals(401, guarded.get("/v1/models").status());
            assertEquals(401, guarded.get("/metrics").status());
            assertEquals(401, guarded.post("/v1/completions", completion("The dog", 3)).status());
            java.net.http.HttpResponse<String> wrong = guarded.http.send(java.net.http.HttpRequest.newBuilder(
                    guarded.uri("/v1/models")).header("Authorization", "Bearer guess").GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, wrong.statusCode());
            java.net.http.HttpResponse<String> right = guarded.http.send(java.net.http.HttpRequest.newBuilder(
                    guarded.uri("/v1/models")).header("Authorization", "Bearer s3cret").GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, right.statusCode(), right.body());
        }
    }

    @Test
    void sigtermLetsTheRunningRequestFinishThenExitsZero() throws Exception {
        try (ServerProcess stopping = ServerProcess.start("--model", model.toString())) {
            JsonNode expected = generate(model, List.of("The dog"), "--max-new-tokens", "300", "--ignore-eos")
                    .getFirst();
            ExecutorService client = Executors.newSingleThreadExecutor();
            try {
                Future<ServerProcess.Reply> running = client.submit(() -> stopping.post("/v1/completions",
                        completion("The dog", 300, "ignore_eos", true)));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!(stopping.metric("yalis_requests_running") > 0) && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertEquals(0, stopping.terminate(60), "exit status after SIGTERM:\n" + stopping.stderr());
                ServerProcess.Reply reply = running.get(10, TimeUnit.SECONDS);
                assertEquals(200, reply.status(), reply.body());
                assertEquals(expected.path("text").asText(), reply.json().path("choices").get(0).path("text").asText(),
                        "the running request finished with its whole text (default kernels, as generate's)");
                assertFalse(stopping.process().isAlive());
            } finally {
                client.shutdownNow();
            }
        }
    }
}
