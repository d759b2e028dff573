package org.yalis.engine.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The memory kernel parameter values are written to before {@code cuLaunchKernel}, which copies them
 * during the call: one small slab reused by every launch instead of a fresh arena (and a malloc per
 * parameter) each time. {@link #reset} before each launch's arguments; not for concurrent launches.
 */
final class LaunchArgumentArena implements Arena {
    private final Arena owner = Arena.ofShared();
    private final MemorySegment slab;
    private long used;

    LaunchArgumentArena(long bytes) {
        slab = owner.allocate(bytes, 16);
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteSize < 0 || byteAlignment < 1 || Long.bitCount(byteAlignment) != 1) {
            throw new IllegalArgumentException("allocation of " + byteSize + " bytes aligned to " + byteAlignment);
        }
        long base = slab.address();
        long start = Math.ceilDiv(base + used, byteAlignment) * byteAlignment - base;
        if (start + byteSize > slab.byteSize()) {
            throw new IllegalStateException("kernel arguments need more than the " + slab.byteSize()
                    + " bytes reserved for them");
        }
        used = start + byteSize;
        return slab.asSlice(start, byteSize);
    }

    @Override
    public MemorySegment.Scope scope() {
        return slab.scope();
    }

    /** Makes the whole slab available again: the previous launch's values were already copied. */
    void reset() {
        used = 0;
    }

    @Override
    public void close() {
        owner.close();
    }
}
