package org.yalis.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A reusable working buffer that grows to the largest request and is freed when it grows or when
 * the backend closes. Shared arena: the compute pool's threads read it.
 */
final class Scratch implements AutoCloseable {
    private Arena arena;
    private MemorySegment buffer = MemorySegment.NULL;

    MemorySegment floats(long count) {
        long bytes = count * Float.BYTES;
        if (buffer.byteSize() < bytes) {
            close();
            arena = Arena.ofShared();
            buffer = arena.allocate(Math.max(bytes, buffer.byteSize() * 2), 64);
        }
        return buffer.asSlice(0, bytes);
    }

    long byteSize() {
        return buffer.byteSize();
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
            arena = null;
            buffer = MemorySegment.NULL;
        }
    }
}
