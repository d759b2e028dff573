package org.yalis.bindings.cuda;

/** A failed call into NCCL: {@code ncclResult_t}; name from {@link NcclResult} (NCCL has no name function), text from {@code ncclGetErrorString}, detail from {@code ncclGetLastError}. */
public final class NcclException extends CudaException {
    NcclException(String function, int code, String codeName, String description, String detail) {
        super(function, code, codeName, description, detail);
    }
}
