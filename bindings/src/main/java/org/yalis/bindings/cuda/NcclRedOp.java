package org.yalis.bindings.cuda;

/**
 * {@code ncclRedOp_t}: the built-in reductions.
 *
 * <p>Values: native-apis.md §5.2 (NCCL nccl.h.in at 2.30.7), checked against nccl.h by CublasNcclAbiTest where that header exists, pinned otherwise.
 */
public enum NcclRedOp implements NativeEnum {
    SUM("ncclSum", 0),
    PROD("ncclProd", 1),
    MAX("ncclMax", 2),
    MIN("ncclMin", 3),
    AVG("ncclAvg", 4);

    private final String cName;
    private final int value;

    NcclRedOp(String cName, int value) {
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
