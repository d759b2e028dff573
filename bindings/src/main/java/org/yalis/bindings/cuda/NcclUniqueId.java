package org.yalis.bindings.cuda;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * An {@code ncclUniqueId}: the 128 opaque bytes rank 0 makes with {@link Nccl#getUniqueId} and
 * every rank passes to {@link Nccl#commInitRank}. Ship {@link #bytes()} to the other ranks (MPI
 * broadcast, a TCP store) and rebuild it there with {@link #of(byte[])}.
 */
public final class NcclUniqueId {
    /** {@code NCCL_UNIQUE_ID_BYTES}. */
    public static final int BYTES = 128;

    private final byte[] bytes;

    private NcclUniqueId(byte[] bytes) {
        this.bytes = bytes;
    }

    public static NcclUniqueId of(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("an ncclUniqueId is " + BYTES + " bytes, not " + bytes.length);
        }
        return new NcclUniqueId(bytes.clone());
    }

    /** A copy of the 128 bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof NcclUniqueId id && Arrays.equals(bytes, id.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** The first bytes in hex: enough to tell ids apart in logs without printing the whole secret. */
    @Override
    public String toString() {
        return "NcclUniqueId[" + HexFormat.of().formatHex(bytes, 0, 8) + "...]";
    }
}
