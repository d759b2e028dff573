package org.yalis.bindings.cuda;

/**
 * Flags of {@code cudaEventCreateWithFlags} (OR-able). Timing events must not carry {@code DISABLE_TIMING}.
 *
 * <p>Values: native-apis.md §1.2, checked against cuda_runtime_api.h/driver_types.h by CudaHeaderAbiTest.
 */
public enum CudaEventFlag implements NativeEnum {
    DEFAULT("cudaEventDefault", 0),
    /** cudaEventSynchronize sleeps instead of spinning. */
    BLOCKING_SYNC("cudaEventBlockingSync", 1),
    /** Cheaper events for pure ordering; cudaEventElapsedTime then fails. */
    DISABLE_TIMING("cudaEventDisableTiming", 2),
    INTERPROCESS("cudaEventInterprocess", 4);

    private final String cName;
    private final int value;

    CudaEventFlag(String cName, int value) {
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
