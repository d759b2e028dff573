package org.yalis.nativelib;

/**
 * The launch configurations native/kernels/KERNELS.md documents, as numbers: grid, block and dynamic
 * shared memory for each kernel, and the split-K decode's workspace. Pure arithmetic, no CUDA: the
 * CUDA backend passes these to {@code cuLaunchKernel}; the tests run the kernels in the CPU
 * simulator with the same numbers.
 *
 * @param gridX        blocks along x (at most 2^31 - 1)
 * @param gridY        blocks along y (at most 65535)
 * @param gridZ        blocks along z (at most 65535)
 * @param blockX       threads per block (blocks are one-dimensional)
 * @param sharedBytes  dynamic shared memory in bytes (all kernels stay under the 48 KiB default)
 */
public record KernelLaunch(int gridX, int gridY, int gridZ, int blockX, int sharedBytes) {
    /** Threads per block of the paged attention kernels (fixed: they check it). */
    public static final int ATTENTION_THREADS = 128;
    /** (row, head) items one attention block computes. */
    public static final int ATTENTION_ITEMS_PER_BLOCK = 16;
    /** The largest head dimension the attention kernels take (it must also be a multiple of 8). */
    public static final int ATTENTION_MAX_HEAD_DIM = 256;
    /** Positions per decode split when the backend has no better idea. */
    public static final int DEFAULT_DECODE_PARTITION = 512;
    /** Thresholds one {@code yalis_count_above_f32} launch takes at most. */
    public static final int MAX_THRESHOLDS = 16;
    private static final int ELEMENTWISE_BLOCK = 256;
    private static final long ELEMENTWISE_MAX_GRID = 4096;
    private static final int MAX_GRID_YZ = 65535;

    public KernelLaunch {
        if (gridX < 1 || gridY < 1 || gridZ < 1 || gridY > MAX_GRID_YZ || gridZ > MAX_GRID_YZ) {
            throw new IllegalArgumentException("grid (" + gridX + ", " + gridY + ", " + gridZ
                    + ") outside CUDA's limits (x >= 1, y and z in 1..65535)");
        }
        if (blockX < 1 || blockX > 1024 || sharedBytes < 0 || sharedBytes > 48 * 1024) {
            throw new IllegalArgumentException("block " + blockX + " or shared memory " + sharedBytes
                    + " outside 1..1024 threads and 48 KiB");
        }
    }

    /**
     * Grid-stride elementwise kernels (add, silu*mul, casts): 256 threads, 8 elements per thread per
     * step, at most 4096 blocks (the loop covers the rest).
     */
    public static KernelLaunch elementwise(long elements) {
        long blocks = Math.clamp(ceilDiv(elements, 8L * ELEMENTWISE_BLOCK), 1, ELEMENTWISE_MAX_GRID);
        return new KernelLaunch((int) blocks, 1, 1, ELEMENTWISE_BLOCK, 0);
    }

    /** One block of 128 threads per row: embedding, gather_rows, kv_cache_write, rope. */
    public static KernelLaunch perRow(int rows) {
        return new KernelLaunch(Math.max(1, rows), 1, 1, 128, 0);
    }

    /** rmsnorm and add_rmsnorm: a block per row, one 8-element vector per thread up to 1024 threads. */
    public static KernelLaunch rmsnorm(int rows, int hidden) {
        return new KernelLaunch(Math.max(1, rows), 1, 1, warpMultiple(ceilDiv(hidden, 8), 1024), 0);
    }

    /** argmax, softmax, row_max_sumexp: a block per row, up to 1024 threads. */
    public static KernelLaunch rowReduction(int rows, int vocab) {
        return new KernelLaunch(Math.max(1, rows), 1, 1, warpMultiple(ceilDiv(vocab, 4), 1024), 0);
    }

    /** count_above: a block per row, up to 512 threads. */
    public static KernelLaunch countAbove(int rows, int vocab) {
        return new KernelLaunch(Math.max(1, rows), 1, 1, warpMultiple(ceilDiv(vocab, 4), 512), 0);
    }

    /** Dynamic shared memory of the attention kernels: K tile (padded rows), V tile, 16 queries. */
    public static int attentionSharedBytes(int headDim) {
        checkHeadDim(headDim);
        return 32 * (headDim + 8) * 2 + 32 * headDim * 2 + ATTENTION_ITEMS_PER_BLOCK * headDim * 2;
    }

    /** Paged prefill: grid (ceil(maxQueryLength * heads/kvHeads / 16), kvHeads, sequences). */
    public static KernelLaunch prefill(int sequences, int maxQueryLength, int heads, int kvHeads, int headDim) {
        checkHeads(heads, kvHeads);
        long items = (long) Math.max(1, maxQueryLength) * (heads / kvHeads);
        return new KernelLaunch(Math.toIntExact(ceilDiv(items, ATTENTION_ITEMS_PER_BLOCK)), kvHeads,
                Math.max(1, sequences), ATTENTION_THREADS, attentionSharedBytes(headDim));
    }

    /** Splits of the decode pass for the longest context: 1 means no split (no workspace, no reduction). */
    public static int decodeSplits(int maxContextLength, int partitionSize) {
        if (partitionSize < 1) {
            throw new IllegalArgumentException("partition size " + partitionSize);
        }
        return Math.max(1, Math.toIntExact(ceilDiv(maxContextLength, partitionSize)));
    }

    /** Paged decode, first pass: grid (maxSplits, kvHeads, sequences). */
    public static KernelLaunch decode(int sequences, int heads, int kvHeads, int headDim, int maxSplits) {
        checkHeads(heads, kvHeads);
        return new KernelLaunch(Math.max(1, maxSplits), kvHeads, Math.max(1, sequences), ATTENTION_THREADS,
                attentionSharedBytes(headDim));
    }

    /** Paged decode, reduction of the splits: grid (heads, sequences), 128 threads. */
    public static KernelLaunch decodeReduce(int sequences, int heads) {
        return new KernelLaunch(heads, Math.max(1, sequences), 1, 128, 0);
    }

    /**
     * Bytes of f32 workspace the split decode needs: partial_max and partial_sum
     * ({@code sequences * heads * maxSplits} floats each) and partial_out (times headDim).
     */
    public static long decodeWorkspaceBytes(int sequences, int heads, int headDim, int maxSplits) {
        long partials = (long) sequences * heads * maxSplits;
        return partials * (headDim + 2L) * Float.BYTES;
    }

    private static void checkHeadDim(int headDim) {
        if (headDim < 8 || headDim > ATTENTION_MAX_HEAD_DIM || headDim % 8 != 0) {
            throw new IllegalArgumentException("head_dim " + headDim + ": the attention kernels take multiples of 8"
                    + " up to " + ATTENTION_MAX_HEAD_DIM);
        }
    }

    private static void checkHeads(int heads, int kvHeads) {
        if (kvHeads < 1 || heads < kvHeads || heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads do not group over " + kvHeads + " KV heads");
        }
    }

    private static int warpMultiple(long threads, int limit) {
        return (int) Math.min(limit, Math.max(32, ceilDiv(threads, 32) * 32));
    }

    private static long ceilDiv(long a, long b) {
        return Math.ceilDiv(a, b);
    }
}
