package org.yalis.engine;

import org.yalis.engine.sample.SamplingParams;

/**
 * One prompt to complete.
 *
 * @param promptIds      token ids, BOS included when the tokenizer adds it
 * @param maxNewTokens   most tokens to generate (the context may stop it earlier)
 * @param ignoreEos      keep generating past end-of-sequence tokens
 * @param samplingStream the Philox stream its random draws come from, or {@link #STREAM_OF_INDEX}: its index
 *                       among the requests of its {@code generate} call. A request that names its own stream
 *                       draws the same tokens whatever batch it runs in (a server's requests, each with its
 *                       own seed, and the soak's one-at-a-time replays need that).
 */
public record Request(int[] promptIds, int maxNewTokens, SamplingParams sampling, boolean ignoreEos,
                      long samplingStream) {
    /** {@link #samplingStream} meaning "the request's index in its batch". */
    public static final long STREAM_OF_INDEX = -1;

    public Request {
        if (maxNewTokens < 1) {
            throw new YalisException("--max-new-tokens must be at least 1, got " + maxNewTokens);
        }
        if (promptIds.length == 0) {
            throw new YalisException("a prompt must have at least one token (this tokenizer adds no BOS to an empty"
                    + " prompt); give a non-empty --prompt");
        }
        if (samplingStream < STREAM_OF_INDEX) {
            throw new IllegalArgumentException("a sampling stream is a non-negative number, got " + samplingStream);
        }
    }

    /** A request whose random draws come from the stream of its index in its batch. */
    public Request(int[] promptIds, int maxNewTokens, SamplingParams sampling, boolean ignoreEos) {
        this(promptIds, maxNewTokens, sampling, ignoreEos, STREAM_OF_INDEX);
    }

    /** The Philox stream of this request when it is the {@code index}-th of its batch. */
    public long samplingStream(int index) {
        return samplingStream == STREAM_OF_INDEX ? index : samplingStream;
    }
}
