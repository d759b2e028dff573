package org.yalis.bindings.cuda;

/** A failed call into the CUDA driver API (libcuda): {@code CUresult}; name and text from {@code cuGetErrorName}/{@code cuGetErrorString}. */
public final class CudaDriverException extends CudaException {
    CudaDriverException(String function, int code, String codeName, String description, String detail) {
        super(function, code, codeName, description, detail);
    }
}
