package org.yalis.bindings.cuda;

/**
 * {@code CUfunction_attribute}: per-kernel properties read with {@code cuFuncGetAttribute}, some set with {@code cuFuncSetAttribute}.
 *
 * <p>Values: native-apis.md §2.2, checked against cuda.h by CudaHeaderAbiTest.
 */
public enum CuFunctionAttribute implements NativeEnum {
    MAX_THREADS_PER_BLOCK("CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK", 0),
    /** Static shared memory. */
    SHARED_SIZE_BYTES("CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES", 1),
    NUM_REGS("CU_FUNC_ATTRIBUTE_NUM_REGS", 4),
    /** Must be raised before a launch that asks for more than 48 KiB of dynamic shared memory (limit: device attribute 97). */
    MAX_DYNAMIC_SHARED_SIZE_BYTES("CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES", 8),
    PREFERRED_SHARED_MEMORY_CARVEOUT("CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT", 9);

    private final String cName;
    private final int value;

    CuFunctionAttribute(String cName, int value) {
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
