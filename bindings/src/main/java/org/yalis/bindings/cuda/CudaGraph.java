package org.yalis.bindings.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A captured (not yet executable) CUDA graph, from {@link CudaRuntime#streamEndCapture}.
 *
 * @param handle the C {@code cudaGraph_t}, an opaque pointer owned by the library
 */
public record CudaGraph(MemorySegment handle) {
    public CudaGraph {
        Objects.requireNonNull(handle, "handle");
    }
}
