package org.yalis.engine;

import java.nio.file.Path;

import org.yalis.engine.cpu.WeightPlacement;

/**
 * How to load and run a model.
 *
 * @param device              compute backend ("cpu")
 * @param threads             compute threads (CPU)
 * @param attention           attention backend name
 * @param kvBlockSize         tokens per KV block
 * @param kvCacheBytes        KV pool size in bytes; 0 sizes it from free memory
 * @param maxBatch            most sequences decoding at once
 * @param maxStepTokens       most tokens in one prefill step (longer prompts are prefilled in chunks)
 * @param maxSequenceLength   longest sequence (prompt + generated) the run needs; 0 means the model's context
 */
public record EngineOptions(Path model, String device, int threads, WeightPlacement weights, String attention,
                            int kvBlockSize, long kvCacheBytes, int maxBatch, int maxStepTokens,
                            int maxSequenceLength) {

    public EngineOptions {
        if (threads < 1) {
            throw new YalisException("--threads must be at least 1, got " + threads);
        }
        if (kvBlockSize < 1) {
            throw new YalisException("--kv-block-size must be at least 1 token, got " + kvBlockSize);
        }
        if (kvCacheBytes < 0) {
            throw new YalisException("--kv-cache-memory must not be negative");
        }
        if (maxBatch < 1) {
            throw new YalisException("--max-batch must be at least 1, got " + maxBatch);
        }
        if (maxStepTokens < 1) {
            throw new YalisException("--max-step-tokens must be at least 1, got " + maxStepTokens);
        }
        if (maxSequenceLength < 0) {
            throw new YalisException("maximum sequence length must not be negative");
        }
    }

    /** Defaults: CPU with a thread per core, copied weights, cpu attention, 16-token blocks. */
    public static EngineOptions defaults(Path model) {
        return new EngineOptions(model, "cpu", Runtime.getRuntime().availableProcessors(), WeightPlacement.COPY,
                "cpu", 16, 0, 64, 512, 0);
    }

    public EngineOptions withKvBlockSize(int blockSize) {
        return new EngineOptions(model, device, threads, weights, attention, blockSize, kvCacheBytes, maxBatch,
                maxStepTokens, maxSequenceLength);
    }

    public EngineOptions withKvCacheBytes(long bytes) {
        return new EngineOptions(model, device, threads, weights, attention, kvBlockSize, bytes, maxBatch,
                maxStepTokens, maxSequenceLength);
    }

    public EngineOptions withMaxStepTokens(int tokens) {
        return new EngineOptions(model, device, threads, weights, attention, kvBlockSize, kvCacheBytes, maxBatch,
                tokens, maxSequenceLength);
    }

    public EngineOptions withMaxBatch(int sequences) {
        return new EngineOptions(model, device, threads, weights, attention, kvBlockSize, kvCacheBytes, sequences,
                maxStepTokens, maxSequenceLength);
    }

    public EngineOptions withWeights(WeightPlacement placement) {
        return new EngineOptions(model, device, threads, placement, attention, kvBlockSize, kvCacheBytes, maxBatch,
                maxStepTokens, maxSequenceLength);
    }

    public EngineOptions withThreads(int count) {
        return new EngineOptions(model, device, count, weights, attention, kvBlockSize, kvCacheBytes, maxBatch,
                maxStepTokens, maxSequenceLength);
    }

    public EngineOptions withAttention(String name) {
        return new EngineOptions(model, device, threads, weights, name, kvBlockSize, kvCacheBytes, maxBatch,
                maxStepTokens, maxSequenceLength);
    }

    public EngineOptions withMaxSequenceLength(int length) {
        return new EngineOptions(model, device, threads, weights, attention, kvBlockSize, kvCacheBytes, maxBatch,
                maxStepTokens, length);
    }
}
