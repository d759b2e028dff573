package org.yalis.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import org.yalis.engine.BatchStats;
import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.RequestMetrics;
import org.yalis.engine.Sizes;
import org.yalis.engine.YalisException;
import org.yalis.engine.comm.LaunchEnvironment;
import org.yalis.engine.cpu.CpuTopology;
import org.yalis.engine.cpu.WeightPlacement;
import org.yalis.engine.model.GenerationDefaults;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.synth.SyntheticModels;
import org.yalis.engine.tokenizer.ChatTemplate;
import org.yalis.engine.tokenizer.TextStream;
import org.yalis.engine.tokenizer.Tokenizer;

/** {@code yalis generate}: completes prompts with a model, as a batch. */
@Command(name = "generate", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = "Generate text from a Hugging Face Llama model folder. Several prompts run as one batch.")
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR|synth:PRESET",
            description = "Hugging Face model folder (config.json, tokenizer.json, *.safetensors), or synth:PRESET "
                    + "for a random-weight model of a known shape (built once in ~/.cache/yalis).")
    String modelArgument;

    private Path model;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "A prompt; repeat for a batch. \"\" is BOS only.")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--prompts-file", paramLabel = "FILE.jsonl",
            description = "One prompt per line: {\"prompt\": \"...\"} or a JSON string; - reads standard input. "
                    + "Runs after the --prompt values. Default: none.")
    Path promptsFile;

    @Option(names = "--chat", description = "Wrap each prompt as a user turn in the model's chat template.")
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "With --chat: a system turn before each prompt (default: none).")
    String system;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "256",
            description = "Most tokens to generate per prompt (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Mixin
    SamplingOptions samplingOptions;

    @Option(names = "--ignore-eos", description = "Keep generating past end-of-sequence tokens.")
    boolean ignoreEos;

    @Option(names = "--stop", paramLabel = "TEXT", description = "End a completion where TEXT begins (not "
            + "included); repeat for several. Default: none.")
    List<String> stops = new ArrayList<>();

    @Mixin
    EngineFlags engineFlags = new EngineFlags();

    @Option(names = "--json", description = "Print one JSON object per prompt on stdout, in input order.")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<String> texts = PromptInputs.collect(prompts, promptsFile);
        model = SyntheticModels.resolve(modelArgument);
        ModelFolder folder = ModelFolder.open(model);
        SamplingParams sampling = samplingOptions.resolve(GenerationDefaults.read(model), err);
        try (Tokenizer tokenizer = Tokenizer.load(model, folder.config().bosTokenId())) {
            List<Request> requests = new ArrayList<>();
            int longest = 0;
            ChatTemplate template = chat ? ChatTemplate.load(model).orElseThrow(() -> new YalisException(
                    "--chat: the model has no chat_template in tokenizer_config.json; drop --chat and format the "
                            + "prompt yourself")) : null;
            if (system != null && !chat) {
                throw new YalisException("--system needs --chat");
            }
            for (String text : texts) {
                int[] ids = template == null ? tokenizer.encode(text)
                        : tokenizer.encode(template.render(conversation(text), true), false);
                Engine.checkContext(requests.size(), ids.length, folder.config());
                requests.add(new Request(ids, maxNewTokens, sampling, ignoreEos));
                longest = Math.max(longest, ids.length + maxNewTokens);
            }
            // No more sequences run at once than there are prompts: the default KV pool is sized for this.
            EngineOptions options = engineFlags.options(model, Math.min(engineFlags.maxBatch, Math.max(1, requests.size())),
                    Math.min(longest, folder.config().maxPositions()));
            LoadProgress progress = LoadProgress.forStderr(err);
            try (Engine engine = Engine.load(folder, options, progress)) {
                progress.done();
                // A seed this process chose alone is replaced by rank 0's, so that every rank samples alike.
                long agreedSeed = engine.valueOfRankZero(sampling.seed());
                if (agreedSeed != sampling.seed()) {
                    SamplingParams shared = new SamplingParams(sampling.temperature(), sampling.topK(), sampling.topP(),
                            agreedSeed);
                    requests = requests.stream().map(r -> new Request(r.promptIds(), r.maxNewTokens(), shared,
                            r.ignoreEos())).toList();
                }
                engine.check(requests);   // a prompt that cannot run is the only line on stderr
                boolean reports = engine.reportsResults();   // only rank 0 prints
                if (reports) {
                    err.printf(Locale.ROOT, "loaded %s: %d layers, hidden %d, %s weights on %s (%d threads), %s, KV "
                                    + "cache %s in %d blocks of %d tokens%n", model.getFileName(), folder.config().layers(),
                            folder.config().hiddenSize(), engineFlags.weights, engineFlags.device, options.threads(),
                            EngineFlags.parallelism(options),
                            Sizes.format(engine.kvCacheBytes()), engine.kvPool().totalBlocks(), engineFlags.kvBlockSize);
                }
                GenerationListener printer = !reports ? GenerationListener.NONE
                        : json ? new JsonPrinter(out, texts, requests, tokenizer, stops)
                        : new TextPrinter(out, texts, requests, tokenizer, stops);
                List<Completion> completions = engine.generate(requests, printer);
                if (engine.kvPool().freeBlocks() != engine.kvPool().totalBlocks()) {
                    throw new IllegalStateException("KV blocks leaked: " + engine.kvPool().freeBlocks() + " of "
                            + engine.kvPool().totalBlocks() + " free after the batch");
                }
                if (reports) {
                    printSummary(err, engine.lastStats(), completions.size());
                }
            }
        }
        return 0;
    }

    private List<ChatTemplate.Message> conversation(String prompt) {
        List<ChatTemplate.Message> messages = new ArrayList<>();
        if (system != null) {
            messages.add(new ChatTemplate.Message("system", system));
        }
        messages.add(new ChatTemplate.Message("user", prompt));
        return messages;
    }

    private static void printSummary(PrintWriter err, BatchStats stats, int prompts) {
        err.printf(Locale.ROOT, "%d prompt(s): prefill %d tokens in %.1f ms (%.1f tokens/s), decode %d tokens in "
                        + "%.1f ms (%.1f tokens/s), %d preemption(s), %d prompt tokens from the prefix cache%n", prompts,
                stats.prefillTokens(), stats.prefillMs(), stats.prefillTokensPerSecond(), stats.decodeTokens(),
                stats.decodeMs(), stats.decodeTokensPerSecond(), stats.preemptions(), stats.prefixCacheHitTokens());
        err.flush();
    }

    static Map<String, Object> metrics(RequestMetrics m) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("prompt_tokens", m.promptTokens());
        metrics.put("generated_tokens", m.generatedTokens());
        metrics.put("ttft_ms", round(m.timeToFirstTokenMs()));
        metrics.put("prefill_ms", round(m.prefillMs()));
        metrics.put("decode_ms", round(m.decodeMs()));
        metrics.put("e2e_ms", round(m.endToEndMs()));
        metrics.put("prefill_tokens_per_s", round(m.prefillTokensPerSecond()));
        metrics.put("decode_tokens_per_s", round(m.decodeTokensPerSecond()));
        return metrics;
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    /**
     * Each prompt's text as it is generated, cut at the first --stop string: a prompt whose text reached
     * one is cancelled before the next step (so no token follows it) and finishes as a stop. Texts are
     * decoded token by token only when something needs them then (stop strings, or one prompt streaming);
     * otherwise once, at the end.
     */
    private abstract static class Printer implements GenerationListener {
        final List<String> texts;
        final Tokenizer tokenizer;
        private final TextStream[] streams;
        private final boolean incremental;
        private final boolean stops;

        Printer(List<String> texts, List<Request> requests, Tokenizer tokenizer, List<String> stops, boolean streaming) {
            this.texts = texts;
            this.tokenizer = tokenizer;
            this.stops = !stops.isEmpty();
            this.incremental = this.stops || streaming;
            this.streams = new TextStream[requests.size()];
            for (int i = 0; i < streams.length; i++) {
                streams[i] = new TextStream(tokenizer, requests.get(i).promptIds(), stops);
            }
        }

        @Override
        public boolean cancels() {
            return stops;
        }

        @Override
        public boolean cancelled(int requestIndex) {
            return streams[requestIndex].stopped();
        }

        @Override
        public void onToken(int requestIndex, int token) {
            if (incremental) {
                released(requestIndex, streams[requestIndex].add(token));
            }
        }

        /** Text of prompt {@code index} that is final now (for streaming). */
        void released(int index, String piece) {
        }

        /** The rest of the text of a finished prompt, not yet released. */
        String rest(Completion completion) {
            return incremental ? streams[completion.index()].finish() : "";
        }

        String text(Completion completion) {
            if (incremental) {
                streams[completion.index()].finish();   // settles a character left incomplete at the end
            }
            return incremental ? streams[completion.index()].text()
                    : tokenizer.continuation(completion.promptIds(), completion.generatedIds());
        }

        String finishReason(Completion completion) {
            return incremental && streams[completion.index()].stopped() ? "stop" : completion.finishReason().label();
        }
    }

    /** --json: one object per prompt, printed in input order as soon as all earlier ones are done. */
    private static final class JsonPrinter extends Printer {
        private final PrintWriter out;
        private final Completion[] done;
        private final ObjectMapper mapper = new ObjectMapper();
        private int nextToPrint;

        JsonPrinter(PrintWriter out, List<String> texts, List<Request> requests, Tokenizer tokenizer, List<String> stops) {
            super(texts, requests, tokenizer, stops, false);
            this.out = out;
            this.done = new Completion[texts.size()];
        }

        @Override
        public void onFinish(Completion completion) {
            done[completion.index()] = completion;
            while (nextToPrint < done.length && done[nextToPrint] != null) {
                Completion c = done[nextToPrint];
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("prompt", texts.get(nextToPrint));
                line.put("prompt_ids", c.promptIds());
                line.put("generated_ids", c.generatedIds());
                line.put("text", text(c));
                line.put("finish_reason", finishReason(c));
                line.put("metrics", metrics(c.metrics()));
                try {
                    out.println(mapper.writeValueAsString(line));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
                out.flush();
                nextToPrint++;
            }
        }
    }

    /**
     * Plain text: one prompt streams token by token after its prompt text; a batch prints each
     * completion, in input order, as soon as it and all earlier ones are done.
     */
    private static final class TextPrinter extends Printer {
        private final PrintWriter out;
        private final boolean streaming;
        private final Completion[] done;
        private int nextToPrint;

        TextPrinter(PrintWriter out, List<String> texts, List<Request> requests, Tokenizer tokenizer, List<String> stops) {
            super(texts, requests, tokenizer, stops, texts.size() == 1);
            this.out = out;
            this.done = new Completion[texts.size()];
            this.streaming = texts.size() == 1;
            if (streaming) {
                out.print(texts.getFirst());
                out.flush();
            }
        }

        @Override
        void released(int index, String piece) {
            if (streaming && !piece.isEmpty()) {
                out.print(piece);
                out.flush();
            }
        }

        @Override
        public void onFinish(Completion completion) {
            if (streaming) {
                out.println(rest(completion));
                out.flush();
                return;
            }
            done[completion.index()] = completion;
            while (nextToPrint < done.length && done[nextToPrint] != null) {
                Completion c = done[nextToPrint];
                out.println("--- [" + (nextToPrint + 1) + "/" + done.length + "] (" + finishReason(c) + ")");
                out.println(texts.get(nextToPrint) + text(c));
                out.flush();
                nextToPrint++;
            }
        }
    }

}
