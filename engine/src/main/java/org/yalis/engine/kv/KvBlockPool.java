package org.yalis.engine.kv;

/**
 * The bookkeeping of the paged KV cache: which of a fixed number of equally sized blocks are free,
 * and how many sequences reference each used block (sequences can share a prefix). The memory the
 * blocks stand for is owned by the attention backend; this class only hands out numbers.
 */
public final class KvBlockPool {
    private final int blockSize;
    private final int[] referenceCounts;
    /** Free block ids as a stack: the most recently freed block is reused first, while it is warm. */
    private final int[] freeStack;
    private int freeCount;

    public KvBlockPool(int totalBlocks, int blockSize) {
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
    }

    public int blockSize() {
        return blockSize;
    }

    public int totalBlocks() {
        return referenceCounts.length;
    }

    public int freeBlocks() {
        return freeCount;
    }

    /** Blocks needed to hold {@code tokens} tokens. */
    public int blocksFor(int tokens) {
        return (tokens + blockSize - 1) / blockSize;
    }

    /** A free block with reference count 1, or -1 when none is left. */
    public int allocate() {
        if (freeCount == 0) {
            return -1;
        }
        int block = freeStack[--freeCount];
        referenceCounts[block] = 1;
        return block;
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
            freeStack[freeCount++] = block;
        }
    }

    public int referenceCount(int block) {
        return referenceCounts[block];
    }
}
