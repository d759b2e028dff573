package org.yalis.engine.sched;

import java.util.List;

import org.yalis.engine.model.Phase;

/**
 * What one forward step computes: a chunk of tokens from each of several sequences.
 *
 * @param chunks sequences in the order their rows appear in the step
 */
public record ScheduledStep(Phase phase, List<Chunk> chunks) {

    /**
     * Tokens {@code [start, start + count)} of {@code sequence}; when {@code samples}, the chunk
     * reaches the sequence's end and its last row's logits give the next token.
     */
    public record Chunk(Sequence sequence, int start, int count, boolean samples) {
    }

    public int tokens() {
        return chunks.stream().mapToInt(Chunk::count).sum();
    }

    public int sampledSequences() {
        return (int) chunks.stream().filter(Chunk::samples).count();
    }
}
