package org.yalis.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import org.yalis.engine.Engine;
import org.yalis.engine.OnlineEngine;
import org.yalis.engine.model.GenerationDefaults;
import org.yalis.engine.tokenizer.ChatTemplate;
import org.yalis.engine.tokenizer.Tokenizer;
import org.yalis.engine.Request;
import org.yalis.engine.YalisException;
import org.yalis.engine.tokenizer.TextStream;

/**
 * The OpenAI-compatible HTTP API over an {@link OnlineEngine}: {@code /v1/completions} and
 * {@code /v1/chat/completions} (whole, or streamed as server-sent events ending with {@code data: [DONE]}),
 * {@code /v1/models}, {@code /health} and {@code /metrics}. Each request is handled on a virtual thread of
 * Helidon's WebServer; it submits to the engine and writes what its {@link RequestStream} hears. Nothing a
 * client sends reaches the loop unchecked: bad bodies get a 4xx with an OpenAI error object.
 */
public final class OpenAiServer implements AutoCloseable {
    /** How often a streaming handler checks that the engine is alive while it waits for a token. */
    private static final long EVENT_POLL_MILLIS = 1000;

    /** What the server is started with. */
    public record Settings(String host, int port, String apiKey, long maxBodyBytes) {
        public Settings {
            if (port < 0 || port > 65535) {
                throw new YalisException("--port must be in 0..65535 (0 picks a free one), got " + port);
            }
            if (maxBodyBytes < 1024) {
                throw new YalisException("--max-body-size must be at least 1KiB");
            }
            if (apiKey != null && apiKey.isBlank()) {
                throw new YalisException("--api-key must not be blank (leave it out to serve without one)");
            }
        }
    }

    private static final java.util.Set<String> ROUTES = java.util.Set.of("/health", "/metrics", "/v1/models",
            "/v1/completions", "/v1/chat/completions");

    private final OnlineEngine engine;
    private final ApiRequest.Model model;
    private final ServingMetrics metrics;
    private final Settings settings;
    private final ObjectMapper json;
    private final SecureRandom seeds = new SecureRandom();
    private final AtomicLong requestNumber = new AtomicLong();
    private final long created = System.currentTimeMillis() / 1000;
    private final WebServer server;
    private volatile boolean draining;
    /** Completion requests being answered: a shutdown waits for their answers to be out before closing the port. */
    private final java.util.concurrent.atomic.AtomicInteger answering = new java.util.concurrent.atomic.AtomicInteger();

    private OpenAiServer(OnlineEngine engine, ApiRequest.Model model, ServingMetrics metrics, Settings settings) {
        this.engine = engine;
        this.model = model;
        this.metrics = metrics;
        this.settings = settings;
        this.json = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        // Bounds on what a body may make the parser build: a deeply nested or huge-number body is refused early.
        json.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64)
                .maxNumberLength(100).maxStringLength((int) Math.min(Integer.MAX_VALUE, settings.maxBodyBytes())).build());
        this.server = WebServer.builder().host(settings.host()).port(settings.port()).shutdownHook(false)
                .routing(this::routes).build();
    }

    /**
     * Starts serving the model of {@code engine} under {@code name}: the online loop (at most
     * {@code maxWaiting} requests waiting to start), then the HTTP server. Returns once the port is open.
     */
    public static OpenAiServer start(Engine engine, String name, Tokenizer tokenizer, ChatTemplate chatTemplate,
                                     GenerationDefaults defaults, int maxWaiting, Settings settings) {
        AtomicReference<OnlineEngine> online = new AtomicReference<>();
        ServingMetrics metrics = new ServingMetrics(engine.kvPool().totalBlocks(),
                () -> online.get() == null ? 0 : online.get().waiting());
        online.set(OnlineEngine.start(engine, maxWaiting, metrics));
        ApiRequest.Model model = new ApiRequest.Model(name, tokenizer, chatTemplate, defaults, engine.maxSequenceLength());
        OpenAiServer server;
        try {
            server = new OpenAiServer(online.get(), model, metrics, settings);
            server.server.start();
        } catch (RuntimeException e) {
            online.get().close();
            throw new YalisException("cannot listen on " + settings.host() + ":" + settings.port() + ": "
                    + rootMessage(e) + "; pick another --port (0 takes a free one) or --host", e);
        }
        return server;
    }

    /** The engine behind the server. */
    public OnlineEngine engine() {
        return engine;
    }

    /**
     * Stops taking completions (503 from now on), lets the running ones finish for at most {@code grace}
     * (then cancels them), and closes the port once their answers are out.
     */
    public void shutdown(Duration grace) throws InterruptedException {
        draining = true;
        engine.shutdown(grace);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (answering.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        server.stop();
    }

    /** The port listened on (the one picked, with port 0). */
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        draining = true;
        engine.close();
        server.stop();
    }

    private void routes(HttpRouting.Builder routing) {
        routing.get("/health", (req, res) -> {
            if (draining || engine.hasStopped()) {
                res.status(503).send("shutting down\n");
            } else {
                res.send("ok\n");
            }
        });
        routing.any((req, res) -> {
            if (settings.apiKey() != null && !authorized(req)) {
                sendError(res, new ApiError(401, "invalid_request_error", null, "invalid_api_key",
                        "missing or wrong API key: send 'Authorization: Bearer <key>' with the --api-key the server "
                                + "was started with"));
                return;
            }
            res.next();
        });
        routing.get("/metrics", (req, res) -> {
            res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            res.send(metrics.scrape());
        });
        routing.get("/v1/models", (req, res) -> sendJson(res, 200, Map.of("object", "list", "data",
                List.of(modelCard()))));
        routing.get("/v1/models/{id}", (req, res) -> {
            if (!req.path().pathParameters().get("id").equals(model.name())) {
                sendError(res, ApiError.notFound("model", "model_not_found", "the model '"
                        + YalisException.quoted(req.path().pathParameters().get("id"), 100) + "' does not exist"));
                return;
            }
            sendJson(res, 200, modelCard());
        });
        routing.post("/v1/completions", (req, res) -> answer(req, res, false));
        routing.post("/v1/chat/completions", (req, res) -> answer(req, res, true));
        routing.any((req, res) -> {
            String path = req.path().path();
            if (ROUTES.contains(path)) {
                sendError(res, new ApiError(405, "invalid_request_error", null, "method_not_allowed", "method "
                        + req.prologue().method().text() + " is not allowed on " + path));
            } else {
                sendError(res, ApiError.notFound(null, "not_found", "no route " + YalisException.quoted(path, 100)
                        + "; this server has /v1/completions, /v1/chat/completions, /v1/models, /health and /metrics"));
            }
        });
        routing.error(ApiError.class, (req, res, error) -> sendError(res, error));
        routing.error(Throwable.class, (req, res, error) -> {
            if (!res.isSent()) {
                sendError(res, new ApiError(500, "server_error", null, null, "internal error: " + rootMessage(error)));
            }
        });
    }

    private Map<String, Object> modelCard() {
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("id", model.name());
        card.put("object", "model");
        card.put("created", created);
        card.put("owned_by", "yalis");
        card.put("max_model_len", model.maxSequenceLength());
        return card;
    }

    private boolean authorized(ServerRequest req) {
        String expected = "Bearer " + settings.apiKey();
        String given = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
        // Constant time: the comparison's duration says nothing about how much of the key was right.
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    private void answer(ServerRequest req, ServerResponse res, boolean chat) throws IOException, InterruptedException {
        answering.incrementAndGet();
        try {
            complete(req, res, chat);
        } finally {
            answering.decrementAndGet();
        }
    }

    private void complete(ServerRequest req, ServerResponse res, boolean chat) throws IOException, InterruptedException {
        if (draining) {
            metrics.rejected("shutting_down");
            sendError(res, new ApiError(503, "server_error", null, "shutting_down", "the server is shutting down"));
            return;
        }
        // The body is read as JSON whatever its Content-Type says (curl -d sends form-urlencoded), as llama-server does.
        JsonNode body = readBody(req);
        ApiRequest request = chat ? ApiRequest.chat(body, model, seeds.nextLong())
                : ApiRequest.completion(body, model, seeds.nextLong());
        // A request's random draws come from its own stream (0) under its own seed: the same seed gives the same
        // text whatever else runs beside it.
        Request engineRequest = new Request(request.promptIds(), request.maxTokens(), request.sampling(),
                request.ignoreEos(), 0);
        RequestStream stream = new RequestStream(new TextStream(model.tokenizer(), request.promptIds(), request.stop()));
        OnlineEngine.Handle handle;
        try {
            handle = engine.submit(engineRequest, stream);
        } catch (OnlineEngine.RejectedException e) {
            metrics.rejected(e.full() ? "queue_full" : "shutting_down");
            if (e.full()) {
                res.header(HeaderNames.RETRY_AFTER, "1");
            }
            sendError(res, new ApiError(e.full() ? 429 : 503, e.full() ? "rate_limit_error" : "server_error", null,
                    e.full() ? "too_many_requests" : "shutting_down", e.getMessage()));
            return;
        } catch (YalisException e) {
            throw ApiError.invalid(chat ? "messages" : "prompt", e.getMessage());
        }
        String id = (chat ? "chatcmpl-" : "cmpl-") + requestNumber.incrementAndGet();
        if (request.stream()) {
            stream(res, handle, stream, request, id, chat);
        } else {
            whole(res, handle, stream, id, chat);
        }
    }

    private JsonNode readBody(ServerRequest req) throws IOException {
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > settings.maxBodyBytes()) {
            throw tooLarge();
        }
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, settings.maxBodyBytes() + 1));
        } catch (UncheckedIOException e) {
            throw ApiError.invalid(null, "could not read the body: " + rootMessage(e));
        }
        if (bytes.length > settings.maxBodyBytes()) {
            throw tooLarge();
        }
        if (bytes.length == 0) {
            throw ApiError.invalid(null, "the body is empty; send a JSON object");
        }
        try {
            return json.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiError.invalid(null, "the body is not valid JSON: " + YalisException.quoted(e.getOriginalMessage(), 200));
        }
    }

    private ApiError tooLarge() {
        return new ApiError(413, "invalid_request_error", null, "request_too_large", "the body is larger than "
                + settings.maxBodyBytes() + " bytes (--max-body-size)");
    }

    /** Waits for the whole completion, then answers with one JSON object. */
    private void whole(ServerResponse res, OnlineEngine.Handle handle, RequestStream stream, String id, boolean chat)
            throws InterruptedException {
        StringBuilder text = new StringBuilder();
        while (true) {
            RequestStream.Event event = stream.next(EVENT_POLL_MILLIS);
            switch (event) {
                case null -> {
                }
                case RequestStream.Text piece -> text.append(piece.piece());
                case RequestStream.Failed failed -> {
                    sendError(res, engineFailed(failed.cause()));
                    return;
                }
                case RequestStream.End end -> {
                    finished(stream, end);
                    Map<String, Object> choice = new LinkedHashMap<>();
                    choice.put("index", 0);
                    if (chat) {
                        choice.put("message", Map.of("role", "assistant", "content", text.toString()));
                    } else {
                        choice.put("text", text.toString());
                        choice.put("logprobs", null);
                    }
                    choice.put("finish_reason", end.finishReason());
                    Map<String, Object> body = envelope(id, chat ? "chat.completion" : "text_completion");
                    body.put("choices", List.of(choice));
                    body.put("usage", usage(end));
                    sendJson(res, 200, body);
                    return;
                }
            }
        }
    }

    /** Server-sent events: a chunk per piece of text, the finish reason, usage when asked, then [DONE]. */
    private void stream(ServerResponse res, OnlineEngine.Handle handle, RequestStream stream, ApiRequest request,
                        String id, boolean chat) throws InterruptedException {
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        String object = chat ? "chat.completion.chunk" : "text_completion";
        try (OutputStream out = res.outputStream()) {
            if (chat) {
                writeEvent(out, chunk(id, object, Map.of("role", "assistant", "content", ""), null, true));
            }
            while (true) {
                RequestStream.Event event = stream.next(EVENT_POLL_MILLIS);
                switch (event) {
                    case null -> {
                    }
                    case RequestStream.Text piece -> writeEvent(out, chunk(id, object,
                            chat ? Map.of("content", piece.piece()) : piece.piece(), null, chat));
                    case RequestStream.Failed failed -> {
                        writeEvent(out, engineFailed(failed.cause()).body());
                        return;
                    }
                    case RequestStream.End end -> {
                        finished(stream, end);
                        writeEvent(out, chunk(id, object, chat ? Map.of() : "", end.finishReason(), chat));
                        if (request.includeUsage()) {
                            Map<String, Object> last = envelope(id, object);
                            last.put("choices", List.of());
                            last.put("usage", usage(end));
                            writeEvent(out, last);
                        }
                        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        return;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // A write failed (Helidon reports a closed connection as an unchecked exception): the client is gone: its request leaves the batch before the next step, its blocks go back.
            handle.cancel();
            awaitEnd(stream);
        }
    }

    /** After a cancel: waits (briefly) for the request's end, to count it in the metrics as the engine ended it. */
    private void awaitEnd(RequestStream stream) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            RequestStream.Event event = stream.next(EVENT_POLL_MILLIS);
            if (event instanceof RequestStream.End end) {
                finished(stream, end);
                return;
            }
            if (event instanceof RequestStream.Failed) {
                return;
            }
        }
    }

    private Map<String, Object> chunk(String id, String object, Object delta, String finishReason, boolean chat) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        if (chat) {
            choice.put("delta", delta);
        } else {
            choice.put("text", delta);
            choice.put("logprobs", null);
        }
        choice.put("finish_reason", finishReason);
        Map<String, Object> body = envelope(id, object);
        body.put("choices", List.of(choice));
        return body;
    }

    private void writeEvent(OutputStream out, Object body) throws IOException {
        out.write(("data: " + json.writeValueAsString(body) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private Map<String, Object> envelope(String id, String object) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("object", object);
        body.put("created", System.currentTimeMillis() / 1000);
        body.put("model", model.name());
        return body;
    }

    private static Map<String, Object> usage(RequestStream.End end) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", end.promptTokens());
        usage.put("completion_tokens", end.completionTokens());
        usage.put("total_tokens", end.promptTokens() + end.completionTokens());
        return usage;
    }

    private void finished(RequestStream stream, RequestStream.End end) {
        metrics.finished(stream.arrivalNanos, stream.firstTokenNanos(), stream.lastTokenNanos(), end.completionTokens(),
                end.finishReason());
    }

    private static ApiError engineFailed(Throwable cause) {
        if (cause instanceof OnlineEngine.RejectedException) {
            return new ApiError(503, "server_error", null, "shutting_down", cause.getMessage());
        }
        return new ApiError(500, "server_error", null, "engine_failed", "the engine stopped: " + rootMessage(cause));
    }

    private void sendJson(ServerResponse res, int status, Object body) {
        try {
            res.status(status);
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void sendError(ServerResponse res, ApiError error) {
        sendJson(res, error.status(), error.body());
    }

    private static String rootMessage(Throwable error) {
        List<Throwable> seen = new ArrayList<>();
        Throwable cause = error;
        while (cause.getCause() != null && !seen.contains(cause.getCause())) {
            seen.add(cause);
            cause = cause.getCause();
        }
        String message = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        return error.getMessage() != null && error instanceof YalisException ? error.getMessage() : message;
    }
}
