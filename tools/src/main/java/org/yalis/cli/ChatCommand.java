package org.yalis.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.FinishReason;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.YalisException;
import org.yalis.engine.cpu.CpuTopology;
import org.yalis.engine.model.GenerationDefaults;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.synth.SyntheticModels;
import org.yalis.engine.tokenizer.ChatTemplate;
import org.yalis.engine.tokenizer.Tokenizer;

/**
 * An interactive chat in the terminal: each line read is a user turn, the model's answer streams as it is
 * generated, and the conversation so far is the prompt of the next turn (rendered with the model's chat
 * template; the prefix cache keeps the history's keys and values, so a turn computes only its new tokens).
 */
@Command(name = "chat", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = "Chat with a model in the terminal: one line per turn, /reset forgets the conversation, /exit "
                + "(or end of input) ends it.")
final class ChatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR|synth:PRESET",
            description = "Hugging Face model folder with a chat template (tokenizer_config.json's chat_template, or "
                    + "chat_template.jinja).")
    String modelArgument;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system turn at the start of the conversation "
            + "(default: none).")
    String system;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "512",
            description = "Most tokens of one answer (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Mixin
    SamplingOptions samplingOptions;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads (default: one per core).")
    Integer threads;

    @Mixin
    CpuComputeOptions cpuCompute;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path model = SyntheticModels.resolve(modelArgument);
        ModelFolder folder = ModelFolder.open(model);
        ChatTemplate template = ChatTemplate.load(model).orElseThrow(() -> new YalisException("the model in " + model
                + " has no chat template (tokenizer_config.json's chat_template or chat_template.jinja); use "
                + "'yalis generate' and format the prompt yourself"));
        SamplingParams sampling = samplingOptions.resolve(GenerationDefaults.read(model), err);
        int context = folder.config().maxPositions();
        EngineOptions options = cpuCompute.applyTo(EngineOptions.builder(model)
                .threads(threads == null ? CpuTopology.physicalCores() : threads).maxBatch(1)
                .maxSequenceLength(context)).build();
        boolean terminal = System.console() != null;
        LoadProgress progress = LoadProgress.forStderr(err);
        try (Tokenizer tokenizer = Tokenizer.load(model, folder.config().bosTokenId());
             Engine engine = Engine.load(folder, options, progress)) {
            progress.done();
            err.println("chat with " + model.getFileName() + ": type a message; /reset forgets the conversation, "
                    + "/exit ends it");
            err.flush();
            List<ChatTemplate.Message> conversation = new ArrayList<>();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            int turn = 0;
            while (true) {
                if (terminal) {
                    err.print("> ");
                    err.flush();
                }
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    return 0;
                }
                if (line.strip().equals("/reset")) {
                    conversation.clear();
                    err.println("(conversation forgotten)");
                    err.flush();
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                List<ChatTemplate.Message> asked = new ArrayList<>();
                if (system != null) {
                    asked.add(new ChatTemplate.Message("system", system));
                }
                asked.addAll(conversation);
                asked.add(new ChatTemplate.Message("user", line));
                int[] prompt = tokenizer.encode(template.render(asked, true), false);
                if (prompt.length >= context) {
                    err.println("error: the conversation has " + prompt.length + " tokens, the model's context is "
                            + context + "; /reset to start a new one");
                    err.flush();
                    continue;
                }
                // Each turn draws from a stream of its own, so a seeded chat repeats turn for turn.
                Request request = new Request(prompt, Math.min(maxNewTokens, context - prompt.length), sampling, false,
                        turn++);
                TextStreamer streamer = new TextStreamer(tokenizer, prompt, out);
                // Ctrl-C while an answer streams stops that answer; at the prompt it ends the chat as usual.
                Completion answer = Interrupts.caught(interrupted -> engine.generate(List.of(request),
                        new GenerationListener() {
                            @Override
                            public void onToken(int requestIndex, int token) {
                                streamer.add(token);
                            }

                            @Override
                            public boolean cancels() {
                                return true;
                            }

                            @Override
                            public boolean cancelled(int requestIndex) {
                                return interrupted.get();
                            }
                        }).getFirst());
                streamer.finish();
                if (answer.finishReason() == FinishReason.CANCELLED) {
                    err.println("(answer stopped)");
                    err.flush();
                }
                conversation.add(new ChatTemplate.Message("user", line));
                conversation.add(new ChatTemplate.Message("assistant",
                        tokenizer.continuation(prompt, answer.generatedIds()).strip()));
            }
        }
    }
}
