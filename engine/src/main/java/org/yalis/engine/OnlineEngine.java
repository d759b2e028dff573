package org.yalis.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An engine that takes requests while it runs: each {@link #submit} joins the running batch at the next
 * step, streams its tokens to its own {@link RequestListener} and can be cancelled at any time. One
 * thread runs the generation loop (on every rank of the engine); the listeners are called on it, so
 * they must hand work off rather than block. A server, {@code yalis chat} or any Java application
 * embeds the engine this way.
 *
 * <p>Under MPI only rank 0's process submits; the other processes call {@link #follow} and run the
 * same batch until rank 0 shuts down.
 */
public final class OnlineEngine implements AutoCloseable {
    /** How long an idle loop waits for a request before it tells the other ranks "nothing yet". */
    private static final Duration IDLE_POLL = Duration.ofMillis(500);

    /** Hears one request: its tokens as they come, then how it ended (or that the engine failed). */
    public interface RequestListener {
        void onToken(int token);

        /**
         * Asked after each token: true ends the request before the next step (a stop string was generated), as
         * if it were cancelled then, so that no token follows it.
         */
        default boolean stopped() {
            return false;
        }

        void onFinish(Completion completion);

        /** The engine stopped with {@code failure} before this request finished. */
        default void onFailure(Throwable failure) {
        }
    }

    /** A submitted request: {@link #cancel} stops it before the next step. */
    public interface Handle {
        int id();

        void cancel();
    }

    /** The request was refused before it joined: too many are waiting, or the engine is shutting down. */
    public static final class RejectedException extends YalisException {
        private final boolean full;

        RejectedException(String message, boolean full) {
            super(message);
            this.full = full;
        }

        /** Whether it was refused for a full queue (worth retrying), rather than for shutting down. */
        public boolean full() {
            return full;
        }
    }

    private final Engine engine;
    private final int maxWaiting;
    private final LinkedBlockingQueue<Admissions.Joining> arrivals = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<Integer> cancellations = new ConcurrentLinkedQueue<>();
    private final Map<Integer, RequestListener> listeners = new ConcurrentHashMap<>();
    /** Submitted requests without their first token yet (queued, waiting or prefilling). */
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger nextId = new AtomicInteger();
    private final AtomicReference<StepReport> lastStep = new AtomicReference<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final GenerationListener observer;
    private volatile boolean closing;
    private volatile boolean closedSent;
    private final Thread loop;

    private OnlineEngine(Engine engine, int maxWaiting, GenerationListener observer) {
        this.engine = engine;
        this.maxWaiting = maxWaiting;
        this.observer = observer;
        this.loop = Thread.ofPlatform().name("yalis-serving-loop").daemon().unstarted(this::runLoop);
    }

    /**
     * Starts serving on {@code engine} (loaded on this process's ranks, rank 0 among them). At most
     * {@code maxWaiting} requests may wait for their first token; {@code observer} hears every step and
     * token of every request (metrics), on the loop thread.
     */
    public static OnlineEngine start(Engine engine, int maxWaiting, GenerationListener observer) {
        if (maxWaiting < 1) {
            throw new YalisException("--max-waiting must be at least 1, got " + maxWaiting);
        }
        if (!engine.reportsResults()) {
            throw new IllegalStateException("only the process of rank 0 takes requests; the others follow()");
        }
        OnlineEngine online = new OnlineEngine(engine, maxWaiting, observer);
        online.loop.start();
        return online;
    }

    /**
     * On a process without rank 0 (under MPI): runs the batches rank 0 admits until it shuts down.
     * Returns when it has, or throws what stopped the loop.
     */
    public static void follow(Engine engine) {
        engine.serve(idle -> {
            throw new IllegalStateException("only rank 0 asks for requests");
        }, GenerationListener.NONE);
    }

    private void runLoop() {
        try {
            engine.serve(new Feed(), new Dispatcher());
        } catch (Throwable e) {
            failure.set(e);
            for (RequestListener listener : listeners.values()) {
                listener.onFailure(e);
            }
            listeners.clear();
        } finally {
            // A request that slipped in as the loop closed never joined: it hears so rather than waiting forever.
            RejectedException late = new RejectedException("the server shut down before the request started", false);
            for (Admissions.Joining queued; (queued = arrivals.poll()) != null; ) {
                RequestListener listener = listeners.remove(queued.id());
                if (listener != null) {
                    listener.onFailure(late);
                }
            }
            stopped.countDown();
        }
    }

    /**
     * Checks {@code request} against the context and the KV pool (throws a {@link YalisException} naming
     * what is wrong), then queues it to join the batch at the next step.
     */
    public Handle submit(Request request, RequestListener listener) {
        Throwable failed = failure.get();
        if (failed != null) {
            throw new YalisException("the engine stopped: " + failed.getMessage(), failed);
        }
        if (closing) {
            throw new RejectedException("the server is shutting down and takes no new requests", false);
        }
        engine.checkOne(request);
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            throw new RejectedException(maxWaiting + " requests are already waiting to start (--max-waiting); retry "
                    + "later", true);
        }
        int id = nextId.getAndIncrement();
        listeners.put(id, listener);
        arrivals.add(new Admissions.Joining(id, request));
        return new Handle() {
            @Override
            public int id() {
                return id;
            }

            @Override
            public void cancel() {
                cancellations.add(id);
            }
        };
    }

    /** Requests submitted that have no token yet. */
    public int waiting() {
        return waiting.get();
    }

    /** The batch and the pool after the last step (null before the first). */
    public StepReport lastStep() {
        return lastStep.get();
    }

    public Engine engine() {
        return engine;
    }

    /** Why the loop stopped, when it failed. */
    public Throwable failure() {
        return failure.get();
    }

    /** Whether the loop has stopped (shut down, or failed). */
    public boolean hasStopped() {
        return stopped.getCount() == 0;
    }

    /** Waits at most {@code timeout} for the loop to stop; returns whether it has. */
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Stops taking requests and lets the batch finish; after {@code grace}, cancels what still runs. Returns
     * once the loop has stopped (every rank with it).
     */
    public void shutdown(Duration grace) throws InterruptedException {
        closing = true;
        if (!stopped.await(grace.toNanos(), TimeUnit.NANOSECONDS)) {
            cancellations.addAll(listeners.keySet());
            stopped.await();
        }
    }

    @Override
    public void close() {
        try {
            shutdown(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Rank 0's feed: what arrived and what was cancelled since the last step. */
    private final class Feed implements RequestFeed {
        @Override
        public Admissions next(boolean idle) throws InterruptedException {
            List<Admissions.Joining> joining = new ArrayList<>();
            if (idle && arrivals.isEmpty() && cancellations.isEmpty() && !closing) {
                Admissions.Joining first = arrivals.poll(IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
                if (first != null) {
                    joining.add(first);
                }
            }
            arrivals.drainTo(joining);
            List<Integer> cancelled = new ArrayList<>();
            for (Integer id; (id = cancellations.poll()) != null; ) {
                cancelled.add(id);
            }
            boolean close = closing && arrivals.isEmpty() && !closedSent;
            if (close) {
                closedSent = true;
            }
            return new Admissions(joining, cancelled.stream().mapToInt(Integer::intValue).toArray(), close);
        }
    }

    /** Hands each request's tokens and end to its listener, and every step to the observer. */
    private final class Dispatcher implements GenerationListener {
        private final java.util.Set<Integer> started = new java.util.HashSet<>();

        @Override
        public void onToken(int requestIndex, int token) {
            if (started.add(requestIndex)) {
                waiting.decrementAndGet();
            }
            observer.onToken(requestIndex, token);
            RequestListener listener = listeners.get(requestIndex);
            if (listener != null) {
                listener.onToken(token);
                if (listener.stopped()) {
                    cancellations.add(requestIndex);
                }
            }
        }

        @Override
        public void onFinish(Completion completion) {
            if (!started.remove(completion.index())) {
                waiting.decrementAndGet();
            }
            observer.onFinish(completion);
            RequestListener listener = listeners.remove(completion.index());
            if (listener != null) {
                listener.onFinish(completion);
            }
        }

        @Override
        public void onStep(StepReport report) {
            lastStep.set(report);
            observer.onStep(report);
        }
    }
}
