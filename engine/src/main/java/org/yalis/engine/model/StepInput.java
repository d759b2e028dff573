package org.yalis.engine.model;

import org.yalis.engine.attention.AttentionBatch;

/**
 * Everything one forward step consumes: the tokens (of all sequences, concatenated), their
 * positions, the attention layout, and which rows need logits (the last token of each sequence
 * that samples this step).
 */
public record StepInput(Phase phase, int[] tokenIds, int[] positions, AttentionBatch attention, int[] logitRows) {

    public int tokens() {
        return tokenIds.length;
    }
}
