package org.yalis.bindings.cuda;

/**
 * {@code ncclResult_t}. NCCL has no {@code GetErrorName}: this table supplies the names that exceptions carry.
 *
 * <p>Values: native-apis.md §5.2 (NCCL nccl.h.in at 2.30.7), checked against nccl.h by CublasNcclAbiTest where that header exists, pinned otherwise.
 */
public enum NcclResult implements NativeEnum {
    SUCCESS("ncclSuccess", 0),
    /** A CUDA call inside NCCL failed (no GPU or driver gives this). */
    UNHANDLED_CUDA_ERROR("ncclUnhandledCudaError", 1),
    SYSTEM_ERROR("ncclSystemError", 2),
    INTERNAL_ERROR("ncclInternalError", 3),
    INVALID_ARGUMENT("ncclInvalidArgument", 4),
    INVALID_USAGE("ncclInvalidUsage", 5),
    /** A peer exited or the network failed. */
    REMOTE_ERROR("ncclRemoteError", 6),
    /** Only for non-blocking communicators, which Yalis-J does not create. */
    IN_PROGRESS("ncclInProgress", 7),
    /** New in NCCL 2.30. */
    TIMEOUT("ncclTimeout", 8);

    private final String cName;
    private final int value;

    NcclResult(String cName, int value) {
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
    public static java.util.Optional<NcclResult> fromValue(int value) {
        for (NcclResult constant : values()) {
            if (constant.value == value) {
                return java.util.Optional.of(constant);
            }
        }
        return java.util.Optional.empty();
    }

    /** The C name of {@code code}, or {@code "ncclResult <code>"} for one this table does not know (a newer NCCL). */
    public static String nameOf(int code) {
        return fromValue(code).map(NcclResult::cName).orElse("ncclResult " + code);
    }
}
