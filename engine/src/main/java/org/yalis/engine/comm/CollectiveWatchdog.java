package org.yalis.engine.comm;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A daemon thread that turns a group which can no longer finish its collectives into an error.
 *
 * <p>Device collectives are queued on a GPU stream and the thread that queued them blocks later,
 * in a stream synchronize, where no timeout exists: a dead peer would leave the GPU spinning and
 * the process waiting forever. So something other than that thread must look: every poll interval
 * this thread asks each watched group for a {@link Watched#fault} (NCCL's asynchronous error, a
 * collective unfinished for too long) and hands the first one found to {@link Watched#failed},
 * which aborts the job. One fault is reported once; the thread then stops.
 *
 * <p>The thread runs only while something is watched.
 */
final class CollectiveWatchdog {

    /** A group the watchdog checks, from the watchdog's thread. */
    interface Watched {
        /** Why this group can no longer complete its collectives, or empty while it is healthy. */
        Optional<String> fault(long nowNanos);

        /** Stops every rank after {@link #fault} found {@code reason}; may never return (MPI abort). */
        void failed(String reason);
    }

    private final Duration pollInterval;
    private final List<Watched> watched = new CopyOnWriteArrayList<>();
    private Thread thread;
    private boolean faulted;

    CollectiveWatchdog(Duration pollInterval) {
        this.pollInterval = pollInterval;
    }

    synchronized void watch(Watched group) {
        watched.add(group);
        if (thread == null && !faulted) {
            thread = Thread.ofPlatform().daemon().name("yalis-collective-watchdog").start(this::run);
        }
    }

    synchronized void unwatch(Watched group) {
        watched.remove(group);
        if (watched.isEmpty() && thread != null) {
            thread.interrupt();
            thread = null;
        }
    }

    /** Whether the polling thread is running (tests). */
    synchronized boolean running() {
        return thread != null && thread.isAlive();
    }

    private void run() {
        Thread self = Thread.currentThread();
        while (!self.isInterrupted()) {
            try {
                Thread.sleep(pollInterval);
            } catch (InterruptedException e) {
                return;
            }
            for (Watched group : watched) {
                Optional<String> fault;
                try {
                    fault = group.fault(System.nanoTime());
                } catch (RuntimeException e) {
                    // A check that cannot even ask the library is itself a sign the group is broken.
                    fault = Optional.of("checking the group failed: " + e.getMessage());
                }
                if (fault.isPresent()) {
                    synchronized (this) {
                        if (faulted) {
                            return;   // a thread replaced after an unwatch/watch already reported one
                        }
                        faulted = true;
                        if (thread == self) {
                            thread = null;
                        }
                    }
                    group.failed(fault.get());
                    return;
                }
            }
        }
    }
}
