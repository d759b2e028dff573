package org.yalis.bindings.cuda;

/**
 * {@code cudaDeviceAttr} ids read with {@code cudaDeviceGetAttribute}: Yalis-J never reads the {@code cudaDeviceProp} struct, whose layout changed in CUDA 13.
 *
 * <p>Values: native-apis.md §1.2, checked against cuda_runtime_api.h/driver_types.h by CudaHeaderAbiTest.
 */
public enum CudaDeviceAttribute implements NativeEnum {
    MAX_THREADS_PER_BLOCK("cudaDevAttrMaxThreadsPerBlock", 1),
    MAX_SHARED_MEMORY_PER_BLOCK("cudaDevAttrMaxSharedMemoryPerBlock", 8),
    WARP_SIZE("cudaDevAttrWarpSize", 10),
    /** kHz. */
    CLOCK_RATE("cudaDevAttrClockRate", 13),
    MULTIPROCESSOR_COUNT("cudaDevAttrMultiProcessorCount", 16),
    /** kHz. */
    MEMORY_CLOCK_RATE("cudaDevAttrMemoryClockRate", 36),
    /** bits. */
    GLOBAL_MEMORY_BUS_WIDTH("cudaDevAttrGlobalMemoryBusWidth", 37),
    /** bytes. */
    L2_CACHE_SIZE("cudaDevAttrL2CacheSize", 38),
    COMPUTE_CAPABILITY_MAJOR("cudaDevAttrComputeCapabilityMajor", 75),
    COMPUTE_CAPABILITY_MINOR("cudaDevAttrComputeCapabilityMinor", 76),
    MAX_SHARED_MEMORY_PER_MULTIPROCESSOR("cudaDevAttrMaxSharedMemoryPerMultiprocessor", 81),
    /** The most dynamic shared memory a kernel may opt into with cuFuncSetAttribute. */
    MAX_SHARED_MEMORY_PER_BLOCK_OPTIN("cudaDevAttrMaxSharedMemoryPerBlockOptin", 97),
    MAX_BLOCKS_PER_MULTIPROCESSOR("cudaDevAttrMaxBlocksPerMultiprocessor", 106),
    MEMORY_POOLS_SUPPORTED("cudaDevAttrMemoryPoolsSupported", 115);

    private final String cName;
    private final int value;

    CudaDeviceAttribute(String cName, int value) {
        this.cName = cName;
        this.value = value;
    }

    @Override
    public String cName() {
        return cName;
    }

    @Override
    public int value() {
        return value;
    }
}
