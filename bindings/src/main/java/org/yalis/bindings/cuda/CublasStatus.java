package org.yalis.bindings.cuda;

/**
 * {@code cublasStatus_t} codes ({@code cublasGetStatusName} names them at run time; this table is for code that branches on them).
 *
 * <p>Values: native-apis.md §4.2 (cuBLAS 13.4 headers, identical in 12.3.4), checked against cublas_api.h by CublasNcclAbiTest where that header exists, pinned otherwise.
 */
public enum CublasStatus implements NativeEnum {
    SUCCESS("CUBLAS_STATUS_SUCCESS", 0),
    /** Also what cublasCreate returns when there is no usable GPU. */
    NOT_INITIALIZED("CUBLAS_STATUS_NOT_INITIALIZED", 1),
    ALLOC_FAILED("CUBLAS_STATUS_ALLOC_FAILED", 3),
    INVALID_VALUE("CUBLAS_STATUS_INVALID_VALUE", 7),
    ARCH_MISMATCH("CUBLAS_STATUS_ARCH_MISMATCH", 8),
    MAPPING_ERROR("CUBLAS_STATUS_MAPPING_ERROR", 11),
    EXECUTION_FAILED("CUBLAS_STATUS_EXECUTION_FAILED", 13),
    INTERNAL_ERROR("CUBLAS_STATUS_INTERNAL_ERROR", 14),
    /** For example a type combination gemmEx does not implement. */
    NOT_SUPPORTED("CUBLAS_STATUS_NOT_SUPPORTED", 15),
    LICENSE_ERROR("CUBLAS_STATUS_LICENSE_ERROR", 16);

    private final String cName;
    private final int value;

    CublasStatus(String cName, int value) {
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

    /** The constant with this value, if it is one Yalis-J names. */
    public static java.util.Optional<CublasStatus> fromValue(int value) {
        for (CublasStatus constant : values()) {
            if (constant.value == value) {
                return java.util.Optional.of(constant);
            }
        }
        return java.util.Optional.empty();
    }
}
