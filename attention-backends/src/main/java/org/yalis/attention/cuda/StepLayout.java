package org.yalis.attention.cuda;

import org.yalis.engine.attention.AttentionBatch;

/**
 * One step's attention layout as the paged kernels read it, packed into a single int32 array so that
 * it reaches the device in one copy per step:
 *
 * <pre>
 * [0, S)            query starts      (AttentionBatch.queryStarts)
 * [S, 2S)           query lengths
 * [2S, 3S)          context lengths
 * [3S, 3S+T)        slot mapping      (one cache slot per row of the step)
 * [3S+T, 3S+T+S*W)  block tables      row s = blockTables[s], padded with 0 to the common stride W
 * </pre>
 *
 * with S sequences, T tokens and W = the longest block table rounded up to a power of two. The kernels
 * never read the padding (KERNELS.md). Rounding W keeps the offsets, and so every launch's parameters,
 * the same while sequences grow by a block: a CUDA graph of one decode step replays the next ones. {@link #of} also checks on the host what the kernels leave unchecked: slots and
 * block ids inside the cache, block tables that cover each context, rows inside the step.
 *
 * @param maxQueryLength   the most new tokens of one sequence (prefill's grid)
 * @param maxContextLength the longest context (decode's splits)
 * @param singleTokens     every sequence brings exactly one token (what the decode kernels take)
 */
record StepLayout(int sequences, int tokens, int blockTableStride, int maxQueryLength, int maxContextLength,
                  boolean singleTokens, int[] packed) {

    int queryStartsOffset() {
        return 0;
    }

    int queryLengthsOffset() {
        return sequences;
    }

    int contextLengthsOffset() {
        return 2 * sequences;
    }

    int slotMappingOffset() {
        return 3 * sequences;
    }

    int blockTablesOffset() {
        return 3 * sequences + tokens;
    }

    /**
     * Packs {@code batch} for a cache of {@code blocks} blocks of {@code blockSize} slots.
     *
     * @throws IllegalArgumentException when the batch does not fit the cache or its own rows
     */
    static StepLayout of(AttentionBatch batch, int blocks, int blockSize) {
        int sequences = batch.sequences();
        int tokens = batch.tokens();
        long slots = (long) blocks * blockSize;
        if (batch.queryLengths().length != sequences || batch.contextLengths().length != sequences
                || batch.blockTables().length != sequences) {
            throw new IllegalArgumentException("attention batch arrays of different lengths");
        }
        int longestTable = 1;
        for (int[] table : batch.blockTables()) {
            longestTable = Math.max(longestTable, table.length);
        }
        int stride = paddedStride(longestTable);
        int[] packed = new int[Math.toIntExact(3L * sequences + tokens + (long) sequences * stride)];
        int maxQuery = 0;
        int maxContext = 0;
        boolean single = true;
        for (int s = 0; s < sequences; s++) {
            int start = batch.queryStarts()[s];
            int length = batch.queryLengths()[s];
            int context = batch.contextLengths()[s];
            int[] table = batch.blockTables()[s];
            if (start < 0 || length < 0 || (long) start + length > tokens) {
                throw new IllegalArgumentException("sequence " + s + ": rows [" + start + ", " + (start + length)
                        + ") outside the step's " + tokens);
            }
            if (context < length || context < 1) {
                throw new IllegalArgumentException("sequence " + s + ": context " + context + " shorter than its "
                        + length + " new tokens");
            }
            int needed = Math.ceilDiv(context, blockSize);
            if (table.length < needed) {
                throw new IllegalArgumentException("sequence " + s + ": " + table.length + " blocks hold fewer than its "
                        + context + " tokens");
            }
            for (int i = 0; i < needed; i++) {
                if (table[i] < 0 || table[i] >= blocks) {
                    throw new IllegalArgumentException("sequence " + s + ": block " + table[i] + " outside the cache of "
                            + blocks);
                }
            }
            packed[s] = start;
            packed[sequences + s] = length;
            packed[2 * sequences + s] = context;
            System.arraycopy(table, 0, packed, 3 * sequences + tokens + s * stride, table.length);
            maxQuery = Math.max(maxQuery, length);
            maxContext = Math.max(maxContext, context);
            single &= length == 1;
        }
        for (int row = 0; row < tokens; row++) {
            int slot = batch.slotMapping()[row];
            if (slot < 0 || slot >= slots) {
                throw new IllegalArgumentException("KV slot " + slot + " outside the cache of " + slots);
            }
            packed[3 * sequences + row] = slot;
        }
        return new StepLayout(sequences, tokens, stride, maxQuery, maxContext, single, packed);
    }

    /** The block-table stride for a longest table of {@code blocks}: the next power of two. */
    static int paddedStride(int blocks) {
        return blocks <= 1 ? 1 : Integer.highestOneBit(blocks - 1) << 1;
    }
}
