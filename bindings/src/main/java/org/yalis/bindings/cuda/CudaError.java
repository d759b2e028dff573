package org.yalis.bindings.cuda;

/**
 * The {@code cudaError_t} codes Yalis-J tells apart (the runtime's own {@code cudaGetErrorName} names any other code).
 *
 * <p>Values: native-apis.md §1.2, checked against cuda_runtime_api.h/driver_types.h by CudaHeaderAbiTest.
 */
public enum CudaError implements NativeEnum {
    SUCCESS("cudaSuccess", 0),
    INVALID_VALUE("cudaErrorInvalidValue", 1),
    /** Out of device (or pinned host) memory. */
    MEMORY_ALLOCATION("cudaErrorMemoryAllocation", 2),
    INITIALIZATION_ERROR("cudaErrorInitializationError", 3),
    CUDART_UNLOADING("cudaErrorCudartUnloading", 4),
    /** The driver found is the toolkit's link stub, not a real driver: no GPU. */
    STUB_LIBRARY("cudaErrorStubLibrary", 34),
    /** No driver at all (driver version 0) or one older than the runtime: no GPU. */
    INSUFFICIENT_DRIVER("cudaErrorInsufficientDriver", 35),
    /** GPUs exist but are busy or in an exclusive compute mode. */
    DEVICES_UNAVAILABLE("cudaErrorDevicesUnavailable", 46),
    INVALID_DEVICE_FUNCTION("cudaErrorInvalidDeviceFunction", 98),
    /** A driver but no CUDA-capable GPU: no GPU. */
    NO_DEVICE("cudaErrorNoDevice", 100),
    INVALID_DEVICE("cudaErrorInvalidDevice", 101),
    NO_KERNEL_IMAGE_FOR_DEVICE("cudaErrorNoKernelImageForDevice", 209),
    UNSUPPORTED_PTX_VERSION("cudaErrorUnsupportedPtxVersion", 222),
    INVALID_RESOURCE_HANDLE("cudaErrorInvalidResourceHandle", 400),
    /** Work queued on a stream or event is not finished (a status, not a failure, for queries). */
    NOT_READY("cudaErrorNotReady", 600),
    ILLEGAL_ADDRESS("cudaErrorIllegalAddress", 700),
    LAUNCH_OUT_OF_RESOURCES("cudaErrorLaunchOutOfResources", 701),
    LAUNCH_FAILURE("cudaErrorLaunchFailure", 719),
    NOT_SUPPORTED("cudaErrorNotSupported", 801),
    SYSTEM_DRIVER_MISMATCH("cudaErrorSystemDriverMismatch", 803),
    COMPAT_NOT_SUPPORTED_ON_DEVICE("cudaErrorCompatNotSupportedOnDevice", 804),
    STREAM_CAPTURE_UNSUPPORTED("cudaErrorStreamCaptureUnsupported", 900),
    STREAM_CAPTURE_INVALIDATED("cudaErrorStreamCaptureInvalidated", 901),
    UNKNOWN("cudaErrorUnknown", 999);

    private final String cName;
    private final int value;

    CudaError(String cName, int value) {
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
    public static java.util.Optional<CudaError> fromValue(int value) {
        for (CudaError constant : values()) {
            if (constant.value == value) {
                return java.util.Optional.of(constant);
            }
        }
        return java.util.Optional.empty();
    }
}
