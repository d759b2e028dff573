package org.yalis.engine.sched;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.yalis.engine.kv.KvBlockPool;
import org.yalis.engine.model.Phase;

/**
 * Continuous batching over a paged KV cache, as vLLM does it without a mixed prefill/decode step:
 * prefill first (admitting waiting sequences while their prompts fit in free blocks, in chunks of at
 * most {@code maxStepTokens} tokens), otherwise one decode step over every running sequence.
 *
 * <p>A sequence being admitted first takes what the pool's prefix cache holds of its leading full blocks
 * (their tokens are not computed again), and each step's newly full blocks are registered there.
 * A sequence is admitted only with blocks for all the tokens it brings; its growth during decode
 * takes blocks as it goes. When the pool runs dry, the most recently admitted sequence is preempted:
 * its blocks go back to the pool and it is recomputed later from its tokens (its output does not
 * change; the kernels compute each row independently of the batch).
 */
public final class Scheduler {
    private final KvBlockPool pool;
    private final int maxBatch;
    private final int maxStepTokens;
    private final Deque<Sequence> waiting = new ArrayDeque<>();
    /** Admitted sequences in admission order: the last is the first to be preempted. */
    private final List<Sequence> running = new ArrayList<>();
    private int preemptions;
    private int prefixHitTokens;

    public Scheduler(KvBlockPool pool, int maxBatch, int maxStepTokens) {
        if (maxBatch < 1 || maxStepTokens < 1) {
            throw new IllegalArgumentException("maxBatch and maxStepTokens must be positive");
        }
        this.pool = pool;
        this.maxBatch = maxBatch;
        this.maxStepTokens = maxStepTokens;
    }

    public void add(Sequence sequence) {
        waiting.addLast(sequence);
    }

    public boolean hasUnfinished() {
        return !waiting.isEmpty() || !running.isEmpty();
    }

    public int preemptions() {
        return preemptions;
    }

    /** Prompt tokens whose keys and values came from the prefix cache instead of being computed. */
    public int prefixHitTokens() {
        return prefixHitTokens;
    }

    public int running() {
        return running.size();
    }

    /** Sequences not yet admitted, or preempted and waiting to be recomputed. */
    public int waiting() {
        return waiting.size();
    }

    /** The next step to run; call only while {@link #hasUnfinished()}. */
    public ScheduledStep next() {
        List<ScheduledStep.Chunk> prefill = prefillChunks();
        if (!prefill.isEmpty()) {
            return new ScheduledStep(Phase.PREFILL, prefill);
        }
        List<ScheduledStep.Chunk> decode = new ArrayList<>();
        for (int i = 0; i < running.size(); i++) {
            Sequence sequence = running.get(i);
            while (!sequence.blockTable().ensureCapacity(sequence.length())) {
                Sequence victim = running.removeLast();
                preempt(victim);
                if (victim == sequence) {
                    break;
                }
            }
            if (running.contains(sequence)) {
                decode.add(new ScheduledStep.Chunk(sequence, sequence.computed(), 1, true));
            }
        }
        if (decode.isEmpty()) {
            throw new IllegalStateException("no sequence fits in the KV cache of " + pool.totalBlocks() + " blocks");
        }
        return new ScheduledStep(Phase.DECODE, decode);
    }

    private List<ScheduledStep.Chunk> prefillChunks() {
        List<ScheduledStep.Chunk> chunks = new ArrayList<>();
        int budget = maxStepTokens;
        for (Sequence sequence : running) {
            if (!sequence.prefilled() && budget > 0 && chunks.size() < maxBatch) {
                budget -= addChunk(chunks, sequence, budget);
            }
        }
        while (budget > 0 && !waiting.isEmpty() && running.size() < maxBatch && chunks.size() < maxBatch) {
            Sequence candidate = waiting.peekFirst();
            int hits = candidate.takeCachedPrefix(pool);
            if (!candidate.blockTable().ensureCapacity(candidate.length())) {
                candidate.returnCachedPrefix();
                break;
            }
            prefixHitTokens += hits;
            waiting.pollFirst();
            running.add(candidate);
            budget -= addChunk(chunks, candidate, budget);
        }
        return chunks;
    }

    private static int addChunk(List<ScheduledStep.Chunk> chunks, Sequence sequence, int budget) {
        int count = Math.min(sequence.pending(), budget);
        boolean completes = sequence.computed() + count == sequence.length();
        chunks.add(new ScheduledStep.Chunk(sequence, sequence.computed(), count, completes));
        return count;
    }

    private void preempt(Sequence sequence) {
        sequence.evict();
        waiting.addFirst(sequence);
        preemptions++;
    }

    /** Records that {@code step} ran: each chunk's tokens are now in the cache. */
    public void completed(ScheduledStep step) {
        for (ScheduledStep.Chunk chunk : step.chunks()) {
            chunk.sequence().advance(chunk.count(), chunk.samples());
            chunk.sequence().registerFullBlocks(pool);
        }
    }

    /** {@code sequence} stops wherever it is, waiting or running: its blocks go back to the pool. */
    public void cancel(Sequence sequence) {
        waiting.remove(sequence);
        running.remove(sequence);
        sequence.blockTable().release();
    }

    /** {@code sequence} is done: its blocks go back to the pool. */
    public void finish(Sequence sequence) {
        running.remove(sequence);
        sequence.blockTable().release();
    }
}
