package org.yalis.bindings.cuda;

/**
 * A CUDA-family call returned a failure status. Every binding checks every status it gets back
 * and throws the subclass for its library, carrying which function failed, the numeric code,
 * the code's C name and the library's description of it; catch this type to handle any of them.
 */
public abstract sealed class CudaException extends RuntimeException
        permits CudaRuntimeException, CudaDriverException, CublasException, NcclException {
    private final String function;
    private final int code;
    private final String codeName;
    private final String description;

    CudaException(String function, int code, String codeName, String description, String detail) {
        super(function + " failed: " + codeName + " (" + code + "): " + description
                + (detail == null || detail.isBlank() ? "" : "; " + detail));
        this.function = function;
        this.code = code;
        this.codeName = codeName;
        this.description = description;
    }

    /** The C function that failed, by its exported name ({@code cudaMalloc}, {@code cublasCreate_v2}). */
    public String function() {
        return function;
    }

    /** The status code it returned. */
    public int code() {
        return code;
    }

    /** The code's C name ({@code cudaErrorMemoryAllocation}, {@code CUBLAS_STATUS_NOT_INITIALIZED}). */
    public String codeName() {
        return codeName;
    }

    /** The library's text for the code ({@code out of memory}). */
    public String description() {
        return description;
    }
}
