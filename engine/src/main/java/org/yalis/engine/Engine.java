package org.yalis.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Function;

import org.yalis.engine.comm.CommStats;
import org.yalis.engine.comm.CommunicationException;
import org.yalis.engine.comm.Communicator;
import org.yalis.engine.comm.InjectedFault;
import org.yalis.engine.comm.LaunchEnvironment;
import org.yalis.engine.comm.CollectiveBackend;
import org.yalis.engine.comm.CollectiveBackends;
import org.yalis.engine.comm.MpiCommunicator;
import org.yalis.engine.comm.RankCollectives;
import org.yalis.engine.kv.KvBlockPool;
import org.yalis.engine.metrics.PhaseBreakdown;
import org.yalis.engine.model.DecodeGraphs;
import org.yalis.engine.model.LlamaConfig;
import org.yalis.engine.model.ModelFolder;
import org.yalis.engine.model.Phase;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.ComputeBackendProvider;
import org.yalis.engine.tensor.ComputeBackends;

/**
 * A loaded model ready to generate. One rank, or the ranks of a tensor-parallel grid that live in
 * this process ({@code --collective local}: one thread per rank, each with its own backend and
 * share of the weights). Every call runs on all local ranks at once; rank 0 reports.
 */
public final class Engine implements AutoCloseable {
    private final List<EngineRank> ranks;
    /** One thread per in-process rank; absent with a single rank, which runs on the caller's thread. */
    private final ExecutorService rankThreads;
    /** This process initialised MPI and finalises it on close. */
    private final boolean ownsMpi;

    private Engine(List<EngineRank> ranks, ExecutorService rankThreads, boolean ownsMpi) {
        this.ranks = ranks;
        this.rankThreads = rankThreads;
        this.ownsMpi = ownsMpi;
    }

    /**
     * Loads the model in {@code folder} over {@code options.ranks()} ranks. {@code progress} hears
     * rank 0's weights as they are placed.
     */
    public static Engine load(ModelFolder folder, EngineOptions options, BiConsumer<String, Long> progress) {
        Set<String> names = new java.util.LinkedHashSet<>(List.of(options.collectivePrefill(), options.collectiveDecode()));
        List<CollectiveBackend> collectives = names.stream().map(CollectiveBackends::named).toList();
        boolean deviceBuffers = ComputeBackends.named(options.device()).deviceMemory();
        for (CollectiveBackend collective : collectives) {
            if (collective.ranks() == CollectiveBackend.Ranks.THREADS && collectives.size() > 1) {
                throw new YalisException("the " + collective.name() + " collective runs ranks as threads of one process; "
                        + "it cannot be combined with " + options.collectivePrefill() + "/" + options.collectiveDecode()
                        + " in one run");
            }
            // One rank in this process talks to no one: only ranks that talk, or a backend asked for by name to
            // start a job of processes, must move the backend's buffers.
            boolean talks = options.ranks() > 1 || collective.ranks() == CollectiveBackend.Ranks.PROCESSES;
            if (talks && (deviceBuffers ? !collective.movesDeviceBuffers() : !collective.movesHostBuffers())) {
                throw new YalisException("the " + collective.name() + " collective moves " + (deviceBuffers ? "host"
                        : "device") + " buffers; use " + (deviceBuffers ? "a device collective (" + collectiveNames(true)
                        + ") with --device " + options.device() : "--device " + deviceNames()));
            }
        }
        for (CollectiveBackend collective : collectives) {
            if (collective.needsCommProfile() && options.commProfile() == null) {
                throw new YalisException("the " + collective.name() + " collective picks a backend per message size from "
                        + "measurements: give --comm-profile FILE (the output of yalis comm-bench --json on this machine)");
            }
        }
        if (options.commProfile() != null && !java.nio.file.Files.isRegularFile(options.commProfile())) {
            throw new YalisException("--comm-profile " + options.commProfile() + " is not a file; give the output of "
                    + "yalis comm-bench --json");
        }
        if (collectives.getFirst().ranks() == CollectiveBackend.Ranks.PROCESSES) {
            RankCollectives.checkLaunch(names, deviceBuffers);
            return loadAsMpiRank(folder, options, progress, deviceBuffers);
        }
        int size = options.ranks();
        // Refused before any rank starts: a grid the model cannot be split over, or more ranks-as-threads
        // than the machine can run (a typo of --tp 1000 would start a thousand loading threads).
        org.yalis.engine.parallel.GridPlan.checkDivisible(folder.config(), options.tpRows(), options.tpCols());
        int maxLocalRanks = EngineOptions.maxThreadsHere();
        if (size > maxLocalRanks) {
            throw new YalisException(size + " ranks as threads of one process is more than " + EngineOptions.MAX_THREADS_PER_CPU
                    + " per logical CPU (" + maxLocalRanks + " here); run the ranks as processes (--collective mpi "
                    + "under mpirun) or use fewer");
        }
        List<Communicator> world = new ArrayList<>(collectives.getFirst().threadRanks(size));
        List<AtomicReference<Phase>> phases = new ArrayList<>();
        for (int rank = 0; rank < size; rank++) {
            AtomicReference<Phase> phase = new AtomicReference<>();
            phases.add(phase);
            world.set(rank, withInjectedFault(world.get(rank), phase::get));
        }
        int threadsPerRank = Math.max(1, options.threads() / size);
        if (size == 1) {
            return new Engine(List.of(EngineRank.load(folder, options, world.getFirst(), phases.getFirst(),
                    threadsPerRank, progress)), null, false);
        }
        ExecutorService threads = Executors.newFixedThreadPool(size,
                Thread.ofPlatform().name("yalis-rank-", 0).daemon().factory());
        try {
            List<EngineRank> loaded = onEveryRank(threads, size, rank -> EngineRank.load(folder, options,
                    world.get(rank), phases.get(rank), threadsPerRank, rank == 0 ? progress : null));
            return new Engine(loaded, threads, false);
        } catch (RuntimeException | Error e) {
            threads.shutdownNow();
            throw e;
        }
    }

    /** The collectives that move device buffers (or host buffers), for an error that says which to use. */
    private static String collectiveNames(boolean deviceBuffers) {
        return String.join(", ", CollectiveBackends.available().stream()
                .filter(c -> deviceBuffers ? c.movesDeviceBuffers() : c.movesHostBuffers())
                .map(CollectiveBackend::name).toList());
    }

    /** The compute backends whose tensors are in device memory. */
    private static String deviceNames() {
        return String.join(" or ", ComputeBackends.available().stream().filter(c -> c.deviceMemory())
                .map(ComputeBackendProvider::name).toList());
    }

    /**
     * This process is one rank of an MPI job ({@code mpirun -np N bin/yalis ... --collective mpi}): the
     * job's size must be the grid's, and every process loads its own share.
     */
    private static Engine loadAsMpiRank(ModelFolder folder, EngineOptions options, BiConsumer<String, Long> progress,
                                        boolean deviceBuffers) {
        LaunchEnvironment.detect().filter(launch -> launch.size() != options.ranks()).ifPresent(launch -> {
            throw new YalisException("the " + options.tpRows() + "x" + options.tpCols() + " grid needs "
                    + options.ranks() + " ranks but " + launch.launcher() + " started " + launch.size()
                    + " processes; start it with -np " + options.ranks());
        });
        MpiCommunicator world = MpiCommunicator.world();
        if (world.size() != options.ranks()) {
            String message = "the " + options.tpRows() + "x" + options.tpCols() + " grid needs " + options.ranks()
                    + " ranks but the MPI job has " + world.size() + "; start it with mpirun -np " + options.ranks();
            world.close();
            org.yalis.bindings.mpi.Mpi.current().ifPresent(org.yalis.bindings.mpi.Mpi::close);
            throw new YalisException(message);
        }
        AtomicReference<Phase> phase = new AtomicReference<>();
        Communicator collectives;
        try {
            collectives = RankCollectives.world(world, options.collectivePrefill(), options.collectiveDecode(),
                    deviceBuffers, java.util.Optional.ofNullable(options.commProfile()), phase::get);
        } catch (RuntimeException e) {
            if (world.size() > 1) {
                world.abort(e);   // the other ranks may be waiting for this one in a collective
            }
            org.yalis.bindings.mpi.Mpi.current().ifPresent(org.yalis.bindings.mpi.Mpi::close);
            throw e;
        }
        collectives = withInjectedFault(collectives, phase::get);
        EngineRank rank = EngineRank.load(folder, options, collectives, phase, options.threads(),
                world.rank() == 0 ? progress : null);
        return new Engine(List.of(rank), null, true);
    }

    /** {@code world} with the fault {@code YALIS_FAULT} asks for, or as it is ({@link InjectedFault}). */
    private static Communicator withInjectedFault(Communicator world, java.util.function.Supplier<Phase> phase) {
        return InjectedFault.fromEnvironment().map(fault -> fault.inject(world, phase)).orElse(world);
    }

    /**
     * Runs {@code work} for every rank on its own thread and returns the results in rank order. When
     * ranks fail, the cause reported is the first that is not merely "another rank failed", with the
     * rank it happened on.
     */
    private static <T> List<T> onEveryRank(ExecutorService threads, int size, Function<Integer, T> work) {
        List<Future<T>> futures = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            int rank = r;
            futures.add(threads.submit((Callable<T>) () -> work.apply(rank)));
        }
        List<T> results = new ArrayList<>();
        Throwable primary = null;
        Throwable secondary = null;
        for (int rank = 0; rank < size; rank++) {
            try {
                results.add(futures.get(rank).get());
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof CommunicationException) {
                    secondary = secondary == null ? cause : secondary;
                } else if (primary == null) {
                    primary = cause instanceof YalisException || size == 1 ? cause : new RankFailedException(rank, cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new YalisException("interrupted while waiting for the ranks", e);
            }
        }
        Throwable failure = primary != null ? primary : secondary;
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        } else if (failure instanceof Error error) {
            throw error;
        }
        return results;
    }

    private <T> List<T> onEveryRank(Function<EngineRank, T> work) {
        if (rankThreads == null) {
            return List.of(work.apply(ranks.getFirst()));
        }
        return onEveryRank(rankThreads, ranks.size(), rank -> work.apply(ranks.get(rank)));
    }

    private EngineRank first() {
        return ranks.getFirst();
    }

    public ModelFolder folder() {
        return first().folder();
    }

    public LlamaConfig config() {
        return first().config();
    }

    public EngineOptions options() {
        return first().options();
    }

    /** Rank 0's backend. */
    public ComputeBackend backend() {
        return first().backend();
    }

    /** Rank 0's KV pool (every rank's pool makes the same decisions). */
    public KvBlockPool kvPool() {
        return first().kvPool();
    }

    /** KV cache memory of rank 0. */
    public long kvCacheBytes() {
        return first().kvCacheBytes();
    }

    /**
     * Bytes the compute backends of this process hold (weights, activations, KV cache), over every rank
     * in it: beside the process's resident memory, it shows what the engine itself asked for.
     */
    public long backendBytes() {
        return ranks.stream().mapToLong(rank -> rank.backend().allocatedBytes()).sum();
    }

    /** Totals of the last {@link #generate} call, as rank 0 measured them. */
    public BatchStats lastStats() {
        return first().lastStats();
    }

    /** Rank 0's collectives so far (calls, bytes, time per operation), summed over its groups. */
    public CommStats collectiveStats() {
        return first().collectiveStats();
    }

    /** How rank 0's collectives pick a backend per message size, when they do ({@code --collective auto}). */
    public java.util.Optional<String> collectiveChoices() {
        return first().collectiveChoices();
    }

    /** Rank 0's time per category in {@code phase} (an engine loaded with profiling). */
    public PhaseBreakdown breakdown(Phase phase) {
        return first().breakdown(phase);
    }

    /** Every rank's breakdown of {@code phase}, in rank order (ranks of this process). */
    public List<PhaseBreakdown> breakdownPerRank(Phase phase) {
        return ranks.stream().map(rank -> rank.breakdown(phase)).toList();
    }

    /**
     * Pauses ({@code false}) or resumes the profiler of an engine loaded with profiling: runs while it is
     * paused are timed as a whole only, undisturbed. No effect without profiling.
     */
    public void setProfiling(boolean on) {
        ranks.forEach(rank -> rank.setProfiling(on));
    }

    /** Forgets the timings and collective counts so far (between warm-up and measured runs). */
    public void resetProfile() {
        ranks.forEach(EngineRank::resetProfile);
    }

    /** How often rank 0 captured and replayed decode steps as CUDA graphs (zeros without --cuda-graphs). */
    public DecodeGraphs.Counts decodeGraphCounts() {
        return first().decodeGraphCounts();
    }

    /** Weight bytes rank 0 streams per step (every linear layer and the LM head): the decode roofline's numerator. */
    public long streamedWeightBytes() {
        return first().streamedWeightBytes();
    }

    /** The element type of rank 0's linear weights as its products read them (Q8_0 when quantized). */
    public org.yalis.engine.tensor.DType linearWeightType() {
        return first().linearWeightType();
    }

    /** Multiply-adds per token on rank 0 in its linear layers and LM head: the prefill roofline's numerator / 2. */
    public long multiplyAddsPerToken() {
        return first().multiplyAddsPerToken();
    }

    /** Ranks of this engine (in this process). */
    public int localRanks() {
        return ranks.size();
    }

    /** Checks requests against the context and the KV pool before anything runs. */
    public void check(List<Request> requests) {
        first().check(requests);
    }

    /**
     * Generates completions for {@code requests}, batched, and returns them in input order. The KV
     * pool is back to all free when this returns. {@code listener} hears rank 0.
     */
    public List<Completion> generate(List<Request> requests, GenerationListener listener) {
        boolean cancels = listener.cancels();
        return onEveryRank(rank -> rank.generate(requests, rank.rank() == 0 ? listener : GenerationListener.NONE,
                cancels)).getFirst();
    }

    /**
     * Runs the requests {@code feed} admits, as they come, until it closes and the batch is empty (see
     * {@link OnlineEngine}); only rank 0's feed is asked. {@code listener} hears rank 0.
     */
    public BatchStats serve(RequestFeed feed, GenerationListener listener) {
        return onEveryRank(rank -> rank.serve(feed, rank.rank() == 0 ? listener : GenerationListener.NONE)).getFirst();
    }

    /** Checks one request against the context and the KV pool, as {@link #check} does. */
    public void checkOne(Request request) {
        first().check(List.of(request));
    }

    /** The longest sequence (prompt and generated tokens) this engine was loaded for. */
    public int maxSequenceLength() {
        return first().maxSequenceLength();
    }

    /** The logits after the last of {@code tokens}, as rank 0 has them. */
    public float[] lastPositionLogits(int[] tokens) {
        return onEveryRank(rank -> rank.lastPositionLogits(tokens)).getFirst();
    }

    /** Refuses a prompt that leaves no room in the model's context (before loading anything). */
    public static void checkContext(int index, int promptLength, LlamaConfig config) {
        EngineRank.checkContext(index, promptLength, config);
    }

    /**
     * Rank 0's {@code value} on every rank: for choices one process makes alone (a random sampling
     * seed) that every rank must share.
     */
    public long valueOfRankZero(long value) {
        return onEveryRank(rank -> rank.valueOfRankZero(value)).getFirst();
    }

    /** Whether this process reports results: it holds rank 0 (only rank 0 prints). */
    public boolean reportsResults() {
        return first().rank() == 0;
    }

    /** This process's first rank in the job. */
    public int firstRank() {
        return first().rank();
    }

    @Override
    public void close() {
        for (EngineRank rank : ranks) {
            rank.close();
        }
        if (rankThreads != null) {
            rankThreads.shutdownNow();
        }
        if (ownsMpi) {
            // Every rank must finalise, or the launcher reports the job as failed.
            org.yalis.bindings.mpi.Mpi.current().ifPresent(org.yalis.bindings.mpi.Mpi::close);
        }
    }
}
