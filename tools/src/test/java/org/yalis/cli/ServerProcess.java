package org.yalis.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code bin/yalis serve} as a separate process on a free loopback port (or under mpirun): started, waited
 * for until it prints the port, talked to over HTTP, and stopped with SIGTERM (killed, with its children,
 * if it does not stop).
 */
final class ServerProcess implements AutoCloseable {
    static final Path PROJECT = Path.of(System.getProperty("yalis.project.dir", "..")).toAbsolutePath().normalize();
    private static final Pattern LISTENING = Pattern.compile("serving .* on http://([^:]+):(\\d+) ");
    static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final StringBuffer stderr = new StringBuffer();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private ServerProcess(List<String> command, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        MpiJob.cleanEnvironment(builder.environment());
        builder.environment().putAll(environment);
        process = builder.start();
        process.getOutputStream().close();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    stderr.append(line).append('\n');
                    Matcher matcher = LISTENING.matcher(line);
                    if (matcher.find()) {
                        port.complete(Integer.parseInt(matcher.group(2)));
                    }
                }
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new IllegalStateException("the server exited before listening:\n" + stderr));
        });
    }

    /** {@code bin/yalis serve --port 0 args...}, once it listens. */
    static ServerProcess start(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PROJECT.resolve("bin/yalis").toString(), "serve", "--port", "0"));
        command.addAll(List.of(args));
        return started(new ServerProcess(command, Map.of()));
    }

    /** {@code mpirun -np ranks bin/yalis serve --port 0 args...}, once rank 0 listens. */
    static ServerProcess startUnderMpirun(int ranks, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PROJECT.resolve("bin/yalis").toString(), "serve", "--port", "0"));
        command.addAll(List.of(args));
        return started(new ServerProcess(MpiJob.command(new MpiJob.Program(ranks, command)), Map.of()));
    }

    private static ServerProcess started(ServerProcess server) throws Exception {
        try {
            server.port.get(120, TimeUnit.SECONDS);
            return server;
        } catch (Exception e) {
            server.close();
            throw new AssertionError("the server did not start: " + e.getMessage() + "\n" + server.stderr(), e);
        }
    }

    String stderr() {
        return stderr.toString();
    }

    Process process() {
        return process;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port.join() + path);
    }

    int port() {
        return port.join();
    }

    record Reply(int status, String body, HttpResponse<String> response) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }
    }

    Reply get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body(), response);
    }

    Reply post(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body(), response);
    }

    Reply post(String path, Object body) throws IOException, InterruptedException {
        return post(path, JSON.writeValueAsString(body));
    }

    /** The data of each server-sent event of a streamed reply, [DONE] included. */
    static List<String> events(String body) {
        return body.lines().filter(line -> line.startsWith("data: ")).map(line -> line.substring(6)).toList();
    }

    /** The text a streamed completion's chunks add up to (choices[0].text, or .delta.content for chat). */
    static String streamedText(String body) throws IOException {
        StringBuilder text = new StringBuilder();
        for (String event : events(body)) {
            if (event.equals("[DONE]")) {
                continue;
            }
            JsonNode choices = JSON.readTree(event).path("choices");
            if (!choices.isEmpty()) {
                JsonNode choice = choices.get(0);
                text.append(choice.has("delta") ? choice.path("delta").path("content").asText("")
                        : choice.path("text").asText());
            }
        }
        return text.toString();
    }

    /** The last finish_reason of a streamed reply. */
    static String streamedFinishReason(String body) throws IOException {
        String reason = null;
        for (String event : events(body)) {
            if (!event.equals("[DONE]")) {
                JsonNode choices = JSON.readTree(event).path("choices");
                if (!choices.isEmpty() && !choices.get(0).path("finish_reason").isNull()) {
                    reason = choices.get(0).path("finish_reason").asText();
                }
            }
        }
        return reason;
    }

    /** One value of /metrics: the sample named {@code name} (with its labels, if any, as written). */
    double metric(String name) throws IOException, InterruptedException {
        return metrics().getOrDefault(name, Double.NaN);
    }

    Map<String, Double> metrics() throws IOException, InterruptedException {
        Reply reply = get("/metrics");
        if (reply.status() != 200) {
            throw new AssertionError("/metrics answered " + reply.status() + ": " + reply.body());
        }
        return reply.body().lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                .collect(Collectors.toMap(line -> line.substring(0, line.lastIndexOf(' ')),
                        line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), (a, b) -> b));
    }

    /** SIGTERM, then the exit code (or a kill of the whole tree after {@code seconds}, reported as -1). */
    int terminate(long seconds) throws InterruptedException {
        process.destroy();
        if (process.waitFor(seconds, TimeUnit.SECONDS)) {
            return process.exitValue();
        }
        kill();
        return -1;
    }

    /**
     * SIGTERM to every rank's process (as Slurm's scancel does; Open MPI's mpirun, signalled itself, reports
     * the job as failed whatever the ranks do), then the launcher's exit code, or -1 after a kill.
     */
    int terminateRanks(long seconds) throws InterruptedException {
        process.descendants().filter(child -> child.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .forEach(ProcessHandle::destroy);
        if (process.waitFor(seconds, TimeUnit.SECONDS)) {
            return process.exitValue();
        }
        kill();
        return -1;
    }

    private void kill() throws InterruptedException {
        process.descendants().toList().reversed().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            terminate(30);
        }
    }
}
