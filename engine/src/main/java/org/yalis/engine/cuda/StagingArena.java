package org.yalis.engine.cuda;

/**
 * The bookkeeping of a staging buffer that asynchronous copies read from or write into: regions are
 * handed out one after another, and a region handed out since the device last caught up may still be
 * in use by a queued copy, so it is never handed out again until then. When the next region does not
 * fit in what is left, the arena waits for the device (everything queued finishes) and starts over
 * at the beginning. Uploads of one step thus queue back to back without waiting; weight loading waits
 * once per lap of the buffer.
 *
 * <p>Pure arithmetic: the owner supplies the wait and the memory ({@link PinnedStaging}).
 */
final class StagingArena {
    /** Regions start at multiples of this (a cache line, and enough for any element type). */
    static final long ALIGNMENT = 64;

    private final long capacity;
    private final Runnable waitForDevice;
    private long next;

    /**
     * @param capacity      bytes of the buffer
     * @param waitForDevice returns once every copy queued so far has finished
     */
    StagingArena(long capacity, Runnable waitForDevice) {
        if (capacity < ALIGNMENT) {
            throw new IllegalArgumentException("staging capacity " + capacity);
        }
        this.capacity = capacity;
        this.waitForDevice = waitForDevice;
    }

    long capacity() {
        return capacity;
    }

    /**
     * The offset of {@code bytes} bytes that no queued copy uses; waits for the device first when they
     * do not fit after the regions already handed out.
     *
     * @throws IllegalArgumentException when {@code bytes} exceeds the capacity (the owner grows the buffer)
     */
    long reserve(long bytes) {
        if (bytes < 0 || bytes > capacity) {
            throw new IllegalArgumentException("a region of " + bytes + " bytes in a staging buffer of " + capacity);
        }
        if (next + bytes > capacity) {
            waitForDevice.run();
            next = 0;
        }
        long offset = next;
        next = Math.min(capacity, Math.ceilDiv(offset + bytes, ALIGNMENT) * ALIGNMENT);
        return offset;
    }

    /** The device has finished everything queued (the owner synchronized): the whole buffer is free. */
    void deviceCaughtUp() {
        next = 0;
    }
}
