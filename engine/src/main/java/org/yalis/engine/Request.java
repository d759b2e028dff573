package org.yalis.engine;

import org.yalis.engine.sample.SamplingParams;

/**
 * One prompt to complete.
 *
 * @param promptIds     token ids, BOS included when the tokenizer adds it
 * @param maxNewTokens  most tokens to generate (the context may stop it earlier)
 * @param ignoreEos     keep generating past end-of-sequence tokens
 */
public record Request(int[] promptIds, int maxNewTokens, SamplingParams sampling, boolean ignoreEos) {
    public Request {
        if (maxNewTokens < 1) {
            throw new YalisException("--max-new-tokens must be at least 1, got " + maxNewTokens);
        }
        if (promptIds.length == 0) {
            throw new YalisException("a prompt must have at least one token (this tokenizer adds no BOS to an empty"
                    + " prompt); give a non-empty --prompt");
        }
    }
}
