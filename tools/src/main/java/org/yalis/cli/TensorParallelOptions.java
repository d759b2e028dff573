package org.yalis.cli;

import picocli.CommandLine.Option;

import org.yalis.engine.YalisException;

/** {@code --tp N} or {@code --tp-dims R,C}: the rank grid, shared by the commands that run a model. */
final class TensorParallelOptions {

    @Option(names = "--tp", paramLabel = "N",
            description = "1D tensor parallelism over N ranks (Megatron: heads and MLP split, all-reduce after o and down).")
    Integer ranks;

    @Option(names = "--tp-dims", paramLabel = "R,C", split = ",", hideParamSyntax = true,
            description = "2D tensor parallelism over an R x C grid (AxoNN): heads and MLP split over R, hidden over C.")
    int[] dims;

    /** The grid's rows and columns: {@code --tp N} is N x 1, neither flag is 1 x 1. */
    int[] grid() {
        if (ranks != null && dims != null) {
            throw new YalisException("give either --tp N or --tp-dims R,C, not both");
        }
        if (dims != null) {
            if (dims.length != 2) {
                throw new YalisException("--tp-dims takes two numbers R,C (for example 2,2), got " + dims.length);
            }
            return dims.clone();
        }
        return new int[] {ranks == null ? 1 : ranks, 1};
    }
}
