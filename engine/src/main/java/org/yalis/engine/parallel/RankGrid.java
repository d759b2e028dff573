package org.yalis.engine.parallel;

import org.yalis.engine.YalisException;

/**
 * The R x C grid of tensor-parallel ranks (AxoNN's 2D layout, as Yalis uses it): rank
 * {@code r * C + c} sits in grid row {@code r = (rank / C) % R} and column {@code c = rank % C}.
 * 1D tensor parallelism over N ranks is the grid N x 1.
 *
 * <p>Each linear layer splits its input over one of the two dimensions and its output over the
 * other; the ranks that share an output slice hold partial sums and all-reduce them. The hidden
 * state between blocks is split over the C columns of the grid; attention heads and the MLP width
 * are split over the R rows.
 */
public record RankGrid(int rows, int cols, int rank) {

    public RankGrid {
        if (rows < 1 || cols < 1) {
            throw new YalisException("tensor-parallel dimensions must be at least 1, got " + rows + "x" + cols);
        }
        if (rank < 0 || rank >= rows * cols) {
            throw new IllegalArgumentException("rank " + rank + " outside a " + rows + "x" + cols + " grid");
        }
    }

    public static RankGrid single() {
        return new RankGrid(1, 1, 0);
    }

    public int size() {
        return rows * cols;
    }

    /** This rank's grid row {@code r}: which slice of heads and MLP width it holds. */
    public int row() {
        return (rank / cols) % rows;
    }

    /** This rank's grid column {@code c}: which slice of the hidden state it holds. */
    public int col() {
        return rank % cols;
    }

    /** {@code [first, end)} of the {@code part}-th of {@code parts} near-equal slices of {@code total}. */
    static int sliceStart(int total, int parts, int part) {
        return (int) ((long) total * part / parts);
    }

    static int sliceLength(int total, int parts, int part) {
        return sliceStart(total, parts, part + 1) - sliceStart(total, parts, part);
    }
}
