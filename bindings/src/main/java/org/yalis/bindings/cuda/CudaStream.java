package org.yalis.bindings.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A CUDA stream; the same handle serves as a driver-API {@code CUstream}, so kernels launched with
 * {@link CudaDriver#launchKernel}, cuBLAS and NCCL calls all order on it.
 *
 * @param handle the C {@code cudaStream_t}, an opaque pointer owned by the library
 */
public record CudaStream(MemorySegment handle) {
    public CudaStream {
        Objects.requireNonNull(handle, "handle");
    }

    /** The legacy default stream (NULL): synchronizes with every blocking stream of the context. */
    public static final CudaStream DEFAULT = new CudaStream(MemorySegment.NULL);
    /** {@code cudaStreamLegacy}, {@code (cudaStream_t)0x1}: the legacy default stream, named explicitly. */
    public static final CudaStream LEGACY = new CudaStream(MemorySegment.ofAddress(0x1));
    /** {@code cudaStreamPerThread}, {@code (cudaStream_t)0x2}: the calling thread's own default stream. */
    public static final CudaStream PER_THREAD = new CudaStream(MemorySegment.ofAddress(0x2));
}
