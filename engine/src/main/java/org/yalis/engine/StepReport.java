package org.yalis.engine;

import org.yalis.engine.model.Phase;

/**
 * The batch and the KV pool after one step, with running totals since the loop started: what a server's
 * metrics show. {@code phase} is null (and {@code tokens} 0) for a change without a step: cancelled requests
 * that gave their blocks back.
 *
 * @param tokens              tokens the step computed
 * @param running             sequences admitted (holding KV blocks)
 * @param waiting             sequences not yet admitted, or preempted
 * @param kvBlocksUsed        blocks held by sequences
 * @param kvBlocksFree        blocks that can be allocated, cached ones included
 * @param kvBlocksCached      unreferenced blocks kept for the prefix cache (evicted when needed)
 * @param prefixHitTokens     prompt tokens taken from the prefix cache so far
 * @param preemptions         sequences preempted so far
 */
public record StepReport(Phase phase, int tokens, double stepMs, int running, int waiting, int kvBlocksUsed,
                         int kvBlocksFree, int kvBlocksCached, long prefixHitTokens, long preemptions) {
}
