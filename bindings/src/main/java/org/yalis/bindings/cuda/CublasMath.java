package org.yalis.bindings.cuda;

/**
 * {@code cublasMath_t} (OR-able: a mode plus optionally {@code DISALLOW_REDUCED_PRECISION_REDUCTION}).
 *
 * <p>Values: native-apis.md §4.2 (cuBLAS 13.4 headers, identical in 12.3.4), checked against cublas_api.h by CublasNcclAbiTest where that header exists, pinned otherwise.
 */
public enum CublasMath implements NativeEnum {
    DEFAULT_MATH("CUBLAS_DEFAULT_MATH", 0),
    /** Deprecated. */
    TENSOR_OP_MATH("CUBLAS_TENSOR_OP_MATH", 1),
    PEDANTIC_MATH("CUBLAS_PEDANTIC_MATH", 2),
    TF32_TENSOR_OP_MATH("CUBLAS_TF32_TENSOR_OP_MATH", 3),
    /** Forbids split-K reductions in reduced precision: fp32 accumulation all the way. */
    DISALLOW_REDUCED_PRECISION_REDUCTION("CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION", 16);

    private final String cName;
    private final int value;

    CublasMath(String cName, int value) {
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
