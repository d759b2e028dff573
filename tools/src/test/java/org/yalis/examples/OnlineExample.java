package org.yalis.examples;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.OnlineEngine;
import org.yalis.engine.Request;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.tokenizer.TextStream;
import org.yalis.engine.tokenizer.Tokenizer;

/** docs/java-api.md's online example: requests submitted while others run, text streamed, one stop string. */
public final class OnlineExample {
    private OnlineExample() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args.length > 0 ? args[0] : "../shared/models/stories260K");
        ModelFolder folder = ModelFolder.open(model);
        try (Tokenizer tokenizer = Tokenizer.load(model, folder.config().bosTokenId());
             Engine engine = Engine.load(folder, EngineOptions.builder(model).threads(2).build(), null);
             OnlineEngine online = OnlineEngine.start(engine, 64, GenerationListener.NONE)) {
            CompletableFuture<String> first = submit(online, tokenizer, "Once upon a time", ".");
            Thread.sleep(20);   // the second joins the batch while the first decodes
            CompletableFuture<String> second = submit(online, tokenizer, "Lily and Tom", "park");
            System.out.println(first.get());
            System.out.println(second.get());
            online.shutdown(Duration.ofSeconds(10));
        }
    }

    /** Submits a greedy completion of {@code prompt} that ends where {@code stop} begins; completes with its text. */
    private static CompletableFuture<String> submit(OnlineEngine online, Tokenizer tokenizer, String prompt,
                                                    String stop) {
        int[] ids = tokenizer.encode(prompt);
        TextStream text = new TextStream(tokenizer, ids, java.util.List.of(stop));
        CompletableFuture<String> done = new CompletableFuture<>();
        online.submit(new Request(ids, 100, SamplingParams.greedy(), false, 0), new OnlineEngine.RequestListener() {
            @Override
            public void onToken(int token) {
                text.add(token);   // called on the loop thread: hand text off, do not block
            }

            @Override
            public boolean stopped() {
                return text.stopped();   // true ends the request before the next step
            }

            @Override
            public void onFinish(Completion completion) {
                done.complete(prompt + text.text() + " [" + (text.stopped() ? "stop" : completion.finishReason().label())
                        + ", " + completion.generatedIds().length + " tokens]");
            }

            @Override
            public void onFailure(Throwable failure) {
                done.completeExceptionally(failure);
            }
        });
        return done;
    }
}
