package org.yalis.bindings.cuda;

/**
 * {@code cublasComputeType_t}: the accumulation type of gemmEx. {@code COMPUTE_32F} with bf16 inputs is bf16 tensor cores with fp32 accumulation.
 *
 * <p>Values: native-apis.md §4.2 (cuBLAS 13.4 headers, identical in 12.3.4), checked against cublas_api.h by CublasNcclAbiTest where that header exists, pinned otherwise.
 */
public enum CublasComputeType implements NativeEnum {
    COMPUTE_16F("CUBLAS_COMPUTE_16F", 64),
    COMPUTE_16F_PEDANTIC("CUBLAS_COMPUTE_16F_PEDANTIC", 65),
    COMPUTE_32F("CUBLAS_COMPUTE_32F", 68),
    COMPUTE_32F_PEDANTIC("CUBLAS_COMPUTE_32F_PEDANTIC", 69),
    COMPUTE_32F_FAST_16F("CUBLAS_COMPUTE_32F_FAST_16F", 74),
    COMPUTE_32F_FAST_16BF("CUBLAS_COMPUTE_32F_FAST_16BF", 75),
    COMPUTE_32F_FAST_TF32("CUBLAS_COMPUTE_32F_FAST_TF32", 77),
    COMPUTE_64F("CUBLAS_COMPUTE_64F", 70),
    COMPUTE_64F_PEDANTIC("CUBLAS_COMPUTE_64F_PEDANTIC", 71),
    COMPUTE_32I("CUBLAS_COMPUTE_32I", 72),
    COMPUTE_32I_PEDANTIC("CUBLAS_COMPUTE_32I_PEDANTIC", 73);

    private final String cName;
    private final int value;

    CublasComputeType(String cName, int value) {
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

    /** Whether alpha and beta are {@code float} for this compute type (all the 32F variants). */
    public boolean takesFloatScalars() {
        return switch (this) {
            case COMPUTE_32F, COMPUTE_32F_PEDANTIC, COMPUTE_32F_FAST_16F, COMPUTE_32F_FAST_16BF,
                 COMPUTE_32F_FAST_TF32 -> true;
            default -> false;
        };
    }
}
