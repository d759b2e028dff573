package org.yalis.bindings.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A CUDA event: a marker in a stream, for ordering across streams and for GPU-side timing.
 *
 * @param handle the C {@code cudaEvent_t}, an opaque pointer owned by the library
 */
public record CudaEvent(MemorySegment handle) {
    public CudaEvent {
        Objects.requireNonNull(handle, "handle");
    }
}
