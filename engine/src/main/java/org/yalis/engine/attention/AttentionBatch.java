package org.yalis.engine.attention;

/**
 * The layout of one step for attention: which rows of the step's query matrix belong to which
 * sequence, how long each sequence's context is, and where its keys and values live in the paged
 * cache. Prefill and decode share it; in decode every {@code queryLengths[s]} is 1.
 *
 * @param queryStarts     per sequence, its first row in the step's q/k/v matrices
 * @param queryLengths    per sequence, how many new tokens it brings this step
 * @param contextLengths  per sequence, its tokens in the cache once this step's keys are written
 *                        (the cached prefix plus the new tokens); new token {@code i} sits at position
 *                        {@code contextLengths[s] - queryLengths[s] + i} and attends to positions up to it
 * @param blockTables     per sequence, the KV block ids that hold its positions in order
 * @param slotMapping     per row of the step, the cache slot ({@code block * blockSize + offset}) its key
 *                        and value are written to
 */
public record AttentionBatch(int[] queryStarts, int[] queryLengths, int[] contextLengths, int[][] blockTables,
                             int[] slotMapping) {

    public int sequences() {
        return queryStarts.length;
    }

    public int tokens() {
        return slotMapping.length;
    }
}
