package org.yalis.engine;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

import org.yalis.engine.attention.Attention;
import org.yalis.engine.attention.AttentionBackend;
import org.yalis.engine.attention.AttentionBackends;
import org.yalis.engine.attention.AttentionSpec;
import org.yalis.engine.checkpoint.Checkpoint;
import org.yalis.engine.comm.CommStats;
import org.yalis.engine.comm.Communicator;
import org.yalis.engine.comm.InjectedFault;
import org.yalis.engine.comm.DeviceStreamSource;
import org.yalis.engine.kv.BlockTable;
import org.yalis.engine.metrics.PhaseBreakdown;
import org.yalis.engine.metrics.ProfiledModules;
import org.yalis.engine.metrics.Profiler;
import org.yalis.engine.kv.KvBlockPool;
import org.yalis.engine.model.LlamaConfig;
import org.yalis.engine.model.DecodeGraphs;
import org.yalis.engine.model.LlamaModel;
import org.yalis.engine.model.LocalShape;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.model.Phase;
import org.yalis.engine.parallel.GridPlan;
import org.yalis.engine.parallel.RankGrid;
import org.yalis.engine.parallel.ShardingPlan;
import org.yalis.engine.parallel.SingleRankPlan;
import org.yalis.engine.sample.SamplingParams;
import org.yalis.engine.sched.ScheduledStep;
import org.yalis.engine.sched.Sequence;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.ComputeBackendProvider;
import org.yalis.engine.tensor.ComputeBackends;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * One rank of a loaded model: its share of the weights placed on its compute backend, its paged KV
 * cache behind an attention backend, and the loop that schedules, runs and samples steps until every
 * request is done. With tensor parallelism every rank runs this same loop on the same inputs; the
 * sharding plan's collectives keep their hidden states, and so their sampled tokens, identical.
 */
final class EngineRank implements AutoCloseable {
    /** Share of the memory available after loading the weights that a default KV pool may take. */
    private static final double DEFAULT_KV_SHARE = 0.5;

    private final EngineOptions options;
    private final Communicator world;
    /** Every group this rank talks in (the world, and the grid's row and column groups). */
    private final List<Communicator> groups;
    private final ModelFolder folder;
    private final Set<Integer> eosTokenIds;
    private final Arena checkpointArena;
    private final ComputeBackend backend;
    private final LlamaModel model;
    private final KvBlockPool pool;
    private final Attention attention;
    private final int maxSequenceLength;
    /** Present when profiling. */
    private final Profiler profiler;
    /** The phase of the step being run: per-phase collectives read it. */
    private final AtomicReference<Phase> phase;
    private final GenerationLoop loop;
    private BatchStats lastStats;

    private EngineRank(EngineOptions options, Communicator world, List<Communicator> groups, ModelFolder folder,
                       Arena checkpointArena,
                       ComputeBackend backend, LlamaModel model, KvBlockPool pool, Attention attention,
                       int maxSequenceLength, Profiler profiler, AtomicReference<Phase> phase) {
        this.options = options;
        this.world = world;
        this.groups = groups;
        this.folder = folder;
        this.eosTokenIds = new HashSet<>(folder.eosTokenIds());
        this.checkpointArena = checkpointArena;
        this.backend = backend;
        this.model = model;
        this.pool = pool;
        this.attention = attention;
        this.maxSequenceLength = maxSequenceLength;
        this.profiler = profiler;
        this.phase = phase;
        this.loop = new GenerationLoop(world, backend, model, attention, pool, options.maxBatch(), eosTokenIds, profiler,
                phase, this::check);
    }

    /**
     * Loads this rank's share of the model in {@code folder}: maps the checkpoint, places its weights
     * on a backend of {@code threads} threads, agrees with the other ranks on the KV pool size and
     * checks that they all run the same model and flags. Collective: every rank of {@code world}
     * calls it at the same time.
     */
    static EngineRank load(ModelFolder folder, EngineOptions options, Communicator world, AtomicReference<Phase> phase,
                           int threads, BiConsumer<String, Long> progress) {
        LlamaConfig config = folder.config();
        int maxSequenceLength = options.maxSequenceLength() == 0 ? config.maxPositions()
                : Math.min(options.maxSequenceLength(), config.maxPositions());
        requireSameEverywhere(world, "model and flags", fingerprint(config + "|" + options.device() + "|"
                + options.weights().name() + "|" + options.attention() + "|" + options.kvBlockSize() + "|"
                + options.kvCacheBytes() + "|" + options.maxBatch() + "|" + options.maxStepTokens() + "|"
                + options.maxSequenceLength() + "|" + options.tpRows() + "x" + options.tpCols() + "|"
                + options.collectivePrefill() + "|" + options.collectiveDecode() + "|" + options.cudaGraphs() + "|"
                + options.batchInvariant() + "|" + options.quantization() + "|" + options.prefixCache()));
        RankGrid grid = new RankGrid(options.tpRows(), options.tpCols(), world.rank());
        Arena arena = Arena.ofShared();
        ComputeBackend backend = null;
        Attention attention = null;
        try {
            if (options.kvBlockSize() > config.maxPositions()) {
                throw new YalisException("--kv-block-size " + options.kvBlockSize() + " is longer than a sequence can be ("
                        + config.maxPositions() + " tokens, the model's context); use the default 16, or a size up to it");
            }
            backend = createBackend(options, threads);
            if (backend instanceof DeviceStreamSource source) {
                // Device collectives queue on the backend's stream; the groups split below inherit it.
                world.useDeviceStream(source.deviceStream());
            }
            // The KV cache is kept in the activation dtype: f32 on the CPU, bf16 on a GPU.
            DType kvDType = backend.activationDType();
            // A backend/attention mismatch is refused before minutes of weight loading, not after (only the
            // device, head width, KV dtype and block size decide; the pool's size comes later).
            AttentionBackends.select(options.attention(), backend.name(), new AttentionSpec(config.layers(),
                    config.heads(), config.kvHeads(), config.headDim(), 1f, options.kvBlockSize(), 0, kvDType));
            Profiler profiler = options.profile() ? new Profiler(backend.stepClock()) : null;
            Checkpoint checkpoint = Checkpoint.open(folder.path(), arena);
            List<Communicator> groups = new ArrayList<>(List.of(world));
            ShardingPlan plan = new SingleRankPlan();
            if (grid.size() > 1) {
                Communicator rowGroup = world.split(grid.row(), grid.col());
                Communicator columnGroup = world.split(grid.col(), grid.row());
                groups.add(rowGroup);
                groups.add(columnGroup);
                plan = profiler == null ? new GridPlan(config, grid, rowGroup, columnGroup)
                        : new GridPlan(config, grid, ProfiledModules.communicator(rowGroup, profiler),
                        ProfiledModules.communicator(columnGroup, profiler));
            }
            if (profiler != null) {
                plan = ProfiledModules.plan(plan, profiler);
            }
            // A step never holds more than --max-batch sequences of the whole context: a larger cap would only
            // size activations no step can fill.
            int maxStepTokens = (int) Math.min(options.maxStepTokens(), (long) maxSequenceLength * options.maxBatch());
            LlamaModel model = LlamaModel.load(config, checkpoint, backend, plan, maxSequenceLength,
                    maxStepTokens, options.maxBatch(), progress);
            if (options.cudaGraphs()) {
                model.replayDecodeFromGraphs();
            }
            if (!backend.readsCheckpointMemory()) {
                // Every weight is in the backend's own memory now: unmap the checkpoint, so that its pages
                // (already dropped one by one as they were copied, on the CPU) no longer belong to us.
                arena.close();
            }
            LocalShape shape = model.shape();
            int blocks = kvBlocks(options, shape, config.layers(), maxSequenceLength, kvDType,
                    backend.freeDeviceMemoryBytes().orElseGet(EngineRank::availableMemoryBytes));
            // Ranks schedule in lockstep, so they must agree on the pool: the smallest one wins.
            int worldRank = world.rank();
            InjectedFault.fromEnvironment().ifPresent(fault -> fault.atLoad(worldRank));
            blocks = (int) Arrays.stream(world.allGatherLong(blocks)).min().orElseThrow();
            AttentionSpec spec = new AttentionSpec(config.layers(), shape.heads(), shape.kvHeads(), shape.headDim(),
                    (float) (1.0 / Math.sqrt(shape.headDim())), options.kvBlockSize(), blocks, kvDType);
            AttentionBackend attentionBackend = AttentionBackends.select(options.attention(), backend.name(), spec);
            attention = attentionBackend.create(spec, backend);
            if (profiler != null) {
                attention = ProfiledModules.attention(attention, profiler);
            }
            return new EngineRank(options, world, List.copyOf(groups), folder, arena, backend, model,
                    new KvBlockPool(blocks, options.kvBlockSize(), options.prefixCache()), attention, maxSequenceLength, profiler, phase);
        } catch (RuntimeException | Error e) {
            world.abort(e);
            if (attention != null) {
                attention.close();
            }
            if (backend != null) {
                backend.close();
            }
            if (arena.scope().isAlive()) {
                arena.close();
            }
            throw e;
        }
    }

    /** FNV-1a over the UTF-8 bytes: the same in every JVM, unlike identity-based hash codes. */
    static long fingerprint(String text) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return hash;
    }

    /** Every rank must pass the same {@code value}; a mismatch is an error that names the ranks. */
    static void requireSameEverywhere(Communicator world, String what, long value) {
        long[] values = world.allGatherLong(value);
        for (int r = 1; r < values.length; r++) {
            if (values[r] != values[0]) {
                throw new YalisException("rank " + r + " has a different " + what + " than rank 0; start every rank "
                        + "with the same command line and model folder");
            }
        }
    }

    private static ComputeBackend createBackend(EngineOptions options, int threads) {
        return ComputeBackends.named(options.device()).open(new ComputeBackendProvider.Settings(threads,
                options.weights(), options.batchInvariant(), options.quantization()));
    }

    /**
     * Pool size: as asked, or enough for a full batch of the longest sequences within a share of the
     * memory still available after the weights (the backend's device memory, else the host's).
     */
    private static int kvBlocks(EngineOptions options, LocalShape shape, int layers, int maxSequenceLength,
                                DType kvDType, long availableBytes) {
        long bytesPerBlock = AttentionSpec.bytesPerBlock(layers, shape.kvHeads(), shape.headDim(),
                options.kvBlockSize(), kvDType);
        if (options.kvCacheBytes() > 0) {
            if (options.kvCacheBytes() > availableBytes) {
                throw new YalisException("--kv-cache-memory " + Sizes.format(options.kvCacheBytes()) + " is more than the "
                        + Sizes.format(availableBytes) + " of memory available after loading the weights; give at most "
                        + Sizes.format(availableBytes) + " (or leave it out: the default fits the run)");
            }
            long blocks = options.kvCacheBytes() / bytesPerBlock;
            if (blocks == 0) {
                throw new YalisException("--kv-cache-memory " + Sizes.format(options.kvCacheBytes())
                        + " holds no KV block: one block of " + options.kvBlockSize() + " tokens takes "
                        + Sizes.format(bytesPerBlock) + "; give at least that much");
            }
            return (int) Math.min(Integer.MAX_VALUE, blocks);
        }
        long perSequence = (maxSequenceLength + options.kvBlockSize() - 1) / options.kvBlockSize();
        long wanted = perSequence * options.maxBatch();
        long affordable = (long) (availableBytes * DEFAULT_KV_SHARE) / bytesPerBlock;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.min(wanted, affordable)));
    }

    /** MemAvailable from /proc/meminfo (what the kernel can give without swapping), else the JVM's view. */
    static long availableMemoryBytes() {
        return org.yalis.engine.metrics.ProcessMemory.availableBytes();
    }

    public ModelFolder folder() {
        return folder;
    }

    public LlamaConfig config() {
        return folder.config();
    }

    public ComputeBackend backend() {
        return backend;
    }

    public KvBlockPool kvPool() {
        return pool;
    }

    public long kvCacheBytes() {
        return attention.kvCacheBytes();
    }

    public EngineOptions options() {
        return options;
    }

    int maxSequenceLength() {
        return maxSequenceLength;
    }

    /** Totals of the last {@link #generate} call. */
    public BatchStats lastStats() {
        return lastStats;
    }

    /**
     * Generates completions for {@code requests}, batched, and returns them in input order. The KV
     * pool is back to all free when this returns.
     */
    public List<Completion> generate(List<Request> requests, GenerationListener listener, boolean cancels) {
        try {
            requireSameEverywhere(world, "set of prompts and sampling parameters", requestsHash(requests));
            // Ranks as processes each hold their own listener: whether any cancels is agreed, so that every
            // rank makes the same per-step broadcast or none does.
            boolean anyCancels = world.size() == 1 ? cancels
                    : Arrays.stream(world.allGatherLong(cancels ? 1 : 0)).anyMatch(flag -> flag != 0);
            List<Completion> completions = generateOnThisRank(requests, listener, anyCancels);
            long outputs = 0;
            for (Completion completion : completions) {
                outputs = outputs * 31 + Arrays.hashCode(completion.generatedIds());
            }
            long[] everyRank = world.allGatherLong(outputs);
            for (int r = 1; r < everyRank.length; r++) {
                if (everyRank[r] != everyRank[0]) {
                    throw new IllegalStateException("rank " + r + " generated different tokens than rank 0");
                }
            }
            return completions;
        } catch (RuntimeException | Error e) {
            world.abort(e);
            throw e;
        }
    }

    private static long requestsHash(List<Request> requests) {
        StringBuilder text = new StringBuilder();
        for (Request request : requests) {
            text.append(Arrays.toString(request.promptIds())).append(request.maxNewTokens()).append(request.sampling())
                    .append(request.ignoreEos()).append(request.samplingStream()).append(';');
        }
        return fingerprint(text.toString());
    }

    private List<Completion> generateOnThisRank(List<Request> requests, GenerationListener listener, boolean cancels) {
        // Checked before anything runs: a request that cannot run fails the call, not the batch halfway.
        for (int i = 0; i < requests.size(); i++) {
            check(i, requests.get(i));
        }
        Completion[] completions = new Completion[requests.size()];
        GenerationListener collecting = new GenerationListener() {
            @Override
            public boolean cancels() {
                return listener.cancels();
            }

            @Override
            public boolean cancelled(int requestIndex) {
                return listener.cancelled(requestIndex);
            }

            @Override
            public void onToken(int requestIndex, int token) {
                listener.onToken(requestIndex, token);
            }

            @Override
            public void onFinish(Completion completion) {
                completions[completion.index()] = completion;
                listener.onFinish(completion);
            }

            @Override
            public void onStep(StepReport report) {
                listener.onStep(report);
            }
        };
        lastStats = loop.run(new BatchFeed(requests, collecting), collecting, cancels && world.size() > 1);
        return List.of(completions);
    }

    /**
     * Runs requests as {@code feed} admits them until it closes and the batch is empty (a server's loop):
     * rank 0's feed decides, and with several ranks its admissions reach every rank before each step.
     * {@code listener} hears this rank.
     */
    public BatchStats serve(RequestFeed feed, GenerationListener listener) {
        try {
            lastStats = loop.run(feed, listener, world.size() > 1);
            return lastStats;
        } catch (RuntimeException | Error e) {
            world.abort(e);
            throw e;
        }
    }

    /**
     * The logits after the last of {@code tokens} (a prefill of them alone, in chunks if long): for
     * checks that compare backends, dtypes or parallel layouts on more than the argmax.
     */
    public float[] lastPositionLogits(int[] tokens) {
        Sequence sequence = admissible(0, new Request(tokens, 1, SamplingParams.greedy(), true));
        try {
            return forwardPrompt(sequence, tokens);
        } catch (RuntimeException | Error e) {
            world.abort(e);
            throw e;
        } finally {
            sequence.blockTable().release();
        }
    }

    private float[] forwardPrompt(Sequence sequence, int[] tokens) {
        {
            if (!sequence.blockTable().ensureCapacity(tokens.length)) {
                throw new YalisException("the KV cache cannot hold " + tokens.length + " tokens");
            }
            Tensor logits = null;
            for (int start = 0; start < tokens.length; start += model.maxStepTokens()) {
                int count = Math.min(model.maxStepTokens(), tokens.length - start);
                boolean last = start + count == tokens.length;
                phase.set(Phase.PREFILL);
                logits = model.forward(StepBuilder.stepInput(new ScheduledStep(Phase.PREFILL,
                        List.of(new ScheduledStep.Chunk(sequence, start, count, last)))), attention);
            }
            float[] host = new float[model.shape().vocab()];
            backend.copyToHost(logits, host);
            return host;
        }
    }

    /**
     * Checks every request against the context and the KV pool, as {@link #generate} does before it
     * runs anything: a caller can report a request that cannot run before it prints anything else.
     */
    public void check(List<Request> requests) {
        for (int i = 0; i < requests.size(); i++) {
            check(i, requests.get(i));
        }
    }

    private Sequence admissible(int index, Request request) {
        return new Sequence(index, request.promptIds(), check(index, request), new BlockTable(pool));
    }

    /** Checks a request against the context and the KV pool; returns its longest length (prompt + new). */
    private int check(int index, Request request) {
        int promptLength = request.promptIds().length;
        checkContext(index, promptLength, folder.config());
        int maxLength = (int) Math.min((long) promptLength + request.maxNewTokens(), maxSequenceLength);
        if (promptLength >= maxSequenceLength) {
            throw new YalisException("prompt " + (index + 1) + " has " + promptLength + " tokens but the engine was "
                    + "loaded for sequences of at most " + maxSequenceLength + " tokens");
        }
        for (int id : request.promptIds()) {
            if (id < 0 || id >= folder.config().vocabSize()) {
                throw new YalisException("prompt " + (index + 1) + " has token id " + id + " outside the vocabulary of "
                        + folder.config().vocabSize() + "; the tokenizer does not match the model");
            }
        }
        // The last generated token is never fed back, so the cache holds at most maxLength - 1 tokens.
        int blocksNeeded = pool.blocksFor(maxLength - 1);
        if (blocksNeeded > pool.totalBlocks()) {
            long bytesPerBlock = attention.kvCacheBytes() / pool.totalBlocks();
            throw new YalisException("the KV cache holds " + pool.totalBlocks() + " blocks of " + pool.blockSize()
                    + " tokens (" + Sizes.format(attention.kvCacheBytes()) + ") but prompt " + (index + 1) + " ("
                    + promptLength + " tokens + " + request.maxNewTokens() + " new) needs " + blocksNeeded
                    + " blocks; raise --kv-cache-memory to at least " + Sizes.format(blocksNeeded * bytesPerBlock)
                    + " or lower --max-new-tokens");
        }
        return maxLength;
    }

    /**
     * Refuses a prompt that leaves no room in the model's context; static so that a caller can check
     * before spending time on loading weights.
     */
    public static void checkContext(int index, int promptLength, LlamaConfig config) {
        int context = config.maxPositions();
        if (promptLength >= context) {
            throw new YalisException("prompt " + (index + 1) + " has " + promptLength + " tokens but the model's context"
                    + " is " + context + " (max_position_embeddings), leaving no room to generate; shorten it to at"
                    + " most " + (context - 1) + " tokens");
        }
    }

    int rank() {
        return world.rank();
    }

    long valueOfRankZero(long value) {
        return world.allGatherLong(value)[0];
    }

    DecodeGraphs.Counts decodeGraphCounts() {
        return model.decodeGraphCounts();
    }

    long streamedWeightBytes() {
        return model.streamedWeightBytes();
    }

    org.yalis.engine.tensor.DType linearWeightType() {
        return model.linearWeightType();
    }

    long multiplyAddsPerToken() {
        return model.multiplyAddsPerToken();
    }

    /** This rank's time per category in {@code phase} since loading or the last reset (profiling only). */
    PhaseBreakdown breakdown(Phase phase) {
        if (profiler == null) {
            throw new IllegalStateException("the engine was loaded without profiling");
        }
        return profiler.breakdown(phase);
    }

    void setProfiling(boolean on) {
        if (profiler != null) {
            profiler.setEnabled(on);
        }
    }

    void resetProfile() {
        if (profiler != null) {
            profiler.reset();
        }
        groups.forEach(Communicator::resetStats);
    }

    /** How rank 0's world picks a backend per message, when it does ({@code --collective auto}). */
    java.util.Optional<String> collectiveChoices() {
        return world.choices();
    }

    /** This rank's collectives so far, summed over its groups. */
    CommStats collectiveStats() {
        CommStats total = new CommStats();
        for (Communicator group : groups) {
            for (var entry : group.stats().snapshot().entrySet()) {
                CommStats.Totals totals = entry.getValue();
                total.add(entry.getKey(), totals);
            }
        }
        return total;
    }

    @Override
    public void close() {
        attention.close();
        backend.close();
        if (checkpointArena.scope().isAlive()) {
            checkpointArena.close();
        }
        groups.forEach(Communicator::close);
    }
}
