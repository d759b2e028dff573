package org.yalis.examples;

import java.nio.file.Path;
import java.util.List;

import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.tokenizer.Tokenizer;

/** docs/java-api.md's example: load a model, stream two completions, cancel one of them midway. */
public final class EmbeddingExample {
    private EmbeddingExample() {
    }

    public static void main(String[] args) {
        Path model = Path.of(args.length > 0 ? args[0] : "../shared/models/stories260K");
        ModelFolder folder = ModelFolder.open(model);
        EngineOptions options = EngineOptions.builder(model).threads(2).build();
        try (Tokenizer tokenizer = Tokenizer.load(model, folder.config().bosTokenId());
             Engine engine = Engine.load(folder, options, null)) {
            List<Request> requests = List.of(
                    new Request(tokenizer.encode("Once upon a time"), 64, SamplingParams.greedy(), false),
                    new Request(tokenizer.encode("Lily and Tom"), 64, new SamplingParams(0.8, 40, 0.95, 7), false));
            int[] streamed = new int[requests.size()];
            List<Completion> completions = engine.generate(requests, new GenerationListener() {
                @Override
                public void onToken(int request, int token) {
                    streamed[request]++;   // each token as it comes; decode text with tokenizer.continuation
                }

                @Override
                public boolean cancels() {
                    return true;
                }

                @Override
                public boolean cancelled(int request) {
                    return request == 1 && streamed[1] >= 10;   // e.g. a client that went away
                }
            });
            for (Completion completion : completions) {
                System.out.println(completion.finishReason().label() + " after " + completion.generatedIds().length
                        + " tokens: " + tokenizer.continuation(completion.promptIds(), completion.generatedIds())
                        .replace('\n', ' '));
            }
        }
    }
}
