package org.yalis.bindings.cuda;

/**
 * {@code cublasPointerMode_t}: where alpha and beta live. Yalis-J's helpers assume {@code HOST}, cuBLAS's default.
 *
 * <p>Values: native-apis.md §4.2 (cuBLAS 13.4 headers, identical in 12.3.4), checked against cublas_api.h by CublasNcclAbiTest where that header exists, pinned otherwise.
 */
public enum CublasPointerMode implements NativeEnum {
    HOST("CUBLAS_POINTER_MODE_HOST", 0),
    DEVICE("CUBLAS_POINTER_MODE_DEVICE", 1);

    private final String cName;
    private final int value;

    CublasPointerMode(String cName, int value) {
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
