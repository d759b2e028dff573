package org.yalis.bindings.cuda;

/**
 * Flags of {@code cudaGraphInstantiate} (CUDA 12+ form, OR-able; none = 0).
 *
 * <p>Values: native-apis.md §1.2, checked against cuda_runtime_api.h/driver_types.h by CudaHeaderAbiTest.
 */
public enum CudaGraphInstantiateFlag implements NativeEnum {
    AUTO_FREE_ON_LAUNCH("cudaGraphInstantiateFlagAutoFreeOnLaunch", 1),
    UPLOAD("cudaGraphInstantiateFlagUpload", 2),
    DEVICE_LAUNCH("cudaGraphInstantiateFlagDeviceLaunch", 4),
    USE_NODE_PRIORITY("cudaGraphInstantiateFlagUseNodePriority", 8);

    private final String cName;
    private final int value;

    CudaGraphInstantiateFlag(String cName, int value) {
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
