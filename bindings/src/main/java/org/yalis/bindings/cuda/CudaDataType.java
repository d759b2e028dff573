package org.yalis.bindings.cuda;

/**
 * {@code cudaDataType} from {@code library_types.h}: the element types cuBLAS's {@code *Ex} calls take.
 *
 * <p>Values: native-apis.md §1.5, checked against library_types.h by CudaHeaderAbiTest.
 */
public enum CudaDataType implements NativeEnum {
    /** float. */
    R_32F("CUDA_R_32F", 0),
    /** double. */
    R_64F("CUDA_R_64F", 1),
    /** IEEE half. */
    R_16F("CUDA_R_16F", 2),
    R_8I("CUDA_R_8I", 3),
    R_32I("CUDA_R_32I", 10),
    /** bfloat16: the engine's GPU weight and activation type. */
    R_16BF("CUDA_R_16BF", 14),
    R_8F_E4M3("CUDA_R_8F_E4M3", 28),
    R_8F_E5M2("CUDA_R_8F_E5M2", 29);

    private final String cName;
    private final int value;

    CudaDataType(String cName, int value) {
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
