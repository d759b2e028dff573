package org.yalis.engine.sched;

import java.util.Arrays;

import org.yalis.engine.kv.BlockTable;
import org.yalis.engine.kv.KvBlockPool;
import org.yalis.engine.kv.PrefixKey;

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
    /** Leading full blocks already registered in (or taken from) the prefix cache. */
    private int cachedBlocks;
    /** The chained hash of the tokens of those blocks: the prefix of the next one. */
    private long prefixHash = PrefixKey.EMPTY_PREFIX;

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
        cachedBlocks = 0;
        prefixHash = PrefixKey.EMPTY_PREFIX;
    }

    /**
     * Before admission, with nothing computed: takes from {@code pool}'s prefix cache every leading full
     * block of the sequence's tokens that is there, but always leaves at least one token to compute (its
     * logits give the next token). Returns the tokens taken.
     */
    int takeCachedPrefix(KvBlockPool pool) {
        if (!pool.prefixCaching() || computed != 0 || blockTable.blockCount() != 0) {
            return 0;
        }
        int size = pool.blockSize();
        int usable = (length - 1) / size;
        while (cachedBlocks < usable) {
            PrefixKey key = PrefixKey.of(prefixHash, tokens, cachedBlocks * size, size);
            int block = pool.lookup(key);
            if (block < 0) {
                break;
            }
            blockTable.append(block);
            prefixHash = key.nextPrefixHash();
            cachedBlocks++;
        }
        computed = cachedBlocks * size;
        return computed;
    }

    /** Gives back what {@link #takeCachedPrefix} took, when the sequence is not admitted after all. */
    void returnCachedPrefix() {
        evict();
    }

    /** Registers in {@code pool}'s prefix cache every full block computed since the last call. */
    void registerFullBlocks(KvBlockPool pool) {
        if (!pool.prefixCaching()) {
            return;
        }
        int size = pool.blockSize();
        while ((cachedBlocks + 1) * size <= computed) {
            PrefixKey key = PrefixKey.of(prefixHash, tokens, cachedBlocks * size, size);
            pool.register(blockTable.block(cachedBlocks), key);
            prefixHash = key.nextPrefixHash();
            cachedBlocks++;
        }
    }
}
