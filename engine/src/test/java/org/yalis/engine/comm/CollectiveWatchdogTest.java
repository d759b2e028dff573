package org.yalis.engine.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import org.junit.jupiter.api.Test;

/** The watchdog thread with fake groups: faults become one failure, healthy groups are left alone. */
class CollectiveWatchdogTest {
    private static final Duration POLL = Duration.ofMillis(5);

    /** A group whose health per poll is scripted; failures are recorded instead of aborting anything. */
    static final class ScriptedGroup implements CollectiveWatchdog.Watched {
        final AtomicInteger polls = new AtomicInteger();
        final List<String> failures = new CopyOnWriteArrayList<>();
        private final IntFunction<Optional<String>> faultAtPoll;

        ScriptedGroup(IntFunction<Optional<String>> faultAtPoll) {
            this.faultAtPoll = faultAtPoll;
        }

        @Override
        public Optional<String> fault(long nowNanos) {
            return faultAtPoll.apply(polls.incrementAndGet());
        }

        @Override
        public void failed(String reason) {
            failures.add(reason);
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
    }

    @Test
    void aFaultIsReportedOnceAndTheWatchdogStops() throws InterruptedException {
        CollectiveWatchdog watchdog = new CollectiveWatchdog(POLL);
        ScriptedGroup group = new ScriptedGroup(poll -> poll >= 3 ? Optional.of("peer gone") : Optional.empty());
        watchdog.watch(group);
        waitUntil(() -> !group.failures.isEmpty() && !watchdog.running());
        assertEquals(List.of("peer gone"), group.failures);
        int polls = group.polls.get();
        Thread.sleep(50);
        assertEquals(polls, group.polls.get(), "no polling after the fault");
        assertEquals(List.of("peer gone"), group.failures);
    }

    @Test
    void aCheckThatThrowsIsAFaultToo() throws InterruptedException {
        CollectiveWatchdog watchdog = new CollectiveWatchdog(POLL);
        ScriptedGroup group = new ScriptedGroup(poll -> {
            throw new IllegalStateException("ncclCommGetAsyncError failed");
        });
        watchdog.watch(group);
        waitUntil(() -> !group.failures.isEmpty());
        assertEquals(List.of("checking the group failed: ncclCommGetAsyncError failed"), group.failures);
    }

    @Test
    void healthyGroupsAreOnlyPolledAndTheThreadRunsOnlyWhileSomethingIsWatched() throws InterruptedException {
        CollectiveWatchdog watchdog = new CollectiveWatchdog(POLL);
        assertFalse(watchdog.running());
        ScriptedGroup first = new ScriptedGroup(poll -> Optional.empty());
        ScriptedGroup second = new ScriptedGroup(poll -> Optional.empty());
        watchdog.watch(first);
        watchdog.watch(second);
        assertTrue(watchdog.running());
        waitUntil(() -> first.polls.get() >= 10 && second.polls.get() >= 10);
        assertTrue(first.failures.isEmpty() && second.failures.isEmpty());

        watchdog.unwatch(first);
        assertTrue(watchdog.running(), "the second group is still watched");
        watchdog.unwatch(second);
        waitUntil(() -> !watchdog.running());
        assertFalse(watchdog.running());
        int polls = second.polls.get();
        Thread.sleep(50);
        assertTrue(second.polls.get() <= polls + 1, "at most the poll in progress finishes after the last unwatch");
    }
}
