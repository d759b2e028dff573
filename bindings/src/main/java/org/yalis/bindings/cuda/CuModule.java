package org.yalis.bindings.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A loaded fatbin, cubin or PTX module ({@link CudaDriver#moduleLoadData}).
 *
 * @param handle the C {@code CUmodule}, an opaque pointer owned by the library
 */
public record CuModule(MemorySegment handle) {
    public CuModule {
        Objects.requireNonNull(handle, "handle");
    }
}
