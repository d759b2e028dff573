package org.yalis.bindings.cuda;

/**
 * {@code cublasGemmAlgo_t}: {@code DEFAULT} lets cuBLAS pick (tensor cores included since CUDA 11).
 *
 * <p>Values: native-apis.md §4.2 (cuBLAS 13.4 headers, identical in 12.3.4), checked against cublas_api.h by CublasNcclAbiTest where that header exists, pinned otherwise.
 */
public enum CublasGemmAlgo implements NativeEnum {
    DEFAULT("CUBLAS_GEMM_DEFAULT", -1),
    ALGO0("CUBLAS_GEMM_ALGO0", 0),
    /** Deprecated since cuBLAS 11: prefer DEFAULT. */
    DEFAULT_TENSOR_OP("CUBLAS_GEMM_DEFAULT_TENSOR_OP", 99);

    private final String cName;
    private final int value;

    CublasGemmAlgo(String cName, int value) {
        this.cName = cName;
        this.value = value;
    }

    @Override
    public String cName() {
        return cName;
    }

    @Override
    public int value() {
        return value;
    }
}
