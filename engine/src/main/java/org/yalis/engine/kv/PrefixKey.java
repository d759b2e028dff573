package org.yalis.engine.kv;

import java.util.Arrays;

/**
 * What a full KV block holds, as the prefix cache finds it: the block's own tokens, exactly, and a 64-bit
 * hash of every token before them. A block's keys and values depend on all the tokens up to its last
 * (attention looks back), so two blocks are interchangeable only when their whole prefixes are equal; the
 * tokens of the block itself are compared exactly, the earlier ones through the chained hash.
 *
 * @param prefixHash the chained hash of the tokens before this block ({@link #EMPTY_PREFIX} for the first)
 * @param tokens     the block's tokens
 */
public record PrefixKey(long prefixHash, int[] tokens) {
    /** The prefix hash of the first block of a sequence. */
    public static final long EMPTY_PREFIX = 0x9E3779B97F4A7C15L;

    /** The key of the block of {@code tokens[from, from + count)} after a prefix hashing to {@code prefixHash}. */
    public static PrefixKey of(long prefixHash, int[] tokens, int from, int count) {
        return new PrefixKey(prefixHash, Arrays.copyOfRange(tokens, from, from + count));
    }

    /** The prefix hash of the block that follows this one: this block's tokens folded into the chain. */
    public long nextPrefixHash() {
        long hash = prefixHash;
        for (int token : tokens) {
            hash = mix(hash ^ (token & 0xFFFFFFFFL));
        }
        return mix(hash ^ tokens.length);
    }

    /** A strong 64-bit finaliser (splitmix64's): every input bit affects every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PrefixKey key && key.prefixHash == prefixHash && Arrays.equals(key.tokens, tokens);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(prefixHash) * 31 + Arrays.hashCode(tokens);
    }

    @Override
    public String toString() {
        return "PrefixKey[" + Long.toHexString(prefixHash) + ", " + tokens.length + " tokens]";
    }
}
