package org.yalis.engine.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.yalis.engine.kv.BlockTable;
import org.yalis.engine.kv.KvBlockPool;
import org.yalis.engine.model.Phase;

class SchedulerTest {

    private static Sequence sequence(int index, int promptLength, int maxLength, KvBlockPool pool) {
        int[] prompt = new int[promptLength];
        java.util.Arrays.fill(prompt, 7);
        return new Sequence(index, prompt, maxLength, new BlockTable(pool));
    }

    /** Runs a step as the engine would: records it and appends a token to every sampling sequence. */
    private static void run(Scheduler scheduler, ScheduledStep step) {
        scheduler.completed(step);
        for (ScheduledStep.Chunk chunk : step.chunks()) {
            if (chunk.samples()) {
                chunk.sequence().append(9);
            }
        }
    }

    @Test
    void prefillsInChunksThenDecodesAllRunningSequences() {
        KvBlockPool pool = new KvBlockPool(16, 4);
        Scheduler scheduler = new Scheduler(pool, 8, 5);
        Sequence a = sequence(0, 7, 20, pool);
        Sequence b = sequence(1, 2, 20, pool);
        scheduler.add(a);
        scheduler.add(b);

        ScheduledStep first = scheduler.next();
        assertEquals(Phase.PREFILL, first.phase());
        assertEquals(List.of(new ScheduledStep.Chunk(a, 0, 5, false)), first.chunks(), "budget of 5 tokens");
        run(scheduler, first);

        ScheduledStep second = scheduler.next();
        assertEquals(List.of(new ScheduledStep.Chunk(a, 5, 2, true), new ScheduledStep.Chunk(b, 0, 2, true)),
                second.chunks());
        run(scheduler, second);

        ScheduledStep decode = scheduler.next();
        assertEquals(Phase.DECODE, decode.phase());
        assertEquals(List.of(new ScheduledStep.Chunk(a, 7, 1, true), new ScheduledStep.Chunk(b, 2, 1, true)),
                decode.chunks());
    }

    @Test
    void aFullPoolPreemptsTheNewestSequenceWhichIsRecomputedLater() {
        KvBlockPool pool = new KvBlockPool(3, 2);   // 6 token slots
        Scheduler scheduler = new Scheduler(pool, 8, 64);
        Sequence older = sequence(0, 2, 10, pool);
        Sequence newer = sequence(1, 2, 10, pool);
        scheduler.add(older);
        scheduler.add(newer);
        run(scheduler, scheduler.next());   // both prefilled: 2 blocks used, each has 3 tokens now
        assertEquals(1, pool.freeBlocks());

        ScheduledStep decode = scheduler.next();   // each needs a second block: only one is free
        assertEquals(Phase.DECODE, decode.phase());
        assertEquals(1, scheduler.preemptions());
        assertEquals(List.of(new ScheduledStep.Chunk(older, 2, 1, true)), decode.chunks());
        assertEquals(0, newer.computed());
        assertFalse(newer.prefilled());
        assertEquals(0, newer.blockTable().blockCount(), "the preempted sequence gave its blocks back");
        run(scheduler, decode);

        scheduler.finish(older);
        assertEquals(3, pool.freeBlocks());
        ScheduledStep recompute = scheduler.next();
        assertEquals(Phase.PREFILL, recompute.phase());
        assertEquals(List.of(new ScheduledStep.Chunk(newer, 0, 3, true)), recompute.chunks(),
                "the preempted sequence is prefilled again with its prompt and generated token");
    }

    @Test
    void admissionWaitsForBlocksAndMaxBatch() {
        KvBlockPool pool = new KvBlockPool(4, 4);
        Scheduler scheduler = new Scheduler(pool, 1, 64);
        Sequence a = sequence(0, 3, 8, pool);
        Sequence b = sequence(1, 3, 8, pool);
        scheduler.add(a);
        scheduler.add(b);
        ScheduledStep first = scheduler.next();
        assertEquals(1, first.chunks().size(), "max batch 1 admits one sequence");
        run(scheduler, first);
        assertEquals(Phase.DECODE, scheduler.next().phase());
        scheduler.finish(a);
        assertTrue(scheduler.hasUnfinished());
        assertEquals(List.of(new ScheduledStep.Chunk(b, 0, 3, true)), scheduler.next().chunks());
    }
}
