package org.yalis.engine.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** The prefix cache's bookkeeping in {@link KvBlockPool}: keys, hits, and least-recently-used eviction. */
class PrefixCacheTest {

    private static PrefixKey key(long prefix, int... tokens) {
        return new PrefixKey(prefix, tokens);
    }

    @Test
    void aRegisteredBlockIsFoundByItsKeyAndOnlyByIt() {
        KvBlockPool pool = new KvBlockPool(4, 2, true);
        int block = pool.allocate();
        pool.register(block, key(PrefixKey.EMPTY_PREFIX, 5, 6));
        assertEquals(block, pool.lookup(key(PrefixKey.EMPTY_PREFIX, 5, 6)));
        assertEquals(2, pool.referenceCount(block), "a hit is one more reference");
        assertEquals(-1, pool.lookup(key(PrefixKey.EMPTY_PREFIX, 5, 7)), "other tokens");
        assertEquals(-1, pool.lookup(key(12345, 5, 6)), "the same tokens after another prefix");
    }

    @Test
    void theChainedHashDependsOnEveryEarlierToken() {
        PrefixKey a = key(PrefixKey.EMPTY_PREFIX, 1, 2, 3, 4);
        PrefixKey b = key(PrefixKey.EMPTY_PREFIX, 1, 2, 3, 5);
        PrefixKey c = key(PrefixKey.EMPTY_PREFIX, 2, 1, 3, 4);
        assertNotEquals(a.nextPrefixHash(), b.nextPrefixHash());
        assertNotEquals(a.nextPrefixHash(), c.nextPrefixHash(), "order matters");
        assertEquals(a.nextPrefixHash(), key(PrefixKey.EMPTY_PREFIX, 1, 2, 3, 4).nextPrefixHash());
    }

    @Test
    void releasedCachedBlocksStayAllocatableAndAreEvictedLeastRecentlyUsedFirst() {
        KvBlockPool pool = new KvBlockPool(3, 2, true);
        int first = pool.allocate();
        int second = pool.allocate();
        int plain = pool.allocate();
        pool.register(first, key(1, 1, 1));
        pool.register(second, key(2, 2, 2));
        pool.release(first);
        pool.release(second);
        pool.release(plain);
        assertEquals(3, pool.freeBlocks(), "cached blocks nobody holds count as free");
        assertEquals(2, pool.cachedBlocks());

        assertEquals(plain, pool.allocate(), "an uncached block is taken before any cached one");
        assertEquals(first, pool.allocate(), "then the least recently released cached one");
        assertEquals(-1, pool.lookup(key(1, 1, 1)), "which leaves the cache");
        assertEquals(second, pool.lookup(key(2, 2, 2)), "the other is still there");
        assertEquals(0, pool.freeBlocks());
        assertEquals(-1, pool.allocate(), "a referenced cached block is never evicted");
    }

    @Test
    void aSecondBlockWithAKnownPrefixIsNotCachedTwice() {
        KvBlockPool pool = new KvBlockPool(2, 2, true);
        int first = pool.allocate();
        int second = pool.allocate();
        pool.register(first, key(1, 3, 4));
        pool.register(second, key(1, 3, 4));
        assertEquals(1, pool.cachedBlocks());
        pool.release(second);
        assertEquals(second, pool.allocate(), "the duplicate went back as an ordinary free block");
    }

    @Test
    void withoutPrefixCachingNothingIsKept() {
        KvBlockPool pool = new KvBlockPool(2, 2, false);
        int block = pool.allocate();
        pool.register(block, key(1, 3, 4));
        assertEquals(-1, pool.lookup(key(1, 3, 4)));
        assertEquals(0, pool.cachedBlocks());
    }
}
