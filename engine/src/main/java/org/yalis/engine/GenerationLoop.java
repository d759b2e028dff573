package org.yalis.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToIntBiFunction;

import org.yalis.engine.attention.Attention;
import org.yalis.engine.comm.Communicator;
import org.yalis.engine.kv.BlockTable;
import org.yalis.engine.kv.KvBlockPool;
import org.yalis.engine.metrics.Profiler;
import org.yalis.engine.model.LlamaModel;
import org.yalis.engine.model.Phase;
import org.yalis.engine.sample.Sampler;
import org.yalis.engine.sched.ScheduledStep;
import org.yalis.engine.sched.Scheduler;
import org.yalis.engine.sched.Sequence;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * One rank's generation loop, the same for a batch known in advance and for a server's requests: before
 * each step the feed's admissions change the batch (requests join, cancelled ones leave), the scheduler
 * picks the step, the model runs it, and each sequence that reached its end samples its next token.
 * With tensor parallelism every rank runs this loop on the same admissions (rank 0's, broadcast when they
 * are not known to all in advance), so all ranks schedule, and sample, alike.
 */
final class GenerationLoop {
    private final Communicator world;
    private final ComputeBackend backend;
    private final LlamaModel model;
    private final Attention attention;
    private final KvBlockPool pool;
    private final int maxBatch;
    private final Set<Integer> eosTokenIds;
    /** Present when profiling. */
    private final Profiler profiler;
    /** The phase of the step being run: per-phase collectives read it. */
    private final AtomicReference<Phase> phase;
    /** Checks a request (its id, the request) and returns its longest length; throws when it cannot run. */
    private final ToIntBiFunction<Integer, Request> admissionCheck;
    /** Where the greedy tokens of a step are picked on the backend: one int per sampled sequence. */
    private Tensor greedyTokens;

    GenerationLoop(Communicator world, ComputeBackend backend, LlamaModel model, Attention attention, KvBlockPool pool,
                   int maxBatch, Set<Integer> eosTokenIds, Profiler profiler, AtomicReference<Phase> phase,
                   ToIntBiFunction<Integer, Request> admissionCheck) {
        this.world = world;
        this.backend = backend;
        this.model = model;
        this.attention = attention;
        this.pool = pool;
        this.maxBatch = maxBatch;
        this.eosTokenIds = Set.copyOf(eosTokenIds);
        this.profiler = profiler;
        this.phase = phase;
        this.admissionCheck = admissionCheck;
    }

    /** A request in the batch: its sequence and the times its metrics are measured from. */
    private static final class Live {
        final Request request;
        final Sequence sequence;
        final long admitted;
        long firstScheduled = -1;
        long firstToken = -1;

        Live(Request request, Sequence sequence, long admitted) {
            this.request = request;
            this.sequence = sequence;
            this.admitted = admitted;
        }
    }

    /**
     * Runs until the feed has closed and every request in the batch has finished; returns the totals.
     * {@code shareAdmissions}: rank 0 alone asks the feed and broadcasts what it said (a server's requests,
     * or cancellations only rank 0's listener knows of); otherwise every rank asks its own feed, which must
     * say the same on all. Whatever happens, the blocks of unfinished sequences go back to the pool.
     */
    BatchStats run(RequestFeed feed, GenerationListener listener, boolean shareAdmissions) {
        Scheduler scheduler = new Scheduler(pool, maxBatch, model.maxStepTokens());
        Map<Integer, Live> live = new LinkedHashMap<>();
        int vocab = model.shape().vocab();
        float[] logits = new float[0];
        int[] greedyIds = new int[0];
        int prefillTokens = 0, decodeTokens = 0, prefillSteps = 0, decodeSteps = 0;
        long prefillNanos = 0, decodeNanos = 0;
        long start = System.nanoTime();
        boolean closed = false;
        // Shared: ranks as threads read rank 0's admissions from their own threads in the broadcast.
        try (Arena broadcastArena = Arena.ofShared()) {
            AdmissionsBroadcast broadcast = shareAdmissions ? new AdmissionsBroadcast(world, broadcastArena) : null;
            while (true) {
                boolean idle = !scheduler.hasUnfinished();
                if (closed && idle) {
                    break;
                }
                Admissions admissions = broadcast == null || world.rank() == 0 ? next(feed, idle) : null;
                if (broadcast != null) {
                    admissions = broadcast.share(admissions);
                }
                closed |= admissions.closed();
                admit(admissions, live, scheduler, listener, feed);
                if (admissions.cancelled().length > 0) {
                    // Cancelled requests gave their blocks back without a step: say so now, the next step may be far.
                    listener.onStep(report(null, 0, 0, scheduler));
                }
                if (!scheduler.hasUnfinished()) {
                    continue;
                }
                ScheduledStep step = scheduler.next();
                long stepStart = System.nanoTime();
                for (ScheduledStep.Chunk chunk : step.chunks()) {
                    Live request = live.get(chunk.sequence().index());
                    if (request.firstScheduled < 0) {
                        request.firstScheduled = stepStart;
                    }
                }
                phase.set(step.phase());
                if (profiler != null) {
                    profiler.beginStep(step.phase());
                }
                Tensor logitsOnDevice = model.forward(StepBuilder.stepInput(step), attention);
                requireFiniteLogits(logitsOnDevice, step, prefillSteps + decodeSteps);
                // A step whose sequences all sample greedily takes its tokens from the backend's argmax (the
                // same choice as Sampler's): one int per sequence comes back instead of a vocabulary of floats.
                boolean greedy = allGreedy(step, live);
                if (greedy) {
                    int rows = logitsOnDevice.rows();
                    if (greedyTokens == null || greedyTokens.rows() < rows) {
                        greedyTokens = backend.allocate(DType.I32, Math.max(rows, maxBatch), 1);
                    }
                    Tensor picked = greedyTokens.firstRows(rows);
                    backend.argmaxRows(logitsOnDevice, picked);
                    if (greedyIds.length < rows) {
                        greedyIds = new int[rows];
                    }
                    backend.copyToHost(picked, greedyIds);
                } else {
                    if (logits.length < logitsOnDevice.elementCount()) {
                        logits = new float[(int) logitsOnDevice.elementCount()];
                    }
                    backend.copyToHost(logitsOnDevice, logits);
                }
                if (profiler != null) {
                    profiler.endStep(step.tokens());
                }
                long stepEnd = System.nanoTime();
                scheduler.completed(step);
                if (step.phase() == Phase.PREFILL) {
                    prefillSteps++;
                    prefillTokens += step.tokens();
                    prefillNanos += stepEnd - stepStart;
                } else {
                    decodeSteps++;
                    decodeTokens += step.tokens();
                    decodeNanos += stepEnd - stepStart;
                }
                int row = 0;
                for (ScheduledStep.Chunk chunk : step.chunks()) {
                    if (!chunk.samples()) {
                        continue;
                    }
                    Sequence sequence = chunk.sequence();
                    Live request = live.get(sequence.index());
                    int token = greedy ? greedyIds[row++] : Sampler.sample(logits, row++ * vocab, vocab,
                            request.request.sampling(), request.request.samplingStream(sequence.index()),
                            sequence.generatedCount());
                    sequence.append(token);
                    if (request.firstToken < 0) {
                        request.firstToken = stepEnd;
                    }
                    listener.onToken(sequence.index(), token);
                    FinishReason reason = finishReason(sequence, request.request, token);
                    if (reason != null) {
                        scheduler.finish(sequence);
                        live.remove(sequence.index());
                        RequestMetrics metrics = new RequestMetrics(sequence.promptLength(), sequence.generatedCount(),
                                millis(request.firstToken - request.admitted),
                                millis(request.firstToken - request.firstScheduled),
                                millis(stepEnd - request.firstToken), millis(stepEnd - request.admitted));
                        finished(new Completion(sequence.index(), sequence.prompt(), sequence.generated(), reason,
                                metrics), listener, feed);
                    }
                }
                listener.onStep(report(step.phase(), step.tokens(), stepEnd - stepStart, scheduler));
            }
        } finally {
            for (Live request : live.values()) {
                request.sequence.blockTable().release();
            }
        }
        return new BatchStats(prefillTokens, millis(prefillNanos), prefillSteps, decodeTokens, millis(decodeNanos),
                decodeSteps, scheduler.preemptions(), millis(System.nanoTime() - start), scheduler.prefixHitTokens());
    }

    private StepReport report(Phase phase, int tokens, long nanos, Scheduler scheduler) {
        return new StepReport(phase, tokens, millis(nanos), scheduler.running(), scheduler.waiting(),
                pool.totalBlocks() - pool.freeBlocks(), pool.freeBlocks(), pool.cachedBlocks(), scheduler.prefixHitTokens(),
                scheduler.preemptions());
    }

    private static Admissions next(RequestFeed feed, boolean idle) {
        try {
            return feed.next(idle);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new YalisException("interrupted while waiting for requests", e);
        }
    }

    /** New requests join the queue, then cancelled ones leave (finishing as cancelled, with what they have). */
    private void admit(Admissions admissions, Map<Integer, Live> live, Scheduler scheduler,
                       GenerationListener listener, RequestFeed feed) {
        long now = System.nanoTime();
        for (Admissions.Joining joining : admissions.joining()) {
            if (live.containsKey(joining.id())) {
                throw new IllegalStateException("request id " + joining.id() + " joined twice");
            }
            int maxLength = admissionCheck.applyAsInt(joining.id(), joining.request());
            Sequence sequence = new Sequence(joining.id(), joining.request().promptIds(), maxLength, new BlockTable(pool));
            live.put(joining.id(), new Live(joining.request(), sequence, now));
            scheduler.add(sequence);
        }
        for (int id : admissions.cancelled()) {
            Live request = live.remove(id);
            if (request == null) {
                continue;   // finished meanwhile, or cancelled twice
            }
            Sequence sequence = request.sequence;
            scheduler.cancel(sequence);
            boolean anyToken = request.firstToken >= 0;
            RequestMetrics metrics = new RequestMetrics(sequence.promptLength(), sequence.generatedCount(),
                    millis((anyToken ? request.firstToken : now) - request.admitted),
                    anyToken ? millis(request.firstToken - request.firstScheduled) : 0,
                    anyToken ? millis(now - request.firstToken) : 0, millis(now - request.admitted));
            finished(new Completion(id, sequence.prompt(), sequence.generated(), FinishReason.CANCELLED, metrics),
                    listener, feed);
        }
    }

    private static void finished(Completion completion, GenerationListener listener, RequestFeed feed) {
        feed.finished(completion.index());
        listener.onFinish(completion);
    }

    /**
     * A NaN or infinite logit would be sampled as if it meant something (greedy argmax skips NaN; a
     * softmax of infinities is NaN): stop with the step and the prompts instead. The weights were checked
     * finite at load, so this is the computation overflowing.
     */
    private void requireFiniteLogits(Tensor logits, ScheduledStep step, int stepNumber) {
        if (logits.rows() == 0 || !backend.holdsNonFinite(logits).orElse(false)) {
            return;
        }
        List<Integer> prompts = new ArrayList<>();
        for (ScheduledStep.Chunk chunk : step.chunks()) {
            if (chunk.samples()) {
                prompts.add(chunk.sequence().index() + 1);
            }
        }
        throw new YalisException("step " + (stepNumber + 1) + " (" + step.phase().name().toLowerCase(java.util.Locale.ROOT)
                + ") computed NaN or infinite logits for prompt(s) " + prompts + " although the weights are finite: "
                + "the activations overflowed the f32 range; check that the weights are the model's own (a norm or scale "
                + "far too large?)");
    }

    /** Whether every sequence that samples in {@code step} samples greedily. */
    private static boolean allGreedy(ScheduledStep step, Map<Integer, Live> live) {
        for (ScheduledStep.Chunk chunk : step.chunks()) {
            if (chunk.samples() && !live.get(chunk.sequence().index()).request.sampling().isGreedy()) {
                return false;
            }
        }
        return true;
    }

    private FinishReason finishReason(Sequence sequence, Request request, int token) {
        if (!request.ignoreEos() && eosTokenIds.contains(token)) {
            return FinishReason.STOP;
        }
        if (sequence.generatedCount() >= request.maxNewTokens() || sequence.length() >= sequence.maxLength()) {
            return FinishReason.LENGTH;
        }
        return null;
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    /**
     * Rank 0's admissions on every rank: their length, then their words, in buffers kept for the whole loop
     * (grown when a step's admissions outgrow them).
     */
    private static final class AdmissionsBroadcast {
        private final Communicator world;
        private final Arena arena;
        private final MemorySegment length;
        private MemorySegment words;

        AdmissionsBroadcast(Communicator world, Arena arena) {
            this.world = world;
            this.arena = arena;
            this.length = arena.allocate(ValueLayout.JAVA_LONG);
            this.words = arena.allocate(ValueLayout.JAVA_LONG, 64);
        }

        /** On rank 0 {@code admissions} are sent; elsewhere (null there) they are received and returned. */
        Admissions share(Admissions admissions) {
            long[] encoded = world.rank() == 0 ? admissions.encode() : null;
            if (encoded != null) {
                length.set(ValueLayout.JAVA_LONG, 0, encoded.length);
            }
            world.broadcastBytes(length, 0);
            int count = (int) length.get(ValueLayout.JAVA_LONG, 0);
            if (words.byteSize() < count * Long.BYTES) {
                words = arena.allocate(ValueLayout.JAVA_LONG, Math.max(count, words.byteSize() / Long.BYTES * 2));
            }
            MemorySegment used = words.asSlice(0, (long) count * Long.BYTES);
            if (encoded != null) {
                MemorySegment.copy(encoded, 0, used, ValueLayout.JAVA_LONG, 0, count);
            }
            world.broadcastBytes(used, 0);
            return encoded != null ? admissions : Admissions.decode(used.toArray(ValueLayout.JAVA_LONG));
        }
    }
}
