package org.yalis.engine.comm;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A reusable barrier for the threads of one in-process group that fails fast: once any member
 * aborts, every waiting and future {@link #await} throws with the cause, and a member that waits
 * longer than the timeout breaks the barrier for all. Waiters spin briefly, then yield, then sleep
 * in short naps, so ranks that share cores with each other's compute threads do not starve them.
 */
final class RankBarrier {
    private static final int SPINS = 2_000;
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
        int waits = 0;
        while (generation == current) {
            checkFailure(operation);
            if (waits < SPINS) {
                Thread.onSpinWait();
            } else if (waits < SPINS + YIELDS) {
                Thread.yield();
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
            waits++;
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
