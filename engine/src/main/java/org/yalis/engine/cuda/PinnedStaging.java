package org.yalis.engine.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.yalis.bindings.cuda.CudaRuntime;

/**
 * Page-locked host memory that every host-device copy of a backend goes through, so that copies are
 * truly asynchronous (the runtime stages pageable memory itself and may block). Regions come from a
 * {@link StagingArena}; a request larger than the buffer waits for the device and replaces the
 * buffer with one large enough. Each buffer lives in its own arena ({@code cudaFreeHost} on close).
 */
final class PinnedStaging implements AutoCloseable {
    private final CudaRuntime cuda;
    private final Runnable waitForDevice;
    private Arena arena;
    private MemorySegment buffer;
    private StagingArena regions;

    PinnedStaging(CudaRuntime cuda, long initialBytes, Runnable waitForDevice) {
        this.cuda = cuda;
        this.waitForDevice = waitForDevice;
        allocate(initialBytes);
    }

    private void allocate(long bytes) {
        Arena fresh = Arena.ofShared();
        try {
            buffer = cuda.mallocHost(bytes, fresh);
        } catch (RuntimeException e) {
            fresh.close();
            throw e;
        }
        arena = fresh;
        regions = new StagingArena(bytes, waitForDevice);
    }

    /**
     * {@code bytes} of pinned memory no queued copy uses, valid until the next wait for the device.
     * The caller queues its copy right after filling (or before reading) it.
     */
    MemorySegment reserve(long bytes) {
        if (bytes > regions.capacity()) {
            waitForDevice.run();
            long grown = Math.max(bytes, 2 * regions.capacity());
            arena.close();
            arena = null;
            allocate(grown);
        }
        return buffer.asSlice(regions.reserve(bytes), bytes);
    }

    /** Everything queued has finished (the owner synchronized the stream). */
    void deviceCaughtUp() {
        regions.deviceCaughtUp();
    }

    long bytes() {
        return arena == null ? 0 : regions.capacity();
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }
}
