package org.yalis.bindings.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A kernel of a loaded module ({@link CudaDriver#moduleGetFunction}).
 *
 * @param handle the C {@code CUfunction}, an opaque pointer owned by the library
 */
public record CuFunction(MemorySegment handle) {
    public CuFunction {
        Objects.requireNonNull(handle, "handle");
    }
}
