package org.yalis.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import org.yalis.engine.YalisException;

/** The pool's size classes, reuse and byte accounting, against a counting fake device. */
class PooledDeviceAllocatorTest {

    @Test
    void sizeClassesArePowersOfTwoThenTwoMebibyteMultiples() {
        assertEquals(512, PooledDeviceAllocator.sizeClass(1));
        assertEquals(512, PooledDeviceAllocator.sizeClass(512));
        assertEquals(1024, PooledDeviceAllocator.sizeClass(513));
        assertEquals(1 << 20, PooledDeviceAllocator.sizeClass((1 << 19) + 1));
        assertEquals(1 << 20, PooledDeviceAllocator.sizeClass(1 << 20));
        assertEquals(2 << 20, PooledDeviceAllocator.sizeClass((1 << 20) + 1));
        assertEquals(6 << 20, PooledDeviceAllocator.sizeClass((4 << 20) + 1));
        assertEquals(1026L << 20, PooledDeviceAllocator.sizeClass((1025L << 20)));
        assertThrows(IllegalArgumentException.class, () -> PooledDeviceAllocator.sizeClass(0));
        // Never smaller than asked, and large blocks waste less than one granule.
        Random random = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            long bytes = 1 + (long) (random.nextDouble() * (1L << 34));
            long size = PooledDeviceAllocator.sizeClass(bytes);
            assertTrue(size >= bytes);
            assertTrue(bytes <= PooledDeviceAllocator.SMALL_LIMIT || size - bytes < PooledDeviceAllocator.LARGE_GRANULE);
        }
    }

    @Test
    void releasedBlocksAreReusedForTheSameClassAndEveryByteIsFreedOnClose() {
        CountingDeviceMemory device = new CountingDeviceMemory(1L << 40);
        PooledDeviceAllocator pool = new PooledDeviceAllocator(device);
        PooledDeviceAllocator.Block a = pool.allocate(1000);
        PooledDeviceAllocator.Block b = pool.allocate(3 << 20);
        assertEquals(1024 + (4 << 20), pool.reservedBytes());
        assertEquals(pool.reservedBytes(), device.heldBytes(), "the pool's account is the device's");
        assertEquals(pool.reservedBytes(), pool.inUseBytes());

        pool.release(a);
        assertEquals(1024, pool.cachedBytes());
        PooledDeviceAllocator.Block again = pool.allocate(700);   // same class (1 KiB): the cached block
        assertEquals(a.address(), again.address());
        assertEquals(700, again.requested());
        assertEquals(2, device.allocations, "served from the free list, not the device");
        PooledDeviceAllocator.Block other = pool.allocate(100);  // another class: a new block
        assertNotEquals(a.address(), other.address());
        assertEquals(3, device.allocations);
        assertEquals(2 + 1, pool.blocksInUse());

        pool.release(b);
        pool.close();
        assertEquals(0, pool.reservedBytes());
        assertEquals(0, pool.inUseBytes());
        assertEquals(0, device.heldBytes(), "every byte back on the device");
        assertEquals(0, device.liveBlocks());
        assertEquals(device.allocations, device.frees);
        assertThrows(IllegalStateException.class, () -> pool.allocate(1), "closed");
        pool.close();   // twice is harmless
    }

    @Test
    void aBlockCannotBeReleasedTwiceOrIntoAnotherPool() {
        PooledDeviceAllocator pool = new PooledDeviceAllocator(new CountingDeviceMemory(1L << 30));
        PooledDeviceAllocator other = new PooledDeviceAllocator(new CountingDeviceMemory(1L << 30));
        PooledDeviceAllocator.Block block = pool.allocate(4096);
        assertThrows(IllegalStateException.class, () -> other.release(block));
        pool.release(block);
        assertThrows(IllegalStateException.class, () -> pool.release(block));
        pool.close();
        other.close();
    }

    @Test
    void outOfMemoryFreesTheCacheAndRetriesOnceThenSaysWhatIsHeld() {
        CountingDeviceMemory device = new CountingDeviceMemory(10L << 20);
        PooledDeviceAllocator pool = new PooledDeviceAllocator(device);
        PooledDeviceAllocator.Block cached = pool.allocate(4 << 20);
        PooledDeviceAllocator.Block held = pool.allocate(4 << 20);
        pool.release(cached);
        // 6 MiB does not fit next to 8 MiB, but does once the cached 4 MiB go back.
        PooledDeviceAllocator.Block big = pool.allocate(6 << 20);
        assertEquals(10L << 20, pool.reservedBytes());
        assertEquals(0, pool.cachedBytes());
        YalisException error = assertThrows(YalisException.class, () -> pool.allocate(1 << 20));
        assertTrue(error.getMessage().startsWith("out of GPU memory: a block of 1.0 MiB"), error.getMessage());
        assertEquals(10L << 20, pool.reservedBytes(), "a failed allocation holds nothing");
        pool.release(held);
        pool.release(big);
        pool.close();
        assertEquals(0, device.heldBytes());
    }

    @Test
    void randomWorkloadKeepsTheAccountExact() {
        CountingDeviceMemory device = new CountingDeviceMemory(1L << 40);
        PooledDeviceAllocator pool = new PooledDeviceAllocator(device);
        Random random = new Random(11);
        List<PooledDeviceAllocator.Block> live = new ArrayList<>();
        for (int step = 0; step < 5000; step++) {
            if (live.isEmpty() || random.nextInt(3) > 0) {
                long bytes = 1 + (long) Math.pow(2, random.nextDouble() * 26);
                PooledDeviceAllocator.Block block = pool.allocate(bytes);
                assertTrue(block.bytes() >= bytes);
                live.add(block);
            } else {
                pool.release(live.remove(random.nextInt(live.size())));
            }
            if (step % 1000 == 999) {
                pool.trim();
                assertEquals(0, pool.cachedBytes());
            }
            assertEquals(device.heldBytes(), pool.reservedBytes());
            assertEquals(live.stream().mapToLong(PooledDeviceAllocator.Block::bytes).sum(), pool.inUseBytes());
        }
        assertTrue(pool.peakReservedBytes() >= pool.reservedBytes());
        pool.close();
        assertEquals(0, device.heldBytes());
        assertEquals(0, pool.reservedBytes());
    }
}
