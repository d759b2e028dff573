package org.yalis.engine.cuda;

/**
 * Raw device memory, where {@link PooledDeviceAllocator} gets its blocks: {@code cudaMalloc} and
 * {@code cudaFree} on a GPU ({@link CudaDeviceMemory}), a counting fake in tests.
 */
public interface DeviceMemory {

    /**
     * A new block of exactly {@code bytes} bytes, 256-byte aligned, as a device address.
     *
     * @throws DeviceOutOfMemoryException when the device has no room for it
     */
    long allocate(long bytes);

    /** Returns a block {@link #allocate} gave. */
    void free(long address);
}
