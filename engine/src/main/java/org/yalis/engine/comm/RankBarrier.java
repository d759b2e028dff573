package org.yalis.engine.comm;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A reusable barrier for the threads of one in-process group that fails fast: once any member
 * aborts, every waiting and future {@link #await} throws with the cause, and a member that waits
 * longer than the timeout breaks the barrier for all. Waiters spin for up to {@link #SPIN_NANOS}
 * (a decode step's collectives come every few hundred microseconds: a rank that parked between them
 * would pay a wake-up at each one), then yield, then sleep in short naps, so that a rank left waiting
 * long (another rank loading, or stuck) does not hold a core.
 */
final class RankBarrier {
    /** How long a waiter spins before it yields: longer than the gap between a decode step's collectives. */
    private static final long SPIN_NANOS = 2_000_000;
    private static final int YIELDS = 2_000;

    private final int parties;
    private final long timeoutNanos;
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile int generation;
    /** Shared by every group split from the same world, so one abort stops them all. */
    private final AtomicReference<Throwable> failure;

    RankBarrier(int parties, long timeoutNanos, AtomicReference<Throwable> failure) {
        this.parties = parties;
        this.timeoutNanos = timeoutNanos;
        this.failure = failure;
    }

    void await(String operation) {
        checkFailure(operation);
        int current = generation;
        if (arrived.incrementAndGet() == parties) {
            arrived.set(0);
            generation = current + 1;
            return;
        }
        long start = System.nanoTime();
        boolean spinning = true;
        int yields = 0;
        while (generation == current) {
            checkFailure(operation);
            if (spinning) {
                Thread.onSpinWait();
                spinning = System.nanoTime() - start < SPIN_NANOS;
            } else if (yields < YIELDS) {
                Thread.yield();
                yields++;
            } else {
                LockSupport.parkNanos(50_000);
                if (System.nanoTime() - start > timeoutNanos) {
                    CommunicationException timeout = new CommunicationException(operation + " waited "
                            + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s for the other ranks; a rank is stuck "
                            + "or did not enter the same collective");
                    fail(timeout);
                    throw timeout;
                }
            }
        }
        checkFailure(operation);
    }

    /** Breaks the barrier for every member; the first cause wins. */
    void fail(Throwable cause) {
        failure.compareAndSet(null, cause);
    }

    private void checkFailure(String operation) {
        Throwable cause = failure.get();
        if (cause != null) {
            if (cause instanceof CommunicationException communication) {
                throw communication;
            }
            throw new CommunicationException(operation + " stopped: another rank failed (" + cause + ")", cause);
        }
    }
}
