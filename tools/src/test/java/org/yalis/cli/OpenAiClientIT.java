package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.testing.TestModels;

/**
 * Chat completions, and the official OpenAI client for Node (the npm package {@code openai}, installed
 * here from the npm registry into target/), against {@code yalis serve} on stories260K given a chat
 * template: the client lists the model, completes and streams a chat, with the texts
 * {@code yalis generate} (and {@code generate --chat}) gives.
 */
class OpenAiClientIT {
    @TempDir
    static Path temp;
    private static Path model;

    @BeforeAll
    static void modelWithATemplate() throws IOException {
        model = TestModels.copyModel(TestModels.requireStories260K(), temp.resolve("stories-chat"));
        Files.writeString(model.resolve("chat_template.jinja"), ChatCommandTest.TEMPLATE);
    }

    @Test
    void chatCompletionsWholeAndStreamedAreThoseOfGenerateChat() throws Exception {
        try (ServerProcess server = ServerProcess.start("--model", model.toString())) {
            for (String prompt : List.of("Once upon a time", "The dog")) {
                JsonNode expected = ServeIT.generate(model, List.of(prompt), "--chat", "--max-new-tokens", "30").getFirst();
                String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"" + prompt + "\"}], \"max_tokens\": 30, "
                        + "\"temperature\": 0";
                ServerProcess.Reply whole = server.post("/v1/chat/completions", body + "}");
                assertEquals(200, whole.status(), whole.body());
                JsonNode choice = whole.json().path("choices").get(0);
                assertEquals("chat.completion", whole.json().path("object").asText());
                assertEquals("assistant", choice.path("message").path("role").asText());
                assertEquals(expected.path("text").asText(), choice.path("message").path("content").asText());
                assertEquals(expected.path("finish_reason").asText(), choice.path("finish_reason").asText());
                ServerProcess.Reply streamed = server.post("/v1/chat/completions", body + ", \"stream\": true}");
                assertEquals(200, streamed.status(), streamed.body());
                assertEquals(expected.path("text").asText(), ServerProcess.streamedText(streamed.body()));
                assertTrue(ServerProcess.events(streamed.body()).getFirst().contains("\"role\":\"assistant\""),
                        "the first chunk names the role");
            }
        }
    }

    @Test
    void theOfficialNodeClientListsCompletesAndStreamsAChat() throws Exception {
        Path client = installNodeClient();
        try (ServerProcess server = ServerProcess.start("--model", model.toString(), "--served-model-name", "stories")) {
            ProcessBuilder builder = new ProcessBuilder("node", client.resolve("client.mjs").toString())
                    .directory(client.toFile());
            builder.environment().put("YALIS_URL", "http://127.0.0.1:" + server.port());
            Path out = temp.resolve("client-out.json");
            Path err = temp.resolve("client-err.txt");
            Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the node client hung");
            assertEquals(0, process.exitValue(), Files.readString(err));
            JsonNode got = ServerProcess.JSON.readTree(Files.readString(out));
            assertEquals("[\"stories\"]", got.path("models").toString());
            JsonNode completion = ServeIT.generate(model, List.of("Once upon a time"), "--max-new-tokens", "24")
                    .getFirst();
            assertEquals(completion.path("text").asText(), got.path("completion").path("text").asText());
            assertEquals(24, got.path("completion").path("usage").path("completion_tokens").asInt());
            JsonNode chat = ServeIT.generate(model, List.of("Once upon a time"), "--chat", "--max-new-tokens", "24")
                    .getFirst();
            assertEquals(chat.path("text").asText(), got.path("chat").path("text").asText());
            assertEquals(chat.path("finish_reason").asText(), got.path("chat").path("finish_reason").asText());
            assertEquals(chat.path("generated_ids").size(), got.path("chat").path("usage").path("completion_tokens").asInt());
            assertTrue(got.path("chat").path("chunks").asInt() > 3, "the chat streamed in chunks");
            assertEquals(404, got.path("missing").path("status").asInt(), got.toString());
        }
    }

    /** tools/src/test/node copied into target/ and {@code npm install}ed there (skipped, saying why, without npm). */
    private static Path installNodeClient() throws IOException, InterruptedException {
        Path source = ServerProcess.PROJECT.resolve("tools/src/test/node");
        Path target = ServerProcess.PROJECT.resolve("tools/target/openai-node-client");
        Files.createDirectories(target);
        for (String file : List.of("package.json", "client.mjs")) {
            Files.copy(source.resolve(file), target.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(target.resolve("node_modules/openai"))) {
            Process npm;
            try {
                npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel", "error")
                        .directory(target.toFile()).redirectErrorStream(true).start();
            } catch (IOException e) {
                String reason = "npm not found (.ci/run installs nodejs and npm): " + e.getMessage();
                System.err.println("SKIPPED: " + reason);
                Assumptions.abort(reason);
                throw e;
            }
            String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(npm.waitFor(300, TimeUnit.SECONDS), "npm install hung");
            assertEquals(0, npm.exitValue(), "npm install openai failed (it needs the npm registry):\n" + output);
        }
        return target;
    }
}
