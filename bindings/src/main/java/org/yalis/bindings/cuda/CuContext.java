package org.yalis.bindings.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A driver-API context; the primary context of a device is the one the runtime uses too.
 *
 * @param handle the C {@code CUcontext}, an opaque pointer owned by the library
 */
public record CuContext(MemorySegment handle) {
    public CuContext {
        Objects.requireNonNull(handle, "handle");
    }
}
