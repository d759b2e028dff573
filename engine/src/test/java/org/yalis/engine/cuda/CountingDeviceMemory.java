package org.yalis.engine.cuda;

import java.util.HashMap;
import java.util.Map;

/**
 * A fake device for allocator tests: hands out distinct 256-byte aligned addresses, counts every byte
 * it holds, refuses frees of addresses it did not give, and runs out of memory at a set capacity.
 */
final class CountingDeviceMemory implements DeviceMemory {
    private final long capacity;
    private final Map<Long, Long> live = new HashMap<>();
    private long nextAddress = 0x7f00_0000_0000L;
    private long heldBytes;
    int allocations;
    int frees;

    CountingDeviceMemory(long capacity) {
        this.capacity = capacity;
    }

    @Override
    public long allocate(long bytes) {
        if (heldBytes + bytes > capacity) {
            throw new DeviceOutOfMemoryException(bytes, null);
        }
        long address = nextAddress;
        nextAddress += Math.ceilDiv(bytes, 256) * 256 + 256;
        live.put(address, bytes);
        heldBytes += bytes;
        allocations++;
        return address;
    }

    @Override
    public void free(long address) {
        Long bytes = live.remove(address);
        if (bytes == null) {
            throw new IllegalStateException("free of 0x" + Long.toHexString(address) + ", which is not allocated");
        }
        heldBytes -= bytes;
        frees++;
    }

    long heldBytes() {
        return heldBytes;
    }

    int liveBlocks() {
        return live.size();
    }
}
