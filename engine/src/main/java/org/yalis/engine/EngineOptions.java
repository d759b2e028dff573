package org.yalis.engine;

import java.nio.file.Path;

import org.yalis.engine.comm.CollectiveBackend;
import org.yalis.engine.comm.CollectiveBackends;
import org.yalis.engine.cpu.WeightPlacement;
import org.yalis.engine.tensor.ComputeBackendProvider;
import org.yalis.engine.tensor.ComputeBackends;

/**
 * How to load and run a model.
 *
 * @param device              compute backend ("cpu")
 * @param threads             compute threads of this process (CPU), shared among in-process ranks
 * @param attention           attention backend name
 * @param kvBlockSize         tokens per KV block
 * @param kvCacheBytes        KV pool size in bytes per rank; 0 sizes it from free memory
 * @param maxBatch            most sequences decoding at once
 * @param maxStepTokens       most tokens in one prefill step (longer prompts are prefilled in chunks)
 * @param maxSequenceLength   longest sequence (prompt + generated) the run needs; 0 means the model's context
 * @param tpRows              tensor-parallel grid rows R (heads and MLP width split over them)
 * @param tpCols              tensor-parallel grid columns C (the hidden state split over them)
 * @param collectivePrefill   collective backend between ranks in prefill steps ("local": ranks as threads of
 *                            this JVM; "mpi": ranks as MPI processes)
 * @param collectiveDecode    collective backend between ranks in decode steps
 * @param profile             time every step by category (gemm, attention, collective, other)
 * @param cudaGraphs          replay decode steps from CUDA graphs (cuda only, not with profiling)
 * @param batchInvariant      compute every token's result with the same operations whatever the batch (the CPU's
 *                            Vector API kernels for every product, no library GEMM): batched output equals
 *                            one-at-a-time output bit for bit
 * @param quantization        how the CPU backend stores the linear layers' weights ({@code NONE}: as the
 *                            checkpoint has them)
 * @param prefixCache         keep full KV blocks for later sequences with the same prefix (automatic prefix
 *                            caching); on by default
 * @param commProfile         a {@code yalis comm-bench --json} file of this machine, for a collective that
 *                            chooses by measurement ({@code auto}); null without one
 */
public record EngineOptions(Path model, String device, int threads, WeightPlacement weights, String attention,
                            int kvBlockSize, long kvCacheBytes, int maxBatch, int maxStepTokens,
                            int maxSequenceLength, int tpRows, int tpCols, String collectivePrefill,
                            String collectiveDecode, boolean profile, boolean cudaGraphs, boolean batchInvariant,
                            Quantization quantization, boolean prefixCache, Path commProfile) {

    /** Compute threads beyond this many per logical CPU are refused (a typo of 100000 would start them all). */
    public static final int MAX_THREADS_PER_CPU = 4;

    /** The most threads (compute threads, or ranks as threads) one process may start on this machine. */
    public static int maxThreadsHere() {
        return MAX_THREADS_PER_CPU * Runtime.getRuntime().availableProcessors();
    }

    public EngineOptions {
        if (threads < 1) {
            throw new YalisException("--threads must be at least 1, got " + threads);
        }
        int maxThreads = maxThreadsHere();
        if (threads > maxThreads) {
            throw new YalisException("--threads must be at most " + MAX_THREADS_PER_CPU + " per logical CPU (" + maxThreads
                    + " here), got " + threads + "; more threads than cores only wait for each other");
        }
        if (kvBlockSize < 1) {
            throw new YalisException("--kv-block-size must be at least 1 token, got " + kvBlockSize);
        }
        if (kvCacheBytes < 0) {
            throw new YalisException("--kv-cache-memory must not be negative");
        }
        if (maxBatch < 1) {
            throw new YalisException("--max-batch must be at least 1, got " + maxBatch);
        }
        if (maxStepTokens < 1) {
            throw new YalisException("--max-step-tokens must be at least 1, got " + maxStepTokens);
        }
        if (maxSequenceLength < 0) {
            throw new YalisException("maximum sequence length must not be negative");
        }
        if (tpRows < 1 || tpCols < 1) {
            throw new YalisException("tensor-parallel dimensions must be at least 1, got " + tpRows + "," + tpCols);
        }
        // Checked against the backends' own declarations; an unknown name is reported when the engine loads,
        // with the list of what exists.
        java.util.Optional<ComputeBackendProvider> compute = ComputeBackends.find(device);
        if (cudaGraphs && compute.isPresent() && !compute.get().capturesGraphs()) {
            throw new YalisException("--cuda-graphs needs --device " + graphDevices() + ": graphs replay GPU launches, "
                    + "and the " + device + " backend has none to save");
        }
        java.util.Optional<CollectiveBackend> decode = CollectiveBackends.find(collectiveDecode);
        if (cudaGraphs && tpRows * tpCols > 1 && decode.isPresent() && !decode.get().queuesOnDeviceStream()) {
            throw new YalisException("--cuda-graphs with tensor parallelism needs --collective-decode "
                    + streamCollectives() + ": a " + collectiveDecode + " collective goes through host memory, which a "
                    + "CUDA graph cannot capture");
        }
        if (quantization == null) {
            throw new IllegalArgumentException("quantization must not be null (use Quantization.NONE)");
        }
        if (quantization != Quantization.NONE && compute.isPresent() && !compute.get().quantizations().contains(quantization)) {
            throw new YalisException("--quantize " + quantization.cliName() + " is a CPU weight format; the " + device
                    + " backend computes on bf16 weights: drop --quantize");
        }
        if (cudaGraphs && profile) {
            throw new YalisException("--cuda-graphs cannot be profiled: the profiler times every operation with "
                    + "events, a graph replays a decode step as one launch; measure with --no-profile");
        }
    }

    private static String graphDevices() {
        return String.join(" or ", ComputeBackends.available().stream().filter(ComputeBackendProvider::capturesGraphs)
                .map(ComputeBackendProvider::name).toList());
    }

    private static String streamCollectives() {
        return String.join(" or ", CollectiveBackends.available().stream().filter(CollectiveBackend::queuesOnDeviceStream)
                .map(CollectiveBackend::name).toList());
    }

    /** Ranks of the tensor-parallel grid. */
    public int ranks() {
        return tpRows * tpCols;
    }

    /** Defaults: CPU with a thread per core, copied weights, cpu attention, 16-token blocks, one rank. */
    public static EngineOptions defaults(Path model) {
        return builder(model).build();
    }

    public static Builder builder(Path model) {
        return new Builder(model);
    }

    public Builder toBuilder() {
        Builder builder = new Builder(model);
        builder.device = device;
        builder.threads = threads;
        builder.weights = weights;
        builder.attention = attention;
        builder.kvBlockSize = kvBlockSize;
        builder.kvCacheBytes = kvCacheBytes;
        builder.maxBatch = maxBatch;
        builder.maxStepTokens = maxStepTokens;
        builder.maxSequenceLength = maxSequenceLength;
        builder.tpRows = tpRows;
        builder.tpCols = tpCols;
        builder.collectivePrefill = collectivePrefill;
        builder.collectiveDecode = collectiveDecode;
        builder.profile = profile;
        builder.cudaGraphs = cudaGraphs;
        builder.batchInvariant = batchInvariant;
        builder.quantization = quantization;
        builder.prefixCache = prefixCache;
        builder.commProfile = commProfile;
        return builder;
    }

    /** Options with the defaults above, changed one at a time. */
    public static final class Builder {
        private final Path model;
        private String device = "cpu";
        private int threads = org.yalis.engine.cpu.CpuTopology.physicalCores();
        private WeightPlacement weights = WeightPlacement.COPY;
        private String attention = "cpu";
        private int kvBlockSize = 16;
        private long kvCacheBytes;
        private int maxBatch = 64;
        private int maxStepTokens = 512;
        private int maxSequenceLength;
        private int tpRows = 1;
        private int tpCols = 1;
        private String collectivePrefill = "local";
        private String collectiveDecode = "local";
        private boolean profile;
        private boolean cudaGraphs;
        private boolean batchInvariant;
        private Quantization quantization = Quantization.NONE;
        private boolean prefixCache = true;
        private Path commProfile;

        private Builder(Path model) {
            this.model = model;
        }

        public Builder device(String name) {
            device = name;
            return this;
        }

        public Builder threads(int count) {
            threads = count;
            return this;
        }

        public Builder weights(WeightPlacement placement) {
            weights = placement;
            return this;
        }

        public Builder attention(String name) {
            attention = name;
            return this;
        }

        public Builder kvBlockSize(int tokens) {
            kvBlockSize = tokens;
            return this;
        }

        public Builder kvCacheBytes(long bytes) {
            kvCacheBytes = bytes;
            return this;
        }

        public Builder maxBatch(int sequences) {
            maxBatch = sequences;
            return this;
        }

        public Builder maxStepTokens(int tokens) {
            maxStepTokens = tokens;
            return this;
        }

        public Builder maxSequenceLength(int tokens) {
            maxSequenceLength = tokens;
            return this;
        }

        /** R x C tensor parallelism; {@code (n, 1)} is 1D over n ranks. */
        public Builder tensorParallel(int rows, int cols) {
            tpRows = rows;
            tpCols = cols;
            return this;
        }

        /** The same collective backend for both phases. */
        public Builder collective(String name) {
            collectivePrefill = name;
            collectiveDecode = name;
            return this;
        }

        public Builder collectivePrefill(String name) {
            collectivePrefill = name;
            return this;
        }

        public Builder collectiveDecode(String name) {
            collectiveDecode = name;
            return this;
        }

        /** Time each step by category; off by default so the normal path runs no timers. */
        public Builder profile(boolean enabled) {
            profile = enabled;
            return this;
        }

        /** Capture decode steps as CUDA graphs and replay them; off by default. */
        public Builder cudaGraphs(boolean enabled) {
            cudaGraphs = enabled;
            return this;
        }

        /** Every product through the batch-invariant kernels (see {@link EngineOptions}); off by default. */
        public Builder batchInvariant(boolean enabled) {
            batchInvariant = enabled;
            return this;
        }

        public Builder quantization(Quantization format) {
            quantization = format;
            return this;
        }

        /** Automatic prefix caching (see {@link EngineOptions}); on by default. */
        public Builder prefixCache(boolean enabled) {
            prefixCache = enabled;
            return this;
        }

        /** The comm-bench measurements a collective that chooses by them reads ({@code --comm-profile}). */
        public Builder commProfile(Path file) {
            commProfile = file;
            return this;
        }

        public EngineOptions build() {
            return new EngineOptions(model, device, threads, weights, attention, kvBlockSize, kvCacheBytes, maxBatch,
                    maxStepTokens, maxSequenceLength, tpRows, tpCols, collectivePrefill, collectiveDecode, profile,
                    cudaGraphs, batchInvariant, quantization, prefixCache, commProfile);
        }
    }
}
