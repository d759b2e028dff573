package org.yalis.bindings.cuda;

/**
 * What {@code cudaStreamIsCapturing} reports.
 *
 * <p>Values: native-apis.md §1.2, checked against cuda_runtime_api.h/driver_types.h by CudaHeaderAbiTest.
 */
public enum CudaStreamCaptureStatus implements NativeEnum {
    NONE("cudaStreamCaptureStatusNone", 0),
    ACTIVE("cudaStreamCaptureStatusActive", 1),
    /** Capture failed (an unsupported call was made); end it and discard the graph. */
    INVALIDATED("cudaStreamCaptureStatusInvalidated", 2);

    private final String cName;
    private final int value;

    CudaStreamCaptureStatus(String cName, int value) {
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
    public static java.util.Optional<CudaStreamCaptureStatus> fromValue(int value) {
        for (CudaStreamCaptureStatus constant : values()) {
            if (constant.value == value) {
                return java.util.Optional.of(constant);
            }
        }
        return java.util.Optional.empty();
    }
}
