package org.yalis.engine.comm;

import java.util.ArrayDeque;
import java.util.Optional;

/**
 * The collectives a communicator has queued on a GPU stream, each between two events, until the
 * GPU is seen to have finished them. Two uses:
 * <ul>
 *   <li><b>Time.</b> A stream-ordered call returns once the work is queued, so the host clock around
 *       it measures the launch only. The time between a collective's start and end events is the
 *       time the GPU spent on it (waiting for the slowest peer included, as with the host backends).
 *       Finished collectives are moved into {@link CommStats} when the communicator next queues one
 *       or when its stats are read; reading stats waits for the last one. No stream is ever
 *       synchronized just to measure.</li>
 *   <li><b>Stalls.</b> The watchdog asks for the oldest collective not yet finished and its age.</li>
 * </ul>
 * Events are recycled. The thread that queues collectives is the only one that records, harvests
 * and recycles; the watchdog only queries, under this object's lock.
 *
 * @param <E> the event type ({@code CudaEvent} in production, a fake in tests)
 */
final class QueuedCollectives<E> implements AutoCloseable {

    /** Events on the stream the collectives are queued on. */
    interface Events<E> {
        E create();

        /** Records {@code event} on the stream: it completes when the work queued before it has. */
        void record(E event);

        /** Whether {@code event} has completed, without waiting. */
        boolean isDone(E event);

        /** Waits until {@code event} has completed. */
        void await(E event);

        /** Milliseconds between two completed events. */
        float elapsedMillis(E start, E end);

        void destroy(E event);
    }

    /** A collective queued {@code ageNanos} ago that the GPU has not finished. */
    record Unfinished(CommStats.Operation operation, long bytes, long ageNanos) {
    }

    private record Queued<E>(CommStats.Operation operation, long bytes, E start, E end, long queuedAtNanos) {
    }

    private final Events<E> events;
    private final ArrayDeque<Queued<E>> queued = new ArrayDeque<>();
    private final ArrayDeque<E> spare = new ArrayDeque<>();

    QueuedCollectives(Events<E> events) {
        this.events = events;
    }

    /** Records the start of a collective about to be queued; pass the result to {@link #queued} or {@link #abandon}. */
    synchronized E start() {
        E start = take();
        events.record(start);
        return start;
    }

    /** The collective begun with {@code start} is queued: records its end and remembers it. */
    synchronized void queued(E start, CommStats.Operation operation, long bytes, long nowNanos) {
        E end = take();
        events.record(end);
        queued.addLast(new Queued<>(operation, bytes, start, end, nowNanos));
    }

    /** The collective begun with {@code start} was never queued (its call failed). */
    synchronized void abandon(E start) {
        spare.push(start);
    }

    /** Moves the collectives the GPU has finished, oldest first, into {@code stats}. */
    synchronized void harvestFinished(CommStats stats) {
        while (!queued.isEmpty() && events.isDone(queued.peekFirst().end())) {
            Queued<E> done = queued.pollFirst();
            long nanos = Math.round(events.elapsedMillis(done.start(), done.end()) * 1e6);
            stats.record(done.operation(), done.bytes(), nanos);
            spare.push(done.start());
            spare.push(done.end());
        }
    }

    /** Waits for every queued collective, then moves them all into {@code stats}. */
    void harvestAll(CommStats stats) {
        E last;
        synchronized (this) {
            if (queued.isEmpty()) {
                return;
            }
            last = queued.peekLast().end();
        }
        // Outside the lock: the watchdog must still be able to look while this waits on a stalled GPU.
        events.await(last);
        harvestFinished(stats);
    }

    /** The oldest collective the GPU has not finished, for the watchdog. */
    synchronized Optional<Unfinished> oldestUnfinished(long nowNanos) {
        for (Queued<E> each : queued) {
            if (!events.isDone(each.end())) {
                return Optional.of(new Unfinished(each.operation(), each.bytes(), nowNanos - each.queuedAtNanos()));
            }
        }
        return Optional.empty();
    }

    synchronized int size() {
        return queued.size();
    }

    /** Destroys every event; collectives still queued are forgotten. */
    @Override
    public synchronized void close() {
        for (Queued<E> each : queued) {
            events.destroy(each.start());
            events.destroy(each.end());
        }
        queued.clear();
        spare.forEach(events::destroy);
        spare.clear();
    }

    private E take() {
        return spare.isEmpty() ? events.create() : spare.pop();
    }
}
