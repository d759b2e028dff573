package org.yalis.bindings.cuda;

/** A failed call into the CUDA runtime (libcudart): {@code cudaError_t}; name and text from {@code cudaGetErrorName}/{@code cudaGetErrorString}. */
public final class CudaRuntimeException extends CudaException {
    CudaRuntimeException(String function, int code, String codeName, String description, String detail) {
        super(function, code, codeName, description, detail);
    }
}
