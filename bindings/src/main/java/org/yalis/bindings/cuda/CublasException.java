package org.yalis.bindings.cuda;

/** A failed call into cuBLAS: {@code cublasStatus_t}; name and text from {@code cublasGetStatusName}/{@code cublasGetStatusString}. */
public final class CublasException extends CudaException {
    CublasException(String function, int code, String codeName, String description, String detail) {
        super(function, code, codeName, description, detail);
    }
}
