package org.yalis.cli;

import picocli.CommandLine.Option;

import org.yalis.engine.YalisException;
import org.yalis.engine.comm.CollectiveBackends;
import org.yalis.engine.comm.LaunchEnvironment;

/** {@code --tp N} or {@code --tp-dims R,C}: the rank grid, shared by the commands that run a model. */
final class TensorParallelOptions {

    @Option(names = "--tp", paramLabel = "N",
            description = "1D tensor parallelism over N ranks (Megatron: heads and MLP split, all-reduce after o and down). "
                    + "Default: 1; with a multi-process collective (mpi, nccl) under a launcher (mpirun, srun, torchrun), "
                    + "the number of processes it started.")
    Integer ranks;

    @Option(names = "--tp-dims", paramLabel = "R,C", split = ",", hideParamSyntax = true,
            description = "2D tensor parallelism over an R x C grid (AxoNN): heads and MLP split over R, hidden over C. Default: --tp N as N,1.")
    int[] dims;

    /**
     * The grid's rows and columns: {@code --tp N} is N x 1; neither flag is 1 x 1, or, when the ranks are
     * processes ({@code multiProcess}: an mpi or nccl collective), as many ranks as the launcher started.
     */
    int[] grid(boolean multiProcess) {
        if (ranks != null && dims != null) {
            throw new YalisException("give either --tp N or --tp-dims R,C, not both");
        }
        if (dims != null) {
            if (dims.length != 2) {
                throw new YalisException("--tp-dims takes two numbers R,C (for example 2,2), got " + dims.length);
            }
            return dims.clone();
        }
        if (ranks == null) {
            // Under mpirun -np N the process count already says how many ranks there are.
            int launched = multiProcess ? LaunchEnvironment.detect().map(LaunchEnvironment::size).orElse(1) : 1;
            return new int[] {launched, 1};
        }
        return new int[] {ranks, 1};
    }

    /** Whether any of the named collectives runs its ranks as separate processes. */
    static boolean multiProcess(String... collectives) {
        for (String collective : collectives) {
            if (collective != null && CollectiveBackends.runsProcesses(collective)) {
                return true;
            }
        }
        return false;
    }
}
