package org.yalis.cli;

import java.nio.file.Path;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.yalis.engine.EngineOptions;
import org.yalis.engine.Sizes;
import org.yalis.engine.comm.LaunchEnvironment;
import org.yalis.engine.cpu.CpuTopology;
import org.yalis.engine.cpu.WeightPlacement;

/**
 * How a model is run, shared by {@code generate} and {@code serve}: the device and attention backends,
 * the rank grid and its collectives, the KV cache, the batch limits and the CPU's compute settings.
 */
final class EngineFlags {
    @Option(names = "--device", paramLabel = "NAME", defaultValue = "cpu", completionCandidates = BackendNames.Devices.class,
            description = "Compute backend: ${COMPLETION-CANDIDATES} ('yalis info' says what each is; cuda: one GPU "
                    + "per rank, the local rank's). Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--attention", paramLabel = "NAME",
            description = "Attention backend (see 'yalis info'). Default: the one named like --device.")
    String attention;

    @Option(names = "--cuda-graphs", description = "Replay decode steps from CUDA graphs (needs --device cuda): one "
            + "launch per step instead of hundreds.")
    boolean cudaGraphs;

    @Mixin
    TensorParallelOptions tensorParallel = new TensorParallelOptions();

    @Mixin
    CpuComputeOptions cpuCompute = new CpuComputeOptions();

    @Option(names = "--collective", paramLabel = "NAME", defaultValue = "local",
            completionCandidates = BackendNames.Collectives.class,
            description = "Collective backend between ranks: ${COMPLETION-CANDIDATES} ('yalis info' says what each is; "
                    + "local: ranks as threads of this process; mpi, nccl: ranks as processes, mpirun -np N bin/yalis "
                    + "...). Default: ${DEFAULT-VALUE}.")
    String collective;

    @Option(names = "--collective-prefill", paramLabel = "NAME", description = "Collective backend for prefill steps (default: --collective).")
    String collectivePrefill;

    @Option(names = "--collective-decode", paramLabel = "NAME", description = "Collective backend for decode steps (default: --collective).")
    String collectiveDecode;

    @Option(names = "--comm-profile", paramLabel = "FILE", description = "For --collective auto: yalis comm-bench "
            + "--json output of this machine, from which each all-reduce size gets the fastest backend (default: none).")
    Path commProfile;

    @Option(names = "--kv-block-size", paramLabel = "N", defaultValue = "16", description = "Tokens per KV block.")
    int kvBlockSize;

    @Option(names = "--kv-cache-memory", paramLabel = "SIZE",
            description = "KV pool size, e.g. 512MiB (default: enough for the batch, at most half the free memory).")
    String kvCacheMemory;

    @Option(names = "--threads", paramLabel = "N", description = "Compute threads (default: one per core).")
    Integer threads;

    @Option(names = "--weights", paramLabel = "copy|mmap", defaultValue = "copy",
            description = "Keep weights in huge-page memory (copy, faster) or in the mapped file (mmap).")
    String weights;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "64", description = "Most sequences decoding at once.")
    int maxBatch;

    @Option(names = "--no-prefix-cache", description = "Compute every prompt in full instead of reusing the keys and "
            + "values of full KV blocks an earlier prompt with the same prefix computed (automatic prefix caching, "
            + "on by default).")
    boolean noPrefixCache;

    @Option(names = "--max-step-tokens", paramLabel = "N", defaultValue = "512",
            description = "Most prompt tokens per prefill step; longer prompts are prefilled in chunks.")
    int maxStepTokens;

    /** Whether the ranks run as processes of a launcher (an mpi or nccl collective). */
    boolean multiProcess() {
        return TensorParallelOptions.multiProcess(collective, collectivePrefill, collectiveDecode);
    }

    /** The engine these flags ask for, with at most {@code batch} sequences of at most {@code maxSequenceLength}. */
    EngineOptions options(Path model, int batch, int maxSequenceLength) {
        int[] grid = tensorParallel.grid(multiProcess());
        return cpuCompute.applyTo(EngineOptions.builder(model).device(device)
                .threads(threads == null ? LaunchEnvironment.threadsPerProcess(CpuTopology.physicalCores()) : threads)
                .weights(WeightPlacement.parse(weights)).attention(attention == null ? device : attention)
                .kvBlockSize(kvBlockSize)
                .kvCacheBytes(kvCacheMemory == null ? 0 : Sizes.parse(kvCacheMemory, "--kv-cache-memory"))
                .maxBatch(batch).maxStepTokens(maxStepTokens).maxSequenceLength(maxSequenceLength)
                .tensorParallel(grid[0], grid[1]).collective(collective)
                .collectivePrefill(collectivePrefill == null ? collective : collectivePrefill)
                .collectiveDecode(collectiveDecode == null ? collective : collectiveDecode)
                .cudaGraphs(cudaGraphs).prefixCache(!noPrefixCache).commProfile(commProfile)).build();
    }

    /** "1 rank", or the grid and its collectives: for the line a command prints once loaded. */
    static String parallelism(EngineOptions options) {
        if (options.ranks() == 1) {
            return "1 rank";
        }
        String collectives = options.collectivePrefill().equals(options.collectiveDecode()) ? options.collectivePrefill()
                : "prefill " + options.collectivePrefill() + ", decode " + options.collectiveDecode();
        return options.ranks() + " ranks (" + options.tpRows() + "x" + options.tpCols() + " grid, " + collectives + ")";
    }
}
