package org.yalis.engine.parallel;

import org.yalis.engine.YalisException;
import org.yalis.engine.checkpoint.CheckpointTensor;
import org.yalis.engine.comm.Communicator;
import org.yalis.engine.model.Linear;
import org.yalis.engine.model.LlamaConfig;
import org.yalis.engine.model.LocalShape;
import org.yalis.engine.model.Norm;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * Tensor parallelism over an R x C {@link RankGrid}: 1D Megatron-style when C = 1, AxoNN 2D
 * otherwise. For each linear layer it loads this rank's block of the weight and wires the
 * all-reduce that completes the output:
 *
 * <pre>
 * q, k, v, gate, up   W[out split over R, in split over C]   all-reduce over the row group (size C)
 * o, down             W[out split over C, in split over R]   all-reduce over the column group (size R)
 * lm_head             W[vocab split over R, in split over C] all-reduce over the row group, then
 *                                                            all-gather of the vocabulary slices over
 *                                                            the column group (R = 1 or a vocabulary
 *                                                            that R does not divide: whole vocabulary)
 * norms               hidden split over C: sum of squares all-reduced over the row group
 * embedding           table[vocab, hidden split over C]
 * </pre>
 *
 * Heads split over R; with fewer KV heads than R, each rank keeps the one KV head its query heads
 * read (KV heads are replicated). Every rank reads only its own byte ranges of the checkpoint.
 */
public final class GridPlan implements ShardingPlan {
    private final LlamaConfig config;
    private final RankGrid grid;
    /** Ranks in this rank's grid row (same r): they share output slices of q, k, v, gate, up, lm_head. */
    private final Communicator rowGroup;
    /** Ranks in this rank's grid column (same c): they share output slices of o and down. */
    private final Communicator columnGroup;

    public GridPlan(LlamaConfig config, RankGrid grid, Communicator rowGroup, Communicator columnGroup) {
        checkDivisible(config, grid.rows(), grid.cols());
        if (rowGroup.size() != grid.cols() || columnGroup.size() != grid.rows()) {
            throw new IllegalArgumentException("groups of " + rowGroup.size() + " and " + columnGroup.size()
                    + " ranks do not fit a " + grid.rows() + "x" + grid.cols() + " grid");
        }
        this.config = config;
        this.grid = grid;
        this.rowGroup = rowGroup;
        this.columnGroup = columnGroup;
    }

    /** Checks that {@code config} can be split over {@code grid}, with a reason when it cannot. */
    public static void checkDivisible(LlamaConfig config, int rows, int cols) {
        String layout = rows + "x" + cols + " tensor-parallel grid";
        if (config.heads() % rows != 0) {
            throw new YalisException("a " + layout + " splits heads over " + rows + " ranks, but the model has "
                    + config.heads() + " attention heads; choose a row count that divides " + config.heads());
        }
        if (config.kvHeads() % rows != 0 && rows % config.kvHeads() != 0) {
            throw new YalisException("a " + layout + " needs " + rows + " to divide the " + config.kvHeads()
                    + " KV heads or be a multiple of them");
        }
        if (config.hiddenSize() % cols != 0) {
            throw new YalisException("a " + layout + " splits hidden_size " + config.hiddenSize() + " over " + cols
                    + " ranks; choose a column count that divides it");
        }
        if (config.intermediateSize() < rows) {
            throw new YalisException("a " + layout + " cannot split intermediate_size " + config.intermediateSize()
                    + " over " + rows + " ranks");
        }
    }

    @Override
    public LocalShape localShape(LlamaConfig config) {
        return new LocalShape(config.hiddenSize() / grid.cols(), config.heads() / grid.rows(),
                localKvHeads(config), config.headDim(),
                RankGrid.sliceLength(config.intermediateSize(), grid.rows(), grid.row()), config.vocabSize());
    }

    private int localKvHeads(LlamaConfig config) {
        return config.kvHeads() % grid.rows() == 0 ? config.kvHeads() / grid.rows() : 1;
    }

    /** First KV head this rank holds. */
    private int firstKvHead(LlamaConfig config) {
        if (config.kvHeads() % grid.rows() == 0) {
            return grid.row() * localKvHeads(config);
        }
        int queryHeadsPerRank = config.heads() / grid.rows();
        int queryHeadsPerKvHead = config.heads() / config.kvHeads();
        return grid.row() * queryHeadsPerRank / queryHeadsPerKvHead;
    }

    @Override
    public Linear linear(LinearRole role, CheckpointTensor weight, ComputeBackend backend) {
        LlamaConfig c = config;
        int hidden = c.hiddenSize();
        int hiddenStart = RankGrid.sliceStart(hidden, grid.cols(), grid.col());
        int hiddenLength = RankGrid.sliceLength(hidden, grid.cols(), grid.col());
        Tensor matrix = weight.asMatrix();
        return switch (role) {
            case Q -> rowGroupLinear(backend, matrix,
                    grid.row() * (c.heads() / grid.rows()) * c.headDim(), c.heads() / grid.rows() * c.headDim(),
                    hiddenStart, hiddenLength);
            case K, V -> rowGroupLinear(backend, matrix, firstKvHead(c) * c.headDim(), localKvHeads(c) * c.headDim(),
                    hiddenStart, hiddenLength);
            case GATE, UP -> rowGroupLinear(backend, matrix,
                    RankGrid.sliceStart(c.intermediateSize(), grid.rows(), grid.row()),
                    RankGrid.sliceLength(c.intermediateSize(), grid.rows(), grid.row()), hiddenStart, hiddenLength);
            case LM_HEAD -> c.vocabSize() % grid.rows() == 0 && grid.rows() > 1
                    ? new VocabParallelLinear(backend, backend.loadMatrix(matrix.rowSlice(
                            grid.row() * (c.vocabSize() / grid.rows()), c.vocabSize() / grid.rows()), hiddenStart,
                            hiddenLength), rowGroup, columnGroup)
                    : rowGroupLinear(backend, matrix, 0, c.vocabSize(), hiddenStart, hiddenLength);
            case O -> columnGroupLinear(backend, matrix, hiddenStart, hiddenLength,
                    grid.row() * (c.heads() / grid.rows()) * c.headDim(), c.heads() / grid.rows() * c.headDim());
            case DOWN -> columnGroupLinear(backend, matrix, hiddenStart, hiddenLength,
                    RankGrid.sliceStart(c.intermediateSize(), grid.rows(), grid.row()),
                    RankGrid.sliceLength(c.intermediateSize(), grid.rows(), grid.row()));
        };
    }

    private Linear rowGroupLinear(ComputeBackend backend, Tensor matrix, int firstRow, int rows, int firstColumn,
                                  int columns) {
        Tensor shard = backend.loadMatrix(matrix.rowSlice(firstRow, rows), firstColumn, columns);
        return new ShardedLinear(backend, shard, rowGroup);
    }

    private Linear columnGroupLinear(ComputeBackend backend, Tensor matrix, int firstRow, int rows, int firstColumn,
                                     int columns) {
        Tensor shard = backend.loadMatrix(matrix.rowSlice(firstRow, rows), firstColumn, columns);
        return new ShardedLinear(backend, shard, columnGroup);
    }

    @Override
    public Norm norm(CheckpointTensor weight, float eps, ComputeBackend backend) {
        int hidden = (int) weight.elementCount();
        Tensor slice = backend.loadWeightColumns(weight.asMatrix(), RankGrid.sliceStart(hidden, grid.cols(), grid.col()),
                RankGrid.sliceLength(hidden, grid.cols(), grid.col()));
        if (grid.cols() == 1) {
            return new SingleRankPlan.RmsNorm(backend, slice, eps);
        }
        return new SplitRmsNorm(backend, slice, hidden, eps, rowGroup);
    }

    @Override
    public Tensor embedding(CheckpointTensor table, ComputeBackend backend) {
        int hidden = (int) table.shape()[1];
        return backend.loadMatrix(table.asMatrix(), RankGrid.sliceStart(hidden, grid.cols(), grid.col()),
                RankGrid.sliceLength(hidden, grid.cols(), grid.col()));
    }

    /** A linear layer holding one block of the weight; its output is completed by an all-reduce. */
    record ShardedLinear(SingleRankPlan.DenseLinear block, Communicator partialSumGroup) implements Linear {
        ShardedLinear(ComputeBackend backend, Tensor weight, Communicator partialSumGroup) {
            this(new SingleRankPlan.DenseLinear(backend, weight), partialSumGroup);
        }

        @Override
        public int inFeatures() {
            return block.inFeatures();
        }

        @Override
        public int outFeatures() {
            return block.outFeatures();
        }

        @Override
        public long weightBytes() {
            return block.weightBytes();
        }

        @Override
        public DType weightType() {
            return block.weightType();
        }

        @Override
        public void forward(Tensor x, Tensor out) {
            block.forward(x, out);
            if (partialSumGroup.size() > 1) {
                partialSumGroup.allReduceSum(out);
            }
        }
    }

    /**
     * The LM head split by vocabulary over the column group: each rank computes the logits of its
     * slice of the vocabulary (completing them over the row group when the hidden state is split),
     * then the slices are gathered and laid side by side, so every rank holds every logit. Each rank
     * streams 1/R of the head's weight: for Llama 3 (a 128K vocabulary) that is a fifth of the model.
     */
    static final class VocabParallelLinear implements Linear {
        private final ComputeBackend backend;
        private final SingleRankPlan.DenseLinear slice;
        private final Communicator partialSumGroup;
        private final Communicator vocabularyGroup;
        private Tensor slices;
        private Tensor gathered;

        VocabParallelLinear(ComputeBackend backend, Tensor weight, Communicator partialSumGroup,
                            Communicator vocabularyGroup) {
            this.backend = backend;
            this.slice = new SingleRankPlan.DenseLinear(backend, weight);
            this.partialSumGroup = partialSumGroup;
            this.vocabularyGroup = vocabularyGroup;
        }

        @Override
        public int inFeatures() {
            return slice.inFeatures();
        }

        /** This rank's share of the vocabulary. */
        @Override
        public int outFeatures() {
            return slice.outFeatures();
        }

        @Override
        public long weightBytes() {
            return slice.weightBytes();
        }

        @Override
        public DType weightType() {
            return slice.weightType();
        }

        @Override
        public void forward(Tensor x, Tensor out) {
            int rows = x.rows();
            int ranks = vocabularyGroup.size();
            int width = slice.outFeatures();
            if (out.cols() != width * ranks) {
                throw new IllegalArgumentException("logits " + out + " do not hold " + ranks + " slices of " + width);
            }
            if (slices == null || slices.rows() < rows) {
                slices = backend.allocate(out.dtype(), Math.max(rows, 16), width);
                gathered = backend.allocate(out.dtype(), Math.max(rows, 16) * ranks, width);
            }
            Tensor mine = slices.firstRows(rows);
            slice.forward(x, mine);
            if (partialSumGroup.size() > 1) {
                partialSumGroup.allReduceSum(mine);
            }
            Tensor all = gathered.firstRows(rows * ranks);
            vocabularyGroup.allGather(mine, all);
            for (int rank = 0; rank < ranks; rank++) {
                backend.copyIntoColumns(all.rowSlice(rank * rows, rows), out, rank * width);
            }
        }
    }

    /** RMSNorm over a hidden state split across the row group: the sums of squares are all-reduced. */
    static final class SplitRmsNorm implements Norm {
        private final ComputeBackend backend;
        private final Tensor weight;
        private final int width;
        private final float eps;
        private final Communicator group;
        private Tensor sums;

        SplitRmsNorm(ComputeBackend backend, Tensor weight, int width, float eps, Communicator group) {
            this.backend = backend;
            this.weight = weight;
            this.width = width;
            this.eps = eps;
            this.group = group;
        }

        @Override
        public void forward(Tensor x, Tensor out) {
            if (sums == null || sums.rows() < x.rows()) {
                sums = backend.allocate(DType.F32, Math.max(x.rows(), 64), 1);
            }
            Tensor rowSums = sums.firstRows(x.rows());
            backend.sumOfSquares(x, rowSums);
            group.allReduceSum(rowSums);
            backend.rmsnormFromSumOfSquares(x, rowSums, width, weight, eps, out);
        }

        /** The add cannot join the norm here: the sums of squares are all-reduced in between. */
        @Override
        public void addThenForward(Tensor residual, Tensor addend, Tensor out) {
            backend.add(residual, addend);
            forward(residual, out);
        }
    }
}
