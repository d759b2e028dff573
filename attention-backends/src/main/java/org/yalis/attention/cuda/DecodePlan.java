package org.yalis.attention.cuda;

import org.yalis.nativelib.KernelLaunch;

/**
 * How one decode step runs the split-K kernels. The partition size is fixed
 * ({@link #PARTITION_SIZE} positions per split), never chosen from the batch: a sequence's result then
 * depends only on its own context, and a context of at most one partition takes the unsplit path (no
 * workspace, no reduction) with bits identical to prefill's.
 *
 * @param splits         splits of the longest context; 1 means the unsplit kernel writes the output
 * @param workspaceBytes f32 workspace the split path needs (0 unsplit)
 * @param decode         the first pass's launch
 * @param reduce         the reduction's launch (used only when {@code splits > 1})
 */
record DecodePlan(int splits, long workspaceBytes, KernelLaunch decode, KernelLaunch reduce) {
    static final int PARTITION_SIZE = KernelLaunch.DEFAULT_DECODE_PARTITION;

    static DecodePlan of(int sequences, int heads, int kvHeads, int headDim, int maxContextLength) {
        int splits = KernelLaunch.decodeSplits(maxContextLength, PARTITION_SIZE);
        long workspace = splits == 1 ? 0 : KernelLaunch.decodeWorkspaceBytes(sequences, heads, headDim, splits);
        return new DecodePlan(splits, workspace, KernelLaunch.decode(sequences, heads, kvHeads, headDim, splits),
                KernelLaunch.decodeReduce(sequences, heads));
    }

    /** Floats of each of partial_max and partial_sum ({@code sequences * heads * splits}). */
    static long partials(int sequences, int heads, int splits) {
        return (long) sequences * heads * splits;
    }
}
