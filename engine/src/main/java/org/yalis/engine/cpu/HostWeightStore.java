package org.yalis.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.yalis.bindings.posix.Libc;

/**
 * Anonymous, huge-page-backed host memory for the weights a forward pass streams, filled by
 * copying from the memory-mapped checkpoint. A bump allocator over slabs of at least
 * {@link #SLAB_BYTES}: one mapping per slab, so small tensors (norm weights) share pages and large
 * ones stay 2 MiB-aligned. Copying pre-faults every page at load time, off the decode path.
 */
final class HostWeightStore {
    private static final long SLAB_BYTES = 256L << 20;
    private static final long ALIGNMENT = 64;

    private final Arena arena;
    private MemorySegment slab = MemorySegment.NULL;
    private long used;
    private long reservedBytes;

    HostWeightStore(Arena arena) {
        this.arena = arena;
    }

    MemorySegment copyOf(MemorySegment source) {
        MemorySegment destination = reserve(source.byteSize());
        MemorySegment.copy(source, 0, destination, 0, source.byteSize());
        return destination;
    }

    /** Copies a byte range of every row of a matrix: a shard split along the input features. */
    MemorySegment copyOfColumns(MemorySegment source, int rows, long rowBytes, long firstByte, long columnBytes) {
        MemorySegment destination = reserve(rows * columnBytes);
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(source, r * rowBytes + firstByte, destination, r * columnBytes, columnBytes);
        }
        return destination;
    }

    /** {@code bytes} of this store's memory for a weight the caller fills (a quantized copy). */
    MemorySegment reserve(long bytes) {
        long start = (used + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        if (start + bytes > slab.byteSize()) {
            long size = Math.max(SLAB_BYTES, (bytes + Libc.HUGE_PAGE_BYTES - 1) / Libc.HUGE_PAGE_BYTES
                    * Libc.HUGE_PAGE_BYTES);
            slab = HostMemory.map(size, "weights (" + (reservedBytes + size) / (1 << 20) + " MiB placed so far)", arena);
            reservedBytes += size;
            start = 0;
        }
        used = start + bytes;
        return slab.asSlice(start, bytes);
    }

    long reservedBytes() {
        return reservedBytes;
    }
}
