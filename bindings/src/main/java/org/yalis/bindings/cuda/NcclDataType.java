package org.yalis.bindings.cuda;

/**
 * {@code ncclDataType_t}: element types of collectives (counts are in elements of this type).
 *
 * <p>Values: native-apis.md §5.2 (NCCL nccl.h.in at 2.30.7), checked against nccl.h by CublasNcclAbiTest where that header exists, pinned otherwise.
 */
public enum NcclDataType implements NativeEnum {
    INT8("ncclInt8", 0),
    UINT8("ncclUint8", 1),
    INT32("ncclInt32", 2),
    UINT32("ncclUint32", 3),
    INT64("ncclInt64", 4),
    UINT64("ncclUint64", 5),
    FLOAT16("ncclFloat16", 6),
    FLOAT32("ncclFloat32", 7),
    FLOAT64("ncclFloat64", 8),
    BFLOAT16("ncclBfloat16", 9),
    /** NCCL 2.24 and later. */
    FLOAT8_E4M3("ncclFloat8e4m3", 10),
    /** NCCL 2.24 and later. */
    FLOAT8_E5M2("ncclFloat8e5m2", 11);

    private final String cName;
    private final int value;

    NcclDataType(String cName, int value) {
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

    /** Bytes per element. */
    public int bytes() {
        return switch (this) {
            case INT8, UINT8, FLOAT8_E4M3, FLOAT8_E5M2 -> 1;
            case FLOAT16, BFLOAT16 -> 2;
            case INT32, UINT32, FLOAT32 -> 4;
            case INT64, UINT64, FLOAT64 -> 8;
        };
    }
}
