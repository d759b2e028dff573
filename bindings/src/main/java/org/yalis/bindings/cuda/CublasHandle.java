package org.yalis.bindings.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A cuBLAS context: bound to the device current when it was created; not to be shared by threads
 * that issue work concurrently.
 *
 * @param handle the C {@code cublasHandle_t}, an opaque pointer owned by the library
 */
public record CublasHandle(MemorySegment handle) {
    public CublasHandle {
        Objects.requireNonNull(handle, "handle");
    }
}
