package org.yalis.engine.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The event bookkeeping behind NCCL's stats and watchdog, on a fake GPU that finishes events when told. */
class QueuedCollectivesTest {

    /** An event of the fake GPU: done once the GPU has passed it, at a GPU time in milliseconds. */
    static final class FakeEvent {
        boolean done;
        float atMillis;
    }

    /** A stream whose events finish in the order they were recorded, when the test says so. */
    static final class FakeGpu implements QueuedCollectives.Events<FakeEvent> {
        final List<FakeEvent> created = new ArrayList<>();
        final List<FakeEvent> destroyed = new ArrayList<>();
        final List<FakeEvent> recorded = new ArrayList<>();
        int awaits;
        float clockMillis;

        /** The GPU runs for {@code millis} and passes the next recorded event. */
        void pass(float millis) {
            clockMillis += millis;
            FakeEvent next = recorded.removeFirst();
            next.done = true;
            next.atMillis = clockMillis;
        }

        @Override
        public FakeEvent create() {
            FakeEvent event = new FakeEvent();
            created.add(event);
            return event;
        }

        @Override
        public void record(FakeEvent event) {
            event.done = false;
            recorded.add(event);
        }

        @Override
        public boolean isDone(FakeEvent event) {
            return event.done;
        }

        @Override
        public void await(FakeEvent event) {
            awaits++;
            while (!event.done) {
                pass(1);
            }
        }

        @Override
        public float elapsedMillis(FakeEvent start, FakeEvent end) {
            return end.atMillis - start.atMillis;
        }

        @Override
        public void destroy(FakeEvent event) {
            destroyed.add(event);
        }
    }

    private static void queue(QueuedCollectives<FakeEvent> queued, CommStats.Operation operation, long bytes,
                              long nowNanos) {
        FakeEvent start = queued.start();
        queued.queued(start, operation, bytes, nowNanos);
    }

    @Test
    void recordedTimeIsTheGpusTimeBetweenTheEventsNotTheHosts() {
        FakeGpu gpu = new FakeGpu();
        QueuedCollectives<FakeEvent> queued = new QueuedCollectives<>(gpu);
        CommStats stats = new CommStats();
        queue(queued, CommStats.Operation.ALL_REDUCE, 8192, 0);
        queue(queued, CommStats.Operation.ALL_REDUCE, 8192, 0);
        gpu.pass(5);     // GPU reaches the first start
        gpu.pass(0.25f); // ... and the first end: 250 us in the collective
        gpu.pass(3);
        gpu.pass(1.5f);
        queued.harvestFinished(stats);
        CommStats.Totals totals = stats.get(CommStats.Operation.ALL_REDUCE);
        assertEquals(2, totals.calls());
        assertEquals(2 * 8192, totals.bytes());
        assertEquals(1_750_000, totals.nanos(), 1_000);
        assertEquals(0, queued.size());
    }

    @Test
    void harvestingStopsAtTheFirstCollectiveTheGpuHasNotFinished() {
        FakeGpu gpu = new FakeGpu();
        QueuedCollectives<FakeEvent> queued = new QueuedCollectives<>(gpu);
        CommStats stats = new CommStats();
        queue(queued, CommStats.Operation.ALL_GATHER, 100, 0);
        queue(queued, CommStats.Operation.BROADCAST, 200, 0);
        gpu.pass(1);
        gpu.pass(1);
        gpu.pass(1);   // the broadcast has started, not finished
        queued.harvestFinished(stats);
        assertEquals(1, stats.get(CommStats.Operation.ALL_GATHER).calls());
        assertEquals(0, stats.get(CommStats.Operation.BROADCAST).calls());
        assertEquals(1, queued.size());
        assertEquals(0, gpu.awaits, "harvesting what is finished never waits");

        queued.harvestAll(stats);
        assertEquals(1, gpu.awaits, "reading everything waits for the last collective");
        assertEquals(1, stats.get(CommStats.Operation.BROADCAST).calls());
        assertEquals(0, queued.size());
    }

    @Test
    void eventsAreRecycledSoASteadyStreamOfCollectivesCreatesNoMore() {
        FakeGpu gpu = new FakeGpu();
        QueuedCollectives<FakeEvent> queued = new QueuedCollectives<>(gpu);
        CommStats stats = new CommStats();
        for (int step = 0; step < 100; step++) {
            queue(queued, CommStats.Operation.ALL_REDUCE, 4, step);
            gpu.pass(1);
            gpu.pass(1);
            queued.harvestFinished(stats);
        }
        assertEquals(100, stats.get(CommStats.Operation.ALL_REDUCE).calls());
        assertEquals(2, gpu.created.size());

        FakeEvent start = queued.start();
        queued.abandon(start);   // the call failed: its start event is reused
        queue(queued, CommStats.Operation.ALL_REDUCE, 4, 0);
        assertEquals(2, gpu.created.size());

        queued.close();
        assertEquals(gpu.created.size(), gpu.destroyed.size(), "close destroys every event, queued or spare");
    }

    @Test
    void theWatchdogSeesTheOldestUnfinishedCollectiveAndItsAge() {
        FakeGpu gpu = new FakeGpu();
        QueuedCollectives<FakeEvent> queued = new QueuedCollectives<>(gpu);
        assertTrue(queued.oldestUnfinished(10).isEmpty());
        queue(queued, CommStats.Operation.ALL_REDUCE, 64, 1_000);
        queue(queued, CommStats.Operation.ALL_GATHER, 32, 2_000);
        QueuedCollectives.Unfinished oldest = queued.oldestUnfinished(5_000).orElseThrow();
        assertEquals(CommStats.Operation.ALL_REDUCE, oldest.operation());
        assertEquals(64, oldest.bytes());
        assertEquals(4_000, oldest.ageNanos());

        gpu.pass(1);
        gpu.pass(1);   // the all-reduce is done; the watchdog does not harvest, it looks past it
        oldest = queued.oldestUnfinished(5_000).orElseThrow();
        assertEquals(CommStats.Operation.ALL_GATHER, oldest.operation());
        assertEquals(3_000, oldest.ageNanos());

        gpu.pass(1);
        gpu.pass(1);
        assertTrue(queued.oldestUnfinished(5_000).isEmpty());
    }
}
