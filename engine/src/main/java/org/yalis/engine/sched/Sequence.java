package org.yalis.engine.sched;

import java.util.Arrays;

import org.yalis.engine.kv.BlockTable;

/**
 * One request's state during generation: its tokens (prompt, then what was generated), its blocks in
 * the KV cache, and how many of its tokens the cache already holds.
 */
public final class Sequence {
    private final int index;
    private final int[] prompt;
    private int[] tokens;
    private int length;
    private final int maxLength;
    private final BlockTable blockTable;
    private int computed;
    private boolean prefilled;

    /**
     * @param index     the request's position in the input, also its sampling stream
     * @param maxLength prompt plus the most tokens it may generate, capped by the context
     */
    public Sequence(int index, int[] prompt, int maxLength, BlockTable blockTable) {
        this.index = index;
        this.prompt = prompt.clone();
        this.tokens = Arrays.copyOf(prompt, Math.max(maxLength, prompt.length));
        this.length = prompt.length;
        this.maxLength = maxLength;
        this.blockTable = blockTable;
    }

    public int index() {
        return index;
    }

    public int[] prompt() {
        return prompt.clone();
    }

    public int promptLength() {
        return prompt.length;
    }

    /** Prompt plus generated tokens. */
    public int length() {
        return length;
    }

    public int maxLength() {
        return maxLength;
    }

    public int tokenAt(int position) {
        return tokens[position];
    }

    public int[] generated() {
        return Arrays.copyOfRange(tokens, prompt.length, length);
    }

    public int generatedCount() {
        return length - prompt.length;
    }

    public void append(int token) {
        if (length == tokens.length) {
            throw new IllegalStateException("sequence " + index + " is already at its maximum length " + maxLength);
        }
        tokens[length++] = token;
    }

    public BlockTable blockTable() {
        return blockTable;
    }

    /** Tokens whose keys and values are in the cache. */
    public int computed() {
        return computed;
    }

    /** Tokens still to run through the model before the next token can be sampled. */
    public int pending() {
        return length - computed;
    }

    /** True once the whole sequence has gone through the model since it was (re)admitted. */
    public boolean prefilled() {
        return prefilled;
    }

    void advance(int tokensComputed, boolean sampled) {
        computed += tokensComputed;
        prefilled |= sampled;
    }

    /** Forget the cache: the sequence will be prefilled again from its first token (recompute). */
    void evict() {
        blockTable.release();
        computed = 0;
        prefilled = false;
    }
}
