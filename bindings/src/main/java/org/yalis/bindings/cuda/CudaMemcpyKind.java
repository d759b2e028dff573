package org.yalis.bindings.cuda;

/**
 * Direction of a {@code cudaMemcpy}: {@code DEFAULT} lets the runtime infer it from the pointers (unified addressing).
 *
 * <p>Values: native-apis.md §1.2, checked against cuda_runtime_api.h/driver_types.h by CudaHeaderAbiTest.
 */
public enum CudaMemcpyKind implements NativeEnum {
    HOST_TO_HOST("cudaMemcpyHostToHost", 0),
    HOST_TO_DEVICE("cudaMemcpyHostToDevice", 1),
    DEVICE_TO_HOST("cudaMemcpyDeviceToHost", 2),
    DEVICE_TO_DEVICE("cudaMemcpyDeviceToDevice", 3),
    DEFAULT("cudaMemcpyDefault", 4);

    private final String cName;
    private final int value;

    CudaMemcpyKind(String cName, int value) {
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
