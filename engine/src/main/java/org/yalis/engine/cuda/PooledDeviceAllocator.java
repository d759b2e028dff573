package org.yalis.engine.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.yalis.engine.Sizes;
import org.yalis.engine.YalisException;

/**
 * Device memory in pooled blocks with byte accounting. Every request is rounded up to a size class
 * ({@link #sizeClass}) and served from that class's free list, or else by a new block from the
 * {@link DeviceMemory}; a released block goes back to its class's free list for the next request of
 * the same class (weight-conversion scratch, attention workspaces, per-step buffers), never to the
 * device until {@link #trim} or {@link #close}. {@link #close} frees every block, in use or cached,
 * so {@link #reservedBytes} is 0 afterwards.
 *
 * <p>When the device is out of memory, the cached blocks are freed and the request tried once more
 * before failing with the accounting in the message. Thread-safe.
 */
public final class PooledDeviceAllocator implements AutoCloseable {
    /** Requests up to this size round to a power of two (at least {@link #MIN_BLOCK}). */
    static final long SMALL_LIMIT = 1L << 20;
    /** Larger requests round to a multiple of this (cudaMalloc's own granularity for large blocks). */
    static final long LARGE_GRANULE = 2L << 20;
    static final long MIN_BLOCK = 512;

    /**
     * A block of device memory.
     *
     * @param address   its device address (256-byte aligned)
     * @param bytes     its size class: what it holds on the device
     * @param requested the size asked for (at most {@code bytes})
     */
    public record Block(long address, long bytes, long requested) {
    }

    private final DeviceMemory device;
    private final Map<Long, Block> inUse = new HashMap<>();
    private final TreeMap<Long, ArrayDeque<Block>> cached = new TreeMap<>();
    private long reservedBytes;
    private long inUseBytes;
    private long peakReservedBytes;
    private boolean closed;

    public PooledDeviceAllocator(DeviceMemory device) {
        this.device = device;
    }

    /** The size class of a request: the bytes a block serving it holds. */
    static long sizeClass(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("block of " + bytes + " bytes");
        }
        if (bytes <= SMALL_LIMIT) {
            return Math.max(MIN_BLOCK, Long.highestOneBit(bytes - 1) << 1);
        }
        return Math.ceilDiv(bytes, LARGE_GRANULE) * LARGE_GRANULE;
    }

    /** A block of at least {@code bytes} bytes; contents unspecified. */
    public synchronized Block allocate(long bytes) {
        requireOpen();
        long size = sizeClass(bytes);
        ArrayDeque<Block> free = cached.get(size);
        Block block;
        if (free != null && !free.isEmpty()) {
            Block reused = free.pop();
            block = new Block(reused.address(), size, bytes);
        } else {
            block = new Block(newBlock(size), size, bytes);
            reservedBytes += size;
            peakReservedBytes = Math.max(peakReservedBytes, reservedBytes);
        }
        inUse.put(block.address(), block);
        inUseBytes += size;
        return block;
    }

    private long newBlock(long size) {
        try {
            return device.allocate(size);
        } catch (DeviceOutOfMemoryException first) {
            long cachedBefore = cachedBytes();
            trim();
            try {
                return device.allocate(size);
            } catch (DeviceOutOfMemoryException second) {
                second.addSuppressed(first);
                throw new YalisException("out of GPU memory: a block of " + Sizes.format(size) + " did not fit next to "
                        + Sizes.format(reservedBytes) + " this backend holds (" + Sizes.format(cachedBefore)
                        + " of cached blocks were freed and the allocation retried); lower --kv-cache-memory, "
                        + "--max-batch or --max-step-tokens, or use a GPU with more memory", second);
            }
        }
    }

    /** Gives a block back to its size class's free list. */
    public synchronized void release(Block block) {
        requireOpen();
        Block held = inUse.get(block.address());
        if (held == null || held.bytes() != block.bytes()) {
            throw new IllegalStateException("block at 0x" + Long.toHexString(block.address())
                    + " is not in use in this pool (released twice, or from another pool)");
        }
        inUse.remove(block.address());
        inUseBytes -= held.bytes();
        cached.computeIfAbsent(held.bytes(), size -> new ArrayDeque<>()).push(held);
    }

    /** Frees every cached (released) block back to the device. */
    public synchronized void trim() {
        for (ArrayDeque<Block> free : cached.values()) {
            for (Block block : free) {
                device.free(block.address());
                reservedBytes -= block.bytes();
            }
        }
        cached.clear();
    }

    /** Bytes held from the device: blocks in use and cached ones. */
    public synchronized long reservedBytes() {
        return reservedBytes;
    }

    /** Bytes in blocks handed out and not released. */
    public synchronized long inUseBytes() {
        return inUseBytes;
    }

    /** Bytes in released blocks kept for reuse. */
    public synchronized long cachedBytes() {
        return reservedBytes - inUseBytes;
    }

    /** The most bytes held from the device at once. */
    public synchronized long peakReservedBytes() {
        return peakReservedBytes;
    }

    /** Blocks handed out and not released. */
    public synchronized int blocksInUse() {
        return inUse.size();
    }

    /**
     * Frees every block, in use or cached (blocks handed out are invalid afterwards). Every block is
     * attempted even when one free fails; the first failure is thrown after the rest.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (Block block : inUse.values()) {
            failure = freeQuietly(block, failure);
        }
        for (ArrayDeque<Block> free : cached.values()) {
            for (Block block : free) {
                failure = freeQuietly(block, failure);
            }
        }
        inUse.clear();
        cached.clear();
        inUseBytes = 0;
        if (failure != null) {
            throw failure;
        }
    }

    private RuntimeException freeQuietly(Block block, RuntimeException failure) {
        try {
            device.free(block.address());
            reservedBytes -= block.bytes();
        } catch (RuntimeException e) {
            if (failure == null) {
                return e;
            }
            failure.addSuppressed(e);
        }
        return failure;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the device allocator is closed");
        }
    }
}
