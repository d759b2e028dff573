package org.yalis.bindings.cuda;

/**
 * Flags of {@code cudaStreamCreateWithFlags}. {@code NON_BLOCKING} streams do not synchronize with the legacy default stream.
 *
 * <p>Values: native-apis.md §1.2, checked against cuda_runtime_api.h/driver_types.h by CudaHeaderAbiTest.
 */
public enum CudaStreamFlag implements NativeEnum {
    DEFAULT("cudaStreamDefault", 0),
    NON_BLOCKING("cudaStreamNonBlocking", 1);

    private final String cName;
    private final int value;

    CudaStreamFlag(String cName, int value) {
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
