package org.yalis.attention.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.yalis.engine.BatchStats;
import org.yalis.engine.Completion;
import org.yalis.engine.Engine;
import org.yalis.engine.EngineOptions;
import org.yalis.engine.GenerationListener;
import org.yalis.engine.Request;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.testing.TestModels;

/**
 * Automatic prefix caching on the real stories260K model: a later prompt that shares a prefix with an earlier
 * one computes only its own tokens, and every output is the same with the cache as without (batch-invariant
 * kernels, so "the same" is bit for bit), also when blocks are evicted and sequences preempted.
 */
class PrefixCachingTest {
    private static Path model;

    @BeforeAll
    static void model() {
        model = TestModels.requireStories260K();
    }

    private static int[] tokens(SplittableRandom random, int count) {
        int[] ids = new int[count];
        ids[0] = 1;
        for (int i = 1; i < count; i++) {
            ids[i] = 3 + random.nextInt(500);
        }
        return ids;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] joined = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    @Test
    void aSecondPromptSharingA256TokenPrefixPrefillsOnlyItsNewTokens() {
        SplittableRandom random = new SplittableRandom(3);
        int[] shared = tokens(random, 256);
        int[] first = concat(shared, java.util.Arrays.copyOfRange(tokens(random, 31), 1, 31));
        int[] second = concat(shared, java.util.Arrays.copyOfRange(tokens(random, 21), 1, 21));
        EngineOptions.Builder options = EngineOptions.builder(model).batchInvariant(true);
        List<int[]> cachedIds = new ArrayList<>();
        List<int[]> uncachedIds = new ArrayList<>();
        BatchStats secondStats;
        try (Engine engine = Engine.load(ModelFolder.open(model), options.build(), null)) {
            cachedIds.add(generate(engine, first));
            assertEquals(first.length, engine.lastStats().prefillTokens(), "nothing cached yet");
            cachedIds.add(generate(engine, second));
            secondStats = engine.lastStats();
            assertEquals(engine.kvPool().totalBlocks(), engine.kvPool().freeBlocks(),
                    "cached blocks nobody uses are free to take");
            assertTrue(engine.kvPool().cachedBlocks() >= 16, "the shared blocks stay cached");
        }
        assertEquals(256, secondStats.prefixCacheHitTokens(), "16 full blocks of 16 tokens from the cache");
        assertEquals(second.length - 256, secondStats.prefillTokens(), "only the new tokens are computed");
        try (Engine engine = Engine.load(ModelFolder.open(model), options.prefixCache(false).build(), null)) {
            uncachedIds.add(generate(engine, first));
            uncachedIds.add(generate(engine, second));
            assertEquals(0, engine.lastStats().prefixCacheHitTokens());
            assertEquals(second.length, engine.lastStats().prefillTokens());
        }
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(uncachedIds.get(i), cachedIds.get(i), "request " + i + ": the same tokens with the cache");
        }
    }

    private static int[] generate(Engine engine, int[] prompt) {
        return engine.generate(List.of(new Request(prompt, 24, SamplingParams.greedy(), true)), GenerationListener.NONE)
                .getFirst().generatedIds();
    }

    /**
     * Conversations that re-send their history and prompts with a shared system prefix, greedy and sampled,
     * in batches, through a pool small enough that cached blocks are evicted and sequences preempted.
     */
    @Test
    void outputsAreTheSameWithAndWithoutTheCacheUnderEvictionAndPreemption() {
        SplittableRandom random = new SplittableRandom(11);
        int[] system = tokens(random, 40);
        List<List<Request>> batches = new ArrayList<>();
        int[] history = system;
        int stream = 0;
        for (int round = 0; round < 12; round++) {
            List<Request> batch = new ArrayList<>();
            for (int i = 0; i < 1 + round % 4; i++) {
                int[] own = java.util.Arrays.copyOfRange(tokens(random, 2 + random.nextInt(40)), 1,
                        2 + random.nextInt(40));
                int[] prompt = i == 0 ? concat(history, own) : concat(system, own);
                SamplingParams sampling = random.nextBoolean() ? SamplingParams.greedy()
                        : new SamplingParams(0.9, 40, 0.95, random.nextLong());
                batch.add(new Request(prompt, 1 + random.nextInt(24), sampling, true, stream++));
            }
            history = batch.getFirst().promptIds().length > 200 ? system : batch.getFirst().promptIds();
            batches.add(batch);
        }
        // 20 blocks of 16 tokens: the longest sequence (200 + 40 + 24 tokens) fits, a batch of 4 does not, so
        // sequences are preempted and cached blocks evicted to make room.
        EngineOptions.Builder options = EngineOptions.builder(model).batchInvariant(true).maxBatch(4);
        long blockBytes;
        try (Engine probe = Engine.load(ModelFolder.open(model), options.build(), null)) {
            blockBytes = probe.kvCacheBytes() / probe.kvPool().totalBlocks();
        }
        options.kvCacheBytes(20 * blockBytes);
        List<int[]> cached = run(options.build(), batches, true);
        List<int[]> uncached = run(options.prefixCache(false).build(), batches, false);
        assertEquals(uncached.size(), cached.size());
        for (int i = 0; i < cached.size(); i++) {
            assertArrayEquals(uncached.get(i), cached.get(i), "generation " + i);
        }
    }

    private static List<int[]> run(EngineOptions options, List<List<Request>> batches, boolean expectHits) {
        List<int[]> outputs = new ArrayList<>();
        int hits = 0;
        int preemptions = 0;
        try (Engine engine = Engine.load(ModelFolder.open(model), options, null)) {
            for (List<Request> batch : batches) {
                for (Completion completion : engine.generate(batch, GenerationListener.NONE)) {
                    outputs.add(completion.generatedIds());
                }
                hits += engine.lastStats().prefixCacheHitTokens();
                preemptions += engine.lastStats().preemptions();
                assertEquals(engine.kvPool().totalBlocks(), engine.kvPool().freeBlocks(), "every block free or cached");
            }
        }
        assertEquals(expectHits, hits > 0, "prefix cache hits: " + hits);
        assertTrue(preemptions > 0, "the small pool preempted: " + preemptions);
        return outputs;
    }
}
