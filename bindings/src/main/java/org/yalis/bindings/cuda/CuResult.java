package org.yalis.bindings.cuda;

/**
 * The driver API's {@code CUresult} codes Yalis-J tells apart ({@code cuGetErrorName} names any other).
 *
 * <p>Values: native-apis.md §2.2, checked against cuda.h by CudaHeaderAbiTest.
 */
public enum CuResult implements NativeEnum {
    SUCCESS("CUDA_SUCCESS", 0),
    INVALID_VALUE("CUDA_ERROR_INVALID_VALUE", 1),
    OUT_OF_MEMORY("CUDA_ERROR_OUT_OF_MEMORY", 2),
    /** cuInit was not called first. */
    NOT_INITIALIZED("CUDA_ERROR_NOT_INITIALIZED", 3),
    DEINITIALIZED("CUDA_ERROR_DEINITIALIZED", 4),
    STUB_LIBRARY("CUDA_ERROR_STUB_LIBRARY", 34),
    NO_DEVICE("CUDA_ERROR_NO_DEVICE", 100),
    INVALID_DEVICE("CUDA_ERROR_INVALID_DEVICE", 101),
    INVALID_IMAGE("CUDA_ERROR_INVALID_IMAGE", 200),
    /** No current context: retain the primary context and make it current. */
    INVALID_CONTEXT("CUDA_ERROR_INVALID_CONTEXT", 201),
    /** The fatbin has neither SASS for this GPU nor PTX to JIT. */
    NO_BINARY_FOR_GPU("CUDA_ERROR_NO_BINARY_FOR_GPU", 209),
    INVALID_PTX("CUDA_ERROR_INVALID_PTX", 218),
    JIT_COMPILER_NOT_FOUND("CUDA_ERROR_JIT_COMPILER_NOT_FOUND", 221),
    /** PTX newer than the driver's JIT understands. */
    UNSUPPORTED_PTX_VERSION("CUDA_ERROR_UNSUPPORTED_PTX_VERSION", 222),
    INVALID_SOURCE("CUDA_ERROR_INVALID_SOURCE", 300),
    SHARED_OBJECT_INIT_FAILED("CUDA_ERROR_SHARED_OBJECT_INIT_FAILED", 303),
    INVALID_HANDLE("CUDA_ERROR_INVALID_HANDLE", 400),
    /** For example a kernel name that the module does not define (check extern "C"). */
    NOT_FOUND("CUDA_ERROR_NOT_FOUND", 500),
    ILLEGAL_ADDRESS("CUDA_ERROR_ILLEGAL_ADDRESS", 700),
    LAUNCH_OUT_OF_RESOURCES("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", 701),
    LAUNCH_FAILED("CUDA_ERROR_LAUNCH_FAILED", 719),
    NOT_SUPPORTED("CUDA_ERROR_NOT_SUPPORTED", 801),
    SYSTEM_DRIVER_MISMATCH("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", 803),
    UNKNOWN("CUDA_ERROR_UNKNOWN", 999);

    private final String cName;
    private final int value;

    CuResult(String cName, int value) {
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
    public static java.util.Optional<CuResult> fromValue(int value) {
        for (CuResult constant : values()) {
            if (constant.value == value) {
                return java.util.Optional.of(constant);
            }
        }
        return java.util.Optional.empty();
    }
}
