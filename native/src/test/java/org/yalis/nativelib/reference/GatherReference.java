package org.yalis.nativelib.reference;

import java.util.Arrays;

/**
 * References of the copying kernels (all bit-exact): {@code yalis_embedding_bf16},
 * {@code yalis_gather_rows} and {@code yalis_kv_cache_write_bf16}.
 */
public final class GatherReference {
    private GatherReference() {
    }

    /** {@code out[t] = table[ids[t]]}; an id outside {@code [0, vocab)} gives a row of 0xFFFF (bf16 NaN). */
    public static short[] embedding(short[] table, int vocab, int hidden, int[] ids) {
        short[] out = new short[ids.length * hidden];
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] < 0 || ids[t] >= vocab) {
                Arrays.fill(out, t * hidden, (t + 1) * hidden, Bf16.POISON);
            } else {
                System.arraycopy(table, ids[t] * hidden, out, t * hidden, hidden);
            }
        }
        return out;
    }

    /** {@code out[i] = x[indices[i]]} over rows of {@code rowBytes} bytes; a bad index gives 0xFF bytes. */
    public static byte[] gatherRows(byte[] x, int xRows, int rowBytes, int[] indices) {
        byte[] out = new byte[indices.length * rowBytes];
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= xRows) {
                Arrays.fill(out, i * rowBytes, (i + 1) * rowBytes, (byte) 0xFF);
            } else {
                System.arraycopy(x, indices[i] * rowBytes, out, i * rowBytes, rowBytes);
            }
        }
        return out;
    }

    /**
     * Writes row {@code t} of k and v ({@code kvDim} elements at {@code t * stride + offset}) to slot
     * {@code slotMapping[t]} of the caches ({@code slots x kvDim}); a slot below 0 or past the cache is
     * skipped.
     */
    public static void kvCacheWrite(short[] k, int kStride, int kOffset, short[] v, int vStride, int vOffset,
                                    short[] kCache, short[] vCache, int[] slotMapping, int tokens, int kvDim) {
        long slots = kCache.length / kvDim;
        for (int t = 0; t < tokens; t++) {
            int slot = slotMapping[t];
            if (slot < 0 || slot >= slots) {
                continue;
            }
            System.arraycopy(k, t * kStride + kOffset, kCache, slot * kvDim, kvDim);
            System.arraycopy(v, t * vStride + vOffset, vCache, slot * kvDim, kvDim);
        }
    }
}
