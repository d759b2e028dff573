package org.yalis.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.FinishReason;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.OnlineEngine;
import org.yalis.engine.Request;
import org.yalis.engine.YalisException;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.testing.TestModels;
import org.yalis.engine.tokenizer.Tokenizer;

/**
 * Requests that join a running batch at any step (the online loop): each generates what it generates in an
 * offline batch of its own (batch-invariant kernels), with ranks as threads too; a cancelled one gives its
 * blocks back; the waiting queue is bounded; a shutdown lets the batch finish.
 */
class OnlineEngineTest {
    private static Path model;
    private static List<int[]> prompts;

    @BeforeAll
    static void load() {
        model = TestModels.requireStories260K();
        try (Tokenizer tokenizer = Tokenizer.load(model, 1)) {
            prompts = List.of("Once upon a time", "Lily and Tom", "The sun", "One day", "The dog was", "A big")
                    .stream().map(tokenizer::encode).toList();
        }
    }

    /** Collects one request's tokens and completion. */
    private static class Collector implements OnlineEngine.RequestListener {
        final List<Integer> tokens = new ArrayList<>();
        final CompletableFuture<Completion> done = new CompletableFuture<>();

        @Override
        public void onToken(int token) {
            tokens.add(token);
        }

        @Override
        public void onFinish(Completion completion) {
            done.complete(completion);
        }

        @Override
        public void onFailure(Throwable failure) {
            done.completeExceptionally(failure);
        }
    }

    private static Request request(int i, boolean sampled) {
        SamplingParams sampling = sampled ? new SamplingParams(0.9, 20, 0.95, 1234 + i) : SamplingParams.greedy();
        return new Request(prompts.get(i % prompts.size()), 10 + 13 * i % 50, sampling, i % 2 == 0, i);
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2})
    void requestsJoiningARunningBatchGenerateWhatTheyWouldAlone(int ranks) throws Exception {
        EngineOptions options = EngineOptions.builder(model).batchInvariant(true).tensorParallel(ranks, 1).maxBatch(8)
                .build();
        try (Engine engine = Engine.load(ModelFolder.open(model), options, null)) {
            int count = 12;
            List<Completion> alone = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                alone.add(engine.generate(List.of(request(i, i % 3 == 0)), GenerationListener.NONE).getFirst());
            }
            AtomicInteger steps = new AtomicInteger();
            OnlineEngine online = OnlineEngine.start(engine, 64, new GenerationListener() {
                @Override
                public void onStep(org.yalis.engine.StepReport report) {
                    steps.incrementAndGet();
                }
            });
            List<Collector> collectors = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Collector collector = new Collector();
                collectors.add(collector);
                online.submit(request(i, i % 3 == 0), collector);
                // Staggered: later requests join while earlier ones decode.
                int target = steps.get() + 3;
                while (steps.get() < target && i % 2 == 1) {
                    Thread.sleep(1);
                }
            }
            for (int i = 0; i < count; i++) {
                Completion completion = collectors.get(i).done.get(60, TimeUnit.SECONDS);
                assertArrayEquals(alone.get(i).generatedIds(), completion.generatedIds(), "request " + i);
                assertEquals(alone.get(i).finishReason(), completion.finishReason(), "request " + i);
                assertEquals(completion.generatedIds().length, collectors.get(i).tokens.size(), "tokens streamed");
            }
            online.shutdown(Duration.ofSeconds(30));
            assertTrue(online.hasStopped());
            assertEquals(engine.kvPool().totalBlocks(), engine.kvPool().freeBlocks(), "every block free or cached");
        }
    }

    @Test
    void aCancelledRequestLeavesAtTheNextStepAndTheQueueIsBounded() throws Exception {
        EngineOptions options = EngineOptions.builder(model).batchInvariant(true).maxBatch(1).build();
        try (Engine engine = Engine.load(ModelFolder.open(model), options, null)) {
            CountDownLatch fiveTokens = new CountDownLatch(5);
            Collector first = new Collector() {
                @Override
                public void onToken(int token) {
                    super.onToken(token);
                    fiveTokens.countDown();
                }
            };
            OnlineEngine online = OnlineEngine.start(engine, 2, GenerationListener.NONE);
            Request longOne = new Request(prompts.getFirst(), 400, SamplingParams.greedy(), true, 0);
            OnlineEngine.Handle handle = online.submit(longOne, first);
            assertTrue(fiveTokens.await(30, TimeUnit.SECONDS));
            // With one sequence running, two more may wait; a third is refused.
            Collector second = new Collector();
            Collector third = new Collector();
            online.submit(longOne, second);
            online.submit(longOne, third);
            OnlineEngine.RejectedException full = assertThrows(OnlineEngine.RejectedException.class,
                    () -> online.submit(longOne, new Collector()));
            assertTrue(full.full());
            handle.cancel();
            Completion cancelled = first.done.get(30, TimeUnit.SECONDS);
            assertEquals(FinishReason.CANCELLED, cancelled.finishReason());
            assertTrue(cancelled.generatedIds().length < 400, "stopped early: " + cancelled.generatedIds().length);
            assertEquals(cancelled.generatedIds().length, first.tokens.size());
            // A request the engine cannot hold is refused at submit, with the reason.
            assertThrows(YalisException.class, () -> online.submit(new Request(new int[600], 1, SamplingParams.greedy(),
                    false, 0), new Collector()));
            online.shutdown(Duration.ZERO);
            assertEquals(FinishReason.CANCELLED, second.done.get(30, TimeUnit.SECONDS).finishReason(),
                    "a shutdown without grace cancels what runs");
            assertEquals(FinishReason.CANCELLED, third.done.get(30, TimeUnit.SECONDS).finishReason());
            assertThrows(OnlineEngine.RejectedException.class, () -> online.submit(longOne, new Collector()),
                    "no request after a shutdown");
            assertEquals(engine.kvPool().totalBlocks(), engine.kvPool().freeBlocks());
        }
    }
}
