package org.yalis.bindings.cuda;

/**
 * How strictly {@code cudaStreamBeginCapture} forbids unsafe calls from other threads while a graph is being captured.
 *
 * <p>Values: native-apis.md §1.2, checked against cuda_runtime_api.h/driver_types.h by CudaHeaderAbiTest.
 */
public enum CudaStreamCaptureMode implements NativeEnum {
    GLOBAL("cudaStreamCaptureModeGlobal", 0),
    THREAD_LOCAL("cudaStreamCaptureModeThreadLocal", 1),
    RELAXED("cudaStreamCaptureModeRelaxed", 2);

    private final String cName;
    private final int value;

    CudaStreamCaptureMode(String cName, int value) {
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
