package org.yalis.engine.plan;

import org.yalis.engine.YalisException;
import org.yalis.engine.tensor.DType;

/**
 * A run to plan, as {@code yalis bench} would make it: {@code batch} prompts of {@code promptLength}
 * tokens, {@code decodeLength} new tokens each, on an R x C tensor-parallel grid, weights and activations
 * of the given types, scheduled with the engine's {@code --max-batch} and {@code --max-step-tokens}.
 */
public record RunShape(int tpRows, int tpCols, int batch, int promptLength, int decodeLength, DType weightType,
                       DType activationType, int maxBatch, int maxStepTokens, int kvBlockSize) {

    public RunShape {
        if (tpRows < 1 || tpCols < 1) {
            throw new YalisException("a tensor-parallel grid needs at least 1 x 1 ranks, got " + tpRows + "x" + tpCols);
        }
        if (batch < 1 || promptLength < 1 || decodeLength < 1) {
            throw new YalisException("--batch, --prompt-len and --decode-len must be at least 1");
        }
        if (maxBatch < 1 || maxStepTokens < 1 || kvBlockSize < 1) {
            throw new YalisException("--max-batch, --max-step-tokens and the KV block size must be at least 1");
        }
    }

    /** The engine's defaults (64 sequences, 512-token prefill steps, 16-token KV blocks). */
    public static RunShape of(int tpRows, int tpCols, int batch, int promptLength, int decodeLength, DType weightType,
                              DType activationType) {
        return new RunShape(tpRows, tpCols, batch, promptLength, decodeLength, weightType, activationType, 64, 512, 16);
    }

    public int ranks() {
        return tpRows * tpCols;
    }

    public RunShape withGrid(int rows, int cols) {
        return new RunShape(rows, cols, batch, promptLength, decodeLength, weightType, activationType, maxBatch,
                maxStepTokens, kvBlockSize);
    }

    public String gridText() {
        return tpRows + "x" + tpCols;
    }
}
