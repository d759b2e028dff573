package org.yalis.bindings.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * An instantiated CUDA graph, launched with {@link CudaRuntime#graphLaunch}.
 *
 * @param handle the C {@code cudaGraphExec_t}, an opaque pointer owned by the library
 */
public record CudaGraphExec(MemorySegment handle) {
    public CudaGraphExec {
        Objects.requireNonNull(handle, "handle");
    }
}
