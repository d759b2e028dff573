package org.yalis.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ComputePoolTest {
    private static final int[] COUNTS = {0, 1, 2, 7, 1000};

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void parallelForVisitsEveryIndexExactlyOnce(int threads) {
        try (ComputePool pool = new ComputePool(threads)) {
            assertEquals(threads, pool.threads());
            for (int round = 0; round < 3; round++) {   // back-to-back loops reuse the same workers
                for (int count : COUNTS) {
                    assertEachIndexVisitedOnce(count, visits -> pool.parallelFor(count, ranges(count, visits)));
                    for (int maxChunks : new int[] {1, 2, 5, 10_000}) {
                        assertEachIndexVisitedOnce(count,
                                visits -> pool.parallelFor(count, maxChunks, ranges(count, visits)));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void exceptionInATaskReachesTheCallerAndThePoolKeepsWorking(int threads) {
        try (ComputePool pool = new ComputePool(threads)) {
            IllegalStateException thrown = new IllegalStateException("task failed");
            IllegalStateException caught = assertThrows(IllegalStateException.class,
                    () -> pool.parallelFor(1000, (start, end) -> {
                        if (start <= 500 && 500 < end) {
                            throw thrown;
                        }
                    }));
            assertSame(thrown, caught);

            AssertionError error = new AssertionError("an Error, not an Exception");
            assertSame(error, assertThrows(AssertionError.class, () -> pool.parallelFor(7, (start, end) -> {
                throw error;
            })));

            for (int count : COUNTS) {
                assertEachIndexVisitedOnce(count, visits -> pool.parallelFor(count, ranges(count, visits)));
            }
        }
    }

    /**
     * The calling thread holds its chunk until a worker has taken one and thrown: the failure happens
     * on a worker thread and must still come back to the caller.
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void exceptionOnAWorkerThreadReachesTheCaller(int threads) {
        Thread caller = Thread.currentThread();
        try (ComputePool pool = new ComputePool(threads)) {
            CountDownLatch workerRan = new CountDownLatch(1);
            AtomicInteger callerWaitedInVain = new AtomicInteger();
            IllegalArgumentException thrown = new IllegalArgumentException("failed on a worker");
            IllegalArgumentException caught = assertThrows(IllegalArgumentException.class,
                    () -> pool.parallelFor(100, (start, end) -> {
                        if (Thread.currentThread() == caller) {
                            try {
                                if (!workerRan.await(30, TimeUnit.SECONDS)) {
                                    callerWaitedInVain.incrementAndGet();
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        } else {
                            workerRan.countDown();
                            throw thrown;
                        }
                    }));
            assertEquals(0, callerWaitedInVain.get(), "no worker took a chunk");
            assertSame(thrown, caught);
            assertEachIndexVisitedOnce(1000, visits -> pool.parallelFor(1000, ranges(1000, visits)));
        }
    }

    @Test
    void rejectsZeroThreads() {
        assertThrows(IllegalArgumentException.class, () -> new ComputePool(0));
    }

    private interface Loop {
        void run(AtomicIntegerArray visits);
    }

    private static ComputePool.RangeTask ranges(int count, AtomicIntegerArray visits) {
        return (start, end) -> {
            if (start < 0 || end > count || start >= end) {
                fail("bad range [" + start + ", " + end + ") of " + count);
            }
            for (int i = start; i < end; i++) {
                visits.incrementAndGet(i);
            }
        };
    }

    private static void assertEachIndexVisitedOnce(int count, Loop loop) {
        AtomicIntegerArray visits = new AtomicIntegerArray(count);
        loop.run(visits);
        for (int i = 0; i < count; i++) {
            assertEquals(1, visits.get(i), "index " + i + " of " + count);
        }
    }
}
