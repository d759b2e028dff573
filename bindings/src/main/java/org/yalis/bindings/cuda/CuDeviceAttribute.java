package org.yalis.bindings.cuda;

/**
 * {@code CUdevice_attribute} ids for {@code cuDeviceGetAttribute} (same numbering as the runtime's {@code cudaDeviceAttr}).
 *
 * <p>Values: native-apis.md §2.2, checked against cuda.h by CudaHeaderAbiTest.
 */
public enum CuDeviceAttribute implements NativeEnum {
    MAX_THREADS_PER_BLOCK("CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK", 1),
    MULTIPROCESSOR_COUNT("CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT", 16),
    COMPUTE_CAPABILITY_MAJOR("CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR", 75),
    COMPUTE_CAPABILITY_MINOR("CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR", 76),
    MAX_SHARED_MEMORY_PER_BLOCK_OPTIN("CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN", 97);

    private final String cName;
    private final int value;

    CuDeviceAttribute(String cName, int value) {
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
