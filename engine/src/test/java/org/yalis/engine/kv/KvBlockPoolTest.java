package org.yalis.engine.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class KvBlockPoolTest {

    @Test
    void allocatesDistinctBlocksUntilEmptyAndTakesThemBack() {
        KvBlockPool pool = new KvBlockPool(4, 16);
        Set<Integer> blocks = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            blocks.add(pool.allocate());
        }
        assertEquals(Set.of(0, 1, 2, 3), blocks);
        assertEquals(-1, pool.allocate());
        blocks.forEach(pool::release);
        assertEquals(4, pool.freeBlocks());
    }

    @Test
    void blockTableGrowsAllOrNothingAndMapsPositionsToSlots() {
        KvBlockPool pool = new KvBlockPool(3, 4);
        BlockTable table = new BlockTable(pool);
        assertTrue(table.ensureCapacity(5));
        assertEquals(2, table.blockCount());
        assertEquals(8, table.capacity());
        int[] blocks = table.blocks();
        assertEquals(blocks[0] * 4 + 3, table.slot(3));
        assertEquals(blocks[1] * 4 + 1, table.slot(5));
        assertFalse(table.ensureCapacity(13), "needs 4 blocks, the pool has 3");
        assertEquals(2, table.blockCount(), "a failed growth takes nothing");
        assertEquals(1, pool.freeBlocks());
        table.release();
        assertEquals(3, pool.freeBlocks());
    }

    @Test
    void sharedPrefixBlocksAreReferenceCountedAndFreedByTheLastUser() {
        KvBlockPool pool = new KvBlockPool(8, 4);
        BlockTable first = new BlockTable(pool);
        assertTrue(first.ensureCapacity(10));   // 3 blocks: two full, one partial
        BlockTable second = first.sharePrefix(10);
        assertEquals(2, second.blockCount(), "only whole blocks are shared");
        int[] shared = second.blocks();
        assertArrayEquals(java.util.Arrays.copyOf(first.blocks(), 2), shared);
        for (int block : shared) {
            assertEquals(2, pool.referenceCount(block));
        }
        assertTrue(second.ensureCapacity(12));
        assertEquals(8 - 4, pool.freeBlocks());
        first.release();
        for (int block : shared) {
            assertEquals(1, pool.referenceCount(block), "still held by the second sequence");
        }
        assertEquals(8 - 3, pool.freeBlocks());
        second.release();
        assertEquals(8, pool.freeBlocks());
    }

    @Test
    void releasingAFreeBlockIsAnError() {
        KvBlockPool pool = new KvBlockPool(2, 4);
        int block = pool.allocate();
        pool.release(block);
        assertThrows(IllegalStateException.class, () -> pool.release(block));
        assertThrows(IllegalStateException.class, () -> pool.retain(block));
    }
}
