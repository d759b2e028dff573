package org.yalis.engine.cuda;

import java.util.HashMap;
import java.util.Map;

import org.yalis.engine.tensor.Tensor;

/**
 * The host values last copied into each index tensor (token ids, positions, rows), so that the CUDA
 * backend refuses an index out of range on the host, as the CPU backend does, instead of letting the
 * kernel write a NaN row. Indices always come from the host in this engine; a tensor whose values
 * this does not know (written on the device) is not checked.
 */
final class UploadedIndices {
    private final Map<Long, int[]> valuesByAddress = new HashMap<>();

    void remember(Tensor destination, int[] values) {
        valuesByAddress.put(destination.data().address(), values.clone());
    }

    /** The device memory at {@code address} was handed out again: what was copied there is gone. */
    void forget(long address) {
        valuesByAddress.remove(address);
    }

    /**
     * Throws when one of the first {@code count} values last copied into {@code indices} is outside
     * {@code [0, limit)}.
     */
    void check(Tensor indices, int count, int limit, String what) {
        int[] values = valuesByAddress.get(indices.data().address());
        if (values == null) {
            return;
        }
        for (int i = 0; i < Math.min(count, values.length); i++) {
            if (values[i] < 0 || values[i] >= limit) {
                throw new IllegalArgumentException(what + " " + values[i] + " outside [0, " + limit + ")");
            }
        }
    }
}
