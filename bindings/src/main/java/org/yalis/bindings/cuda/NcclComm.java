package org.yalis.bindings.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * An NCCL communicator: one rank of a group, bound to one GPU.
 *
 * @param handle the C {@code ncclComm_t}, an opaque pointer owned by the library
 */
public record NcclComm(MemorySegment handle) {
    public NcclComm {
        Objects.requireNonNull(handle, "handle");
    }
}
