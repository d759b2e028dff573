package org.yalis.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;

/**
 * {@code yalis bench-serving}: a load generator for an OpenAI-compatible server, in the manner of vLLM's
 * benchmark_serving: N streamed completions sent at a fixed concurrency or at a Poisson rate, each
 * timed as its client sees it (time to first token, time per output token after it, end to end),
 * reported as percentiles with request and token throughput.
 */
@Command(name = "bench-serving", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = "Load an OpenAI-compatible server (yalis serve, vLLM, llama-server) with streamed completions "
                + "and report TTFT, TPOT and end-to-end latency percentiles and throughput.")
final class BenchServingCommand implements Callable<Integer> {
    /** Prompt ids are drawn from here: byte-level pieces in every Llama-family vocabulary of 259 or more. */
    private static final int FIRST_PROMPT_ID = 3;
    private static final int PROMPT_IDS = 256;

    @Spec
    CommandSpec spec;

    @Option(names = "--url", required = true, paramLabel = "URL", description = "The server, e.g. http://127.0.0.1:8000.")
    String url;

    @Option(names = "--model", paramLabel = "NAME", description = "The model to ask for (default: the first of /v1/models).")
    String model;

    @Option(names = "--num-requests", paramLabel = "N", defaultValue = "64", description = "Requests to send (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--concurrency", paramLabel = "C", description = "Requests in flight at once (default: 1 unless --request-rate).")
    Integer concurrency;

    @Option(names = "--request-rate", paramLabel = "R", description = "Requests per second, Poisson arrivals, without a "
            + "bound on those in flight (default: none: --concurrency).")
    Double requestRate;

    @Option(names = "--prompt-tokens", paramLabel = "N", defaultValue = "128", description = "Prompt length in tokens: "
            + "random ids (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--output-tokens", paramLabel = "N", defaultValue = "128", description = "Tokens to generate per "
            + "request, past any end-of-sequence (default: ${DEFAULT-VALUE}).")
    int outputTokens;

    @Option(names = "--dataset", paramLabel = "FILE.jsonl", description = "Prompts instead of random ids: one "
            + "{\"prompt\": TEXT, \"max_tokens\": N} per line, used in turn (default: none).")
    Path dataset;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the prompts and arrivals (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Sent as 'Authorization: Bearer KEY' (default: none).")
    String apiKey;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as one JSON line to FILE "
            + "(appended; 'yalis report' draws it). Default: none.")
    Path json;

    private final ObjectMapper mapper = new ObjectMapper();

    /** One request's timings as its client measured them, in milliseconds from when it was sent. */
    private record Timing(boolean ok, double ttftMs, double e2eMs, int outputTokens, int promptTokens, String error) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        if (requests < 1 || promptTokens < 1 || outputTokens < 1) {
            throw new YalisException("--num-requests, --prompt-tokens and --output-tokens must be at least 1");
        }
        if (concurrency != null && requestRate != null) {
            throw new YalisException("give either --concurrency or --request-rate, not both");
        }
        if ((concurrency != null && concurrency < 1) || (requestRate != null && !(requestRate > 0))) {
            throw new YalisException("--concurrency must be at least 1 and --request-rate more than 0");
        }
        URI base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String served = model != null ? model : firstModel(http, base);
        List<Map<String, Object>> bodies = bodies(served);
        int inFlight = concurrency != null ? concurrency : requestRate != null ? Integer.MAX_VALUE : 1;
        Random arrivals = new Random(seed ^ 0x5DEECE66DL);
        List<Future<Timing>> futures = new ArrayList<>();
        Semaphore slots = new Semaphore(Math.min(inFlight, requests));
        long start = System.nanoTime();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            double nextArrival = 0;
            for (Map<String, Object> body : bodies) {
                if (requestRate != null) {
                    nextArrival += -Math.log(1 - arrivals.nextDouble()) / requestRate;
                    long wait = start + (long) (nextArrival * 1e9) - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                } else {
                    slots.acquire();
                }
                futures.add(clients.submit(() -> {
                    try {
                        return send(http, base, body);
                    } finally {
                        slots.release();
                    }
                }));
            }
            List<Timing> timings = new ArrayList<>();
            for (Future<Timing> future : futures) {
                timings.add(future.get());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Object> result = result(served, timings, seconds);
            print(out, result);
            if (json != null) {
                Files.writeString(json, mapper.writeValueAsString(result) + "\n",
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            }
            long failed = timings.stream().filter(t -> !t.ok()).count();
            if (failed > 0) {
                err.println("bench-serving: " + failed + " of " + timings.size() + " requests failed, the first with: "
                        + timings.stream().filter(t -> !t.ok()).findFirst().orElseThrow().error());
                err.flush();
                return 1;
            }
        }
        return 0;
    }

    private String firstModel(HttpClient http, URI base) throws IOException, InterruptedException {
        HttpResponse<String> models;
        try {
            models = http.send(request(base, "/v1/models").GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new YalisException("cannot reach " + base + ": " + e.getMessage() + "; is the server running (yalis "
                    + "serve) and --url right?");
        }
        if (models.statusCode() != 200) {
            throw new YalisException(base + "/v1/models answered " + models.statusCode() + ": "
                    + YalisException.quoted(models.body(), 200));
        }
        JsonNode data = mapper.readTree(models.body()).path("data");
        if (!data.isArray() || data.isEmpty()) {
            throw new YalisException(base + "/v1/models lists no model; give --model");
        }
        return data.get(0).path("id").asText();
    }

    private List<Map<String, Object>> bodies(String served) throws IOException {
        List<Map<String, Object>> bodies = new ArrayList<>();
        List<JsonNode> lines = new ArrayList<>();
        if (dataset != null) {
            String text = new String(UserFiles.read(dataset, "--dataset"), java.nio.charset.StandardCharsets.UTF_8);
            for (String line : text.lines().toList()) {
                if (!line.isBlank()) {
                    JsonNode node = UserFiles.parseJson(line.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                            "--dataset " + dataset, "give one JSON object per line");
                    if (!node.path("prompt").isTextual()) {
                        throw new YalisException("--dataset " + dataset + ": each line needs a \"prompt\" string");
                    }
                    lines.add(node);
                }
            }
            if (lines.isEmpty()) {
                throw new YalisException("--dataset " + dataset + " holds no prompt");
            }
        }
        Random random = new Random(seed);
        for (int i = 0; i < requests; i++) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("model", served);
            if (dataset != null) {
                JsonNode line = lines.get(i % lines.size());
                body.put("prompt", line.get("prompt").asText());
                body.put("max_tokens", line.path("max_tokens").asInt(outputTokens));
            } else {
                body.put("prompt", random.ints(promptTokens, FIRST_PROMPT_ID, FIRST_PROMPT_ID + PROMPT_IDS).toArray());
                body.put("max_tokens", outputTokens);
            }
            body.put("temperature", 0);
            body.put("ignore_eos", true);
            body.put("stream", true);
            body.put("stream_options", Map.of("include_usage", true));
            bodies.add(body);
        }
        return bodies;
    }

    private HttpRequest.Builder request(URI base, String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(30));
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        return builder;
    }

    /** Sends one streamed completion and times its first token and its end from the events as they arrive. */
    private Timing send(HttpClient http, URI base, Map<String, Object> body) {
        long sent = System.nanoTime();
        try {
            HttpRequest request = request(base, "/v1/completions").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(mapper.writeValueAsBytes(body))).build();
            HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
            if (response.statusCode() != 200) {
                String text = String.join("\n", response.body().toList());
                return new Timing(false, 0, 0, 0, 0, response.statusCode() + " " + YalisException.quoted(text, 200));
            }
            long first = -1;
            int completionTokens = -1;
            int prompt = -1;
            boolean done = false;
            for (String line : (Iterable<String>) response.body()::iterator) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    done = true;
                    continue;
                }
                JsonNode event = mapper.readTree(data);
                JsonNode choices = event.path("choices");
                // The first chunk with a choice is the first token, its text possibly empty (as vLLM's benchmark
                // counts: a token can be the first bytes of a character, or special).
                if (first < 0 && choices.isArray() && !choices.isEmpty()) {
                    first = System.nanoTime();
                }
                if (event.path("usage").isObject()) {
                    completionTokens = event.path("usage").path("completion_tokens").asInt();
                    prompt = event.path("usage").path("prompt_tokens").asInt();
                }
            }
            long end = System.nanoTime();
            if (!done || completionTokens < 0) {
                return new Timing(false, 0, 0, 0, 0, "the stream ended without usage and [DONE]");
            }
            return new Timing(true, ((first < 0 ? end : first) - sent) / 1e6, (end - sent) / 1e6, completionTokens, prompt,
                    null);
        } catch (IOException e) {
            return new Timing(false, 0, 0, 0, 0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Timing(false, 0, 0, 0, 0, "interrupted");
        }
    }

    private Map<String, Object> result(String served, List<Timing> timings, double seconds) {
        List<Timing> ok = timings.stream().filter(Timing::ok).toList();
        double[] ttft = ok.stream().mapToDouble(Timing::ttftMs).toArray();
        double[] e2e = ok.stream().mapToDouble(Timing::e2eMs).toArray();
        double[] tpot = ok.stream().filter(t -> t.outputTokens() > 1)
                .mapToDouble(t -> (t.e2eMs() - t.ttftMs()) / (t.outputTokens() - 1)).toArray();
        long outputs = ok.stream().mapToLong(Timing::outputTokens).sum();
        long prompts = ok.stream().mapToLong(Timing::promptTokens).sum();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", "serving");
        result.put("url", url);
        result.put("model", served);
        result.put("concurrency", concurrency != null ? concurrency : requestRate != null ? null : 1);
        result.put("request_rate", requestRate);
        result.put("requests", timings.size());
        result.put("completed", ok.size());
        result.put("prompt_tokens", promptTokens);
        result.put("output_tokens", outputTokens);
        result.put("duration_s", round(seconds));
        result.put("request_throughput", round(ok.size() / seconds));
        result.put("output_throughput", round(outputs / seconds));
        result.put("total_token_throughput", round((outputs + prompts) / seconds));
        result.put("ttft_ms", summary(ttft));
        result.put("tpot_ms", summary(tpot));
        result.put("e2e_ms", summary(e2e));
        result.put("load_average", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage());
        return result;
    }

    private static Map<String, Object> summary(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("mean", round(Arrays.stream(sorted).average().orElse(Double.NaN)));
        summary.put("p50", round(percentile(sorted, 50)));
        summary.put("p90", round(percentile(sorted, 90)));
        summary.put("p99", round(percentile(sorted, 99)));
        return summary;
    }

    /** Linear interpolation between closest ranks, as numpy's default percentile. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double rank = p / 100 * (sorted.length - 1);
        int low = (int) Math.floor(rank);
        int high = Math.min(sorted.length - 1, low + 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    private static void print(PrintWriter out, Map<String, Object> result) {
        out.printf(Locale.ROOT, "%s: %d/%d requests in %.2f s (%s), %s prompt + %s output tokens each%n",
                result.get("model"), (Integer) result.get("completed"), (Integer) result.get("requests"),
                (Double) result.get("duration_s"), result.get("concurrency") != null
                        ? "concurrency " + result.get("concurrency") : "rate " + result.get("request_rate") + "/s",
                result.get("prompt_tokens"), result.get("output_tokens"));
        out.printf(Locale.ROOT, "throughput: %.2f requests/s, %.1f output tokens/s%n",
                (Double) result.get("request_throughput"), (Double) result.get("output_throughput"));
        for (String metric : List.of("ttft_ms", "tpot_ms", "e2e_ms")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> s = (Map<String, Object>) result.get(metric);
            out.printf(Locale.ROOT, "%-8s mean %9.2f  p50 %9.2f  p90 %9.2f  p99 %9.2f%n", metric, s.get("mean"),
                    s.get("p50"), s.get("p90"), s.get("p99"));
        }
        out.flush();
    }
}
