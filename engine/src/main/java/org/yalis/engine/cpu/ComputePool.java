package org.yalis.engine.cpu;

import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of compute threads that split one loop at a time ({@link #parallelFor}). The calling
 * thread takes part, so {@code threads = 1} runs everything inline.
 *
 * <p>Why not an ExecutorService: a decode step issues hundreds of small parallel loops, and a
 * queue hand-off costs tens of microseconds each. Workers here spin briefly on a generation
 * counter and only then park, so back-to-back loops start in well under a microsecond.
 */
public final class ComputePool implements AutoCloseable {

    /** The body of a parallel loop over {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    private static final int SPINS_BEFORE_PARK = 1 << 16;

    private final int threads;
    private final Thread[] workers;
    private final AtomicIntegerArray sleeping;
    private volatile long generation;
    private volatile boolean running = true;
    private volatile Job job;

    private static final class Job {
        final RangeTask task;
        final int count;
        final int chunks;
        final AtomicInteger nextChunk = new AtomicInteger();
        final AtomicInteger doneChunks = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(RangeTask task, int count, int chunks) {
            this.task = task;
            this.count = count;
            this.chunks = chunks;
        }

        void runChunks() {
            int chunk;
            while ((chunk = nextChunk.getAndIncrement()) < chunks) {
                try {
                    if (failure.get() == null) {
                        int start = (int) ((long) count * chunk / chunks);
                        int end = (int) ((long) count * (chunk + 1) / chunks);
                        task.run(start, end);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    doneChunks.incrementAndGet();
                }
            }
        }
    }

    public ComputePool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.sleeping = new AtomicIntegerArray(threads - 1);
        for (int i = 0; i < workers.length; i++) {
            int index = i;
            workers[i] = Thread.ofPlatform().daemon().name("yalis-compute-" + (i + 1)).start(() -> workerLoop(index));
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} over {@code [0, count)} split into contiguous chunks across the pool. */
    public void parallelFor(int count, RangeTask task) {
        parallelFor(count, threads * 4, task);
    }

    /** As {@link #parallelFor(int, RangeTask)} with at most {@code maxChunks} chunks. */
    public void parallelFor(int count, int maxChunks, RangeTask task) {
        if (count <= 0) {
            return;
        }
        int chunks = Math.min(count, Math.max(1, maxChunks));
        if (threads == 1 || chunks == 1) {
            task.run(0, count);
            return;
        }
        Job current = new Job(task, count, chunks);
        job = current;
        generation++;   // single writer: only the calling thread starts loops
        // Pairs with the worker's fence: either it sees the new generation, or we see it asleep.
        VarHandle.fullFence();
        for (int i = 0; i < workers.length; i++) {
            if (sleeping.get(i) != 0) {
                LockSupport.unpark(workers[i]);
            }
        }
        current.runChunks();
        int spins = 0;
        while (current.doneChunks.get() < chunks) {
            if (++spins < SPINS_BEFORE_PARK) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        Throwable failure = current.failure.get();
        if (failure instanceof RuntimeException e) {
            throw e;
        } else if (failure instanceof Error e) {
            throw e;
        } else if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    private void workerLoop(int index) {
        long seenGeneration = 0;
        while (running) {
            long latest;
            int spins = 0;
            while ((latest = generation) == seenGeneration && running) {
                if (++spins < SPINS_BEFORE_PARK) {
                    Thread.onSpinWait();
                } else {
                    sleeping.set(index, 1);
                    VarHandle.fullFence();
                    if (generation == seenGeneration && running) {
                        LockSupport.park(this);
                    }
                    sleeping.set(index, 0);
                    spins = 0;
                }
            }
            seenGeneration = latest;
            Job latestJob = job;
            if (latestJob != null && running) {
                latestJob.runChunks();
            }
        }
    }

    @Override
    public void close() {
        running = false;
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
    }

}
