package org.yalis.bindings.cuda;

/**
 * {@code cublasOperation_t}: whether cuBLAS reads an operand as stored or transposed.
 *
 * <p>Values: native-apis.md §4.2 (cuBLAS 13.4 headers, identical in 12.3.4), checked against cublas_api.h by CublasNcclAbiTest where that header exists, pinned otherwise.
 */
public enum CublasOperation implements NativeEnum {
    /** As stored (column-major). */
    N("CUBLAS_OP_N", 0),
    /** Transposed. */
    T("CUBLAS_OP_T", 1),
    /** Conjugate-transposed. */
    C("CUBLAS_OP_C", 2);

    private final String cName;
    private final int value;

    CublasOperation(String cName, int value) {
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
