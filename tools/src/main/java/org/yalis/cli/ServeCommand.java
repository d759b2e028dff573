package org.yalis.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.OnlineEngine;
import org.yalis.engine.Sizes;
import org.yalis.engine.YalisException;
import org.yalis.engine.model.GenerationDefaults;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.synth.SyntheticModels;
import org.yalis.engine.tokenizer.ChatTemplate;
import org.yalis.engine.tokenizer.Tokenizer;
import org.yalis.server.OpenAiServer;

/**
 * {@code yalis serve}: the OpenAI-compatible HTTP API over continuous batching. Rank 0's process listens;
 * under mpirun the other processes run the same batches. SIGTERM (or Ctrl-C) stops taking requests, lets
 * the running ones finish for at most {@code --shutdown-timeout}, and exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = "Serve a model over HTTP with the OpenAI API (/v1/completions, /v1/chat/completions, "
                + "/v1/models, /health, /metrics); requests join the running batch as they arrive.")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR|synth:PRESET",
            description = "Hugging Face model folder (config.json, tokenizer.json, *.safetensors), or synth:PRESET.")
    String modelArgument;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on (0.0.0.0: every interface). Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8000",
            description = "Port to listen on (0 picks a free one, printed on stderr). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--served-model-name", paramLabel = "NAME",
            description = "The model's name in the API (default: the model folder's name).")
    String servedModelName;

    @Option(names = "--max-model-len", paramLabel = "N",
            description = "Longest sequence (prompt and completion) served (default: the model's context).")
    Integer maxModelLength;

    @Option(names = "--max-waiting", paramLabel = "N", defaultValue = "256",
            description = "Most requests waiting for their first token; beyond them 429 with Retry-After. "
                    + "Default: ${DEFAULT-VALUE}.")
    int maxWaiting;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on every route but /health (default: none; "
                    + "or the YALIS_API_KEY environment variable).")
    String apiKey;

    @Option(names = "--max-body-size", paramLabel = "SIZE", defaultValue = "4MiB",
            description = "Largest request body; larger ones get 413. Default: ${DEFAULT-VALUE}.")
    String maxBodySize;

    @Option(names = "--shutdown-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "On SIGTERM, how long running requests may take to finish before they are cancelled. "
                    + "Default: ${DEFAULT-VALUE}.")
    double shutdownTimeout;

    @Mixin
    EngineFlags engineFlags = new EngineFlags();

    /** Helidon logs every start at INFO through java.util.logging; the command prints its own line. */
    private static final java.util.logging.Logger HELIDON_LOG = java.util.logging.Logger.getLogger("io.helidon");

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        HELIDON_LOG.setLevel(java.util.logging.Level.WARNING);
        if (!(shutdownTimeout >= 0) || shutdownTimeout > 86_400) {
            throw new YalisException("--shutdown-timeout must be in 0..86400 seconds, got " + shutdownTimeout);
        }
        Path model = SyntheticModels.resolve(modelArgument);
        ModelFolder folder = ModelFolder.open(model);
        int context = folder.config().maxPositions();
        if (maxModelLength != null && (maxModelLength < 2 || maxModelLength > context)) {
            throw new YalisException("--max-model-len must be in 2.." + context + " (the model's context), got "
                    + maxModelLength);
        }
        String key = apiKey != null ? apiKey : System.getenv("YALIS_API_KEY");
        OpenAiServer.Settings settings = new OpenAiServer.Settings(host, port, key == null || key.isEmpty() ? null : key,
                Sizes.parse(maxBodySize, "--max-body-size"));
        if (maxWaiting < 1) {
            throw new YalisException("--max-waiting must be at least 1, got " + maxWaiting);
        }
        String name = servedModelName != null ? servedModelName : model.getFileName().toString();
        EngineOptions options = engineFlags.options(model, engineFlags.maxBatch,
                maxModelLength != null ? maxModelLength : context);
        LoadProgress progress = LoadProgress.forStderr(err);
        try (Tokenizer tokenizer = Tokenizer.load(model, folder.config().bosTokenId());
             Engine engine = Engine.load(folder, options, progress)) {
            progress.done();
            if (!engine.reportsResults()) {
                // Another process holds rank 0 and the port: this one runs the batches it admits, until rank 0
                // ends them. A launcher passes SIGTERM to every rank; only rank 0's decides when to stop.
                sun.misc.SignalHandler ignore = signal -> { };
                sun.misc.Signal.handle(new sun.misc.Signal("TERM"), ignore);
                sun.misc.Signal.handle(new sun.misc.Signal("INT"), ignore);
                OnlineEngine.follow(engine);
                return 0;
            }
            ChatTemplate template = ChatTemplate.load(model).orElse(null);
            CountDownLatch stop = new CountDownLatch(1);
            // SIGTERM and Ctrl-C begin a graceful shutdown instead of ending the JVM at once.
            sun.misc.SignalHandler shutdown = signal -> stop.countDown();
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), shutdown);
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), shutdown);
            OpenAiServer server = OpenAiServer.start(engine, name, tokenizer, template, GenerationDefaults.read(model),
                    maxWaiting, settings);
            err.printf(Locale.ROOT, "serving %s on http://%s:%d (%s, KV cache %s in %d blocks of %d tokens, at most %d "
                            + "sequences at once%s)%n", name, host, server.port(), EngineFlags.parallelism(options),
                    Sizes.format(engine.kvCacheBytes()), engine.kvPool().totalBlocks(), options.kvBlockSize(),
                    options.maxBatch(), key != null ? ", API key required" : "");
            err.flush();
            // Wait for a signal, or for the loop to fail (a rank died, the computation broke).
            while (!stop.await(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (server.engine().hasStopped()) {
                    server.close();
                    Throwable failure = server.engine().failure();
                    if (failure instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    throw new YalisException("the serving loop stopped: " + failure, failure);
                }
            }
            err.println("shutting down: no new requests; waiting up to " + shutdownTimeout
                    + " s for the running ones");
            err.flush();
            server.shutdown(Duration.ofMillis((long) (shutdownTimeout * 1000)));
            err.println("stopped");
            err.flush();
        }
        return 0;
    }
}
