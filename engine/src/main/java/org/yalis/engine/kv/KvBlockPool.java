package org.yalis.engine.kv;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * The bookkeeping of the paged KV cache: which of a fixed number of equally sized blocks are free,
 * and how many sequences reference each used block (sequences can share a prefix). The memory the
 * blocks stand for is owned by the attention backend; this class only hands out numbers.
 *
 * <p>With the prefix cache on, a full block whose keys and values were computed is registered under
 * its {@link PrefixKey}, and a later sequence with the same prefix takes it instead of computing it
 * again. A cached block no sequence references any more is not freed but kept, evictable: it is handed
 * out again (and forgotten) only when no never-used block is left, least recently used first. So
 * {@link #freeBlocks()} counts both: every such block can be allocated.
 */
public final class KvBlockPool {
    private final int blockSize;
    private final int[] referenceCounts;
    /** Free block ids as a stack: the most recently freed block is reused first, while it is warm. */
    private final int[] freeStack;
    private int freeCount;
    private final boolean prefixCaching;
    /** The key each cached block is registered under (null: not cached). */
    private final PrefixKey[] keys;
    private final Map<PrefixKey, Integer> cached = new HashMap<>();
    /** Cached blocks that no sequence references, least recently released first. */
    private final LinkedHashSet<Integer> evictable = new LinkedHashSet<>();

    public KvBlockPool(int totalBlocks, int blockSize) {
        this(totalBlocks, blockSize, false);
    }

    /** @param prefixCaching whether full blocks are kept and reused by later sequences with the same prefix */
    public KvBlockPool(int totalBlocks, int blockSize, boolean prefixCaching) {
        if (totalBlocks < 1 || blockSize < 1) {
            throw new IllegalArgumentException("need at least one block of one token, got " + totalBlocks
                    + " blocks of " + blockSize);
        }
        this.blockSize = blockSize;
        this.referenceCounts = new int[totalBlocks];
        this.freeStack = new int[totalBlocks];
        for (int i = 0; i < totalBlocks; i++) {
            freeStack[i] = totalBlocks - 1 - i;
        }
        this.freeCount = totalBlocks;
        this.prefixCaching = prefixCaching;
        this.keys = new PrefixKey[totalBlocks];
    }

    public boolean prefixCaching() {
        return prefixCaching;
    }

    public int blockSize() {
        return blockSize;
    }

    public int totalBlocks() {
        return referenceCounts.length;
    }

    /** Blocks that can be allocated: never used or released, and cached ones no sequence references. */
    public int freeBlocks() {
        return freeCount + evictable.size();
    }

    /** Blocks registered in the prefix cache, referenced or not. */
    public int cachedBlocks() {
        return cached.size();
    }

    /** Blocks needed to hold {@code tokens} tokens. */
    public int blocksFor(int tokens) {
        return (tokens + blockSize - 1) / blockSize;
    }

    /**
     * A free block with reference count 1, or -1 when none is left: a never-used (or uncached) one first, else
     * the least recently used cached one, which leaves the cache.
     */
    public int allocate() {
        int block;
        if (freeCount > 0) {
            block = freeStack[--freeCount];
        } else if (!evictable.isEmpty()) {
            block = evictable.removeFirst();
            cached.remove(keys[block]);
            keys[block] = null;
        } else {
            return -1;
        }
        referenceCounts[block] = 1;
        return block;
    }

    /**
     * The cached block registered under {@code key}, now referenced once more (taken out of the evictable
     * ones if nobody referenced it), or -1 when there is none.
     */
    public int lookup(PrefixKey key) {
        Integer block = prefixCaching ? cached.get(key) : null;
        if (block == null) {
            return -1;
        }
        if (referenceCounts[block] == 0) {
            evictable.remove(block);
        }
        referenceCounts[block]++;
        return block;
    }

    /**
     * Registers {@code block} (full, its keys and values computed, referenced) under {@code key}. When another
     * block already holds that prefix (two sequences computed it at once), the first stays the cached one.
     */
    public void register(int block, PrefixKey key) {
        if (!prefixCaching || keys[block] != null || cached.containsKey(key)) {
            return;
        }
        if (referenceCounts[block] <= 0) {
            throw new IllegalStateException("block " + block + " is free; only a block in use can be cached");
        }
        keys[block] = key;
        cached.put(key, block);
    }

    /** One more sequence uses {@code block}. */
    public void retain(int block) {
        if (referenceCounts[block] <= 0) {
            throw new IllegalStateException("block " + block + " is free; it cannot be shared");
        }
        referenceCounts[block]++;
    }

    /** One sequence stops using {@code block}; the last one returns it to the pool. */
    public void release(int block) {
        if (referenceCounts[block] <= 0) {
            throw new IllegalStateException("block " + block + " released more often than it was taken");
        }
        if (--referenceCounts[block] == 0) {
            if (keys[block] != null) {
                evictable.add(block);   // the most recently used end: evicted last
            } else {
                freeStack[freeCount++] = block;
            }
        }
    }

    public int referenceCount(int block) {
        return referenceCounts[block];
    }
}
