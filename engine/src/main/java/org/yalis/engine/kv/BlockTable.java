package org.yalis.engine.kv;

import java.util.Arrays;

/**
 * One sequence's view of the paged KV cache: the blocks that hold its positions, in order. Position
 * {@code p} lives in block {@code blocks[p / blockSize]} at offset {@code p % blockSize}.
 */
public final class BlockTable {
    private final KvBlockPool pool;
    private int[] blocks = new int[0];

    public BlockTable(KvBlockPool pool) {
        this.pool = pool;
    }

    /** Tokens the table's blocks can hold. */
    public int capacity() {
        return blocks.length * pool.blockSize();
    }

    public int[] blocks() {
        return blocks.clone();
    }

    public int blockCount() {
        return blocks.length;
    }

    /**
     * Grows the table to hold {@code tokens} tokens. All or nothing: when the pool lacks the blocks,
     * nothing is taken and the answer is false.
     */
    public boolean ensureCapacity(int tokens) {
        int needed = pool.blocksFor(tokens) - blocks.length;
        if (needed <= 0) {
            return true;
        }
        if (needed > pool.freeBlocks()) {
            return false;
        }
        int[] grown = Arrays.copyOf(blocks, blocks.length + needed);
        for (int i = blocks.length; i < grown.length; i++) {
            grown[i] = pool.allocate();
        }
        blocks = grown;
        return true;
    }

    /** The block at index {@code index} of this table. */
    public int block(int index) {
        return blocks[index];
    }

    /** Appends {@code block}, which the caller already holds a reference to (a prefix-cache hit). */
    public void append(int block) {
        blocks = Arrays.copyOf(blocks, blocks.length + 1);
        blocks[blocks.length - 1] = block;
    }

    /** The cache slot of {@code position}: {@code block * blockSize + offset}. */
    public int slot(int position) {
        return blocks[position / pool.blockSize()] * pool.blockSize() + position % pool.blockSize();
    }

    /**
     * A new table that shares this one's first {@code tokens} positions (whole blocks only, so that
     * neither sequence writes into a block the other reads): reference counts go up, no data moves.
     */
    public BlockTable sharePrefix(int tokens) {
        int shared = Math.min(tokens / pool.blockSize(), blocks.length);
        BlockTable copy = new BlockTable(pool);
        copy.blocks = Arrays.copyOf(blocks, shared);
        for (int block : copy.blocks) {
            pool.retain(block);
        }
        return copy;
    }

    /** Gives every block back (each returns to the pool when its last user lets go). */
    public void release() {
        for (int block : blocks) {
            pool.release(block);
        }
        blocks = new int[0];
    }
}
