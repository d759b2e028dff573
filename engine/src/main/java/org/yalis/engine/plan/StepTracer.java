package org.yalis.engine.plan;

import java.util.ArrayList;
import java.util.List;

import org.yalis.engine.StepBuilder;
import org.yalis.engine.YalisException;
import org.yalis.engine.kv.BlockTable;
import org.yalis.engine.kv.KvBlockPool;
import org.yalis.engine.model.LlamaConfig;
import org.yalis.engine.model.LlamaModel;
import org.yalis.engine.model.LocalShape;
import org.yalis.engine.model.Phase;
import org.yalis.engine.parallel.GridPlan;
import org.yalis.engine.parallel.RankGrid;
import org.yalis.engine.parallel.ShardingPlan;
import org.yalis.engine.parallel.SingleRankPlan;
import org.yalis.engine.sched.ScheduledStep;
import org.yalis.engine.sched.Scheduler;
import org.yalis.engine.sched.Sequence;
import org.yalis.engine.tensor.DType;

/**
 * Runs the engine's own code for a run without computing anything: {@link LlamaModel#load} through the
 * {@link GridPlan} the engine would build (or {@link SingleRankPlan} for one rank), and the
 * {@link Scheduler} and {@link LlamaModel#forward} of every step, on a shape-only backend, attention and
 * communicators that record what each call would do. The trace is therefore what the engine issues, by
 * construction: the same products, the same collectives of the same sizes in the same groups.
 *
 * <p>It traces rank 0 of the grid; other ranks issue the same calls (with the same sizes where the MLP
 * width divides evenly over the grid rows, as it does for every published Llama).
 */
public final class StepTracer {
    private StepTracer() {
    }

    public static RunTrace trace(LlamaConfig config, RunShape shape) {
        GridPlan.checkDivisible(config, shape.tpRows(), shape.tpCols());
        int sequenceLength = shape.promptLength() + shape.decodeLength();
        if (sequenceLength > config.maxPositions()) {
            throw new YalisException("a prompt of " + shape.promptLength() + " tokens and " + shape.decodeLength()
                    + " new ones need " + sequenceLength + " positions, but the model's context is "
                    + config.maxPositions() + "; shorten --prompt-len or --decode-len");
        }
        TraceRecorder recorder = new TraceRecorder();
        RankGrid grid = new RankGrid(shape.tpRows(), shape.tpCols(), 0);
        ShardingPlan plan = grid.size() == 1 ? new SingleRankPlan() : new GridPlan(config, grid,
                // The row group: the ranks of grid row r, r*C + c for every column c.
                new RecordingCommunicator(grid.col(), grid.cols(), grid.row() * grid.cols(), 1, recorder),
                // The column group: the ranks of grid column c, r*C + c for every row r.
                new RecordingCommunicator(grid.row(), grid.rows(), grid.col(), grid.cols(), recorder));
        ShapeOnlyCheckpoint checkpoint = new ShapeOnlyCheckpoint(config, shape.weightType());
        ShapeOnlyBackend backend = new ShapeOnlyBackend(shape.activationType(), recorder);
        // As the engine caps it: a step never holds more than --max-batch sequences of the whole context.
        int maxStepTokens = (int) Math.min(shape.maxStepTokens(), (long) config.maxPositions() * shape.maxBatch());
        LlamaModel model = LlamaModel.load(config, checkpoint, backend, plan, sequenceLength, maxStepTokens,
                shape.maxBatch(), null);
        long allocated = backend.allocatedBytes();
        LocalShape local = model.shape();
        ShapeOnlyAttention attention = new ShapeOnlyAttention(local.heads(), local.kvHeads(), local.headDim(),
                shape.activationType(), recorder);

        int blocksPerSequence = (sequenceLength + shape.kvBlockSize() - 1) / shape.kvBlockSize();
        KvBlockPool pool = new KvBlockPool(blocksPerSequence * shape.batch(), shape.kvBlockSize(), false);
        Scheduler scheduler = new Scheduler(pool, shape.maxBatch(), model.maxStepTokens());
        List<Sequence> sequences = new ArrayList<>();
        for (int s = 0; s < shape.batch(); s++) {
            Sequence sequence = new Sequence(s, new int[shape.promptLength()], sequenceLength, new BlockTable(pool));
            sequences.add(sequence);
            scheduler.add(sequence);
        }
        StepTrace prefill = new StepTrace();
        StepTrace decode = new StepTrace();
        while (scheduler.hasUnfinished()) {
            ScheduledStep step = scheduler.next();
            StepTrace phase = step.phase() == Phase.PREFILL ? prefill : decode;
            recorder.recordInto(phase);
            model.forward(StepBuilder.stepInput(step), attention);
            // The engine's greedy sampling: an argmax per sampled row on the device.
            backend.argmaxRows(ShapeOnlyTensors.tensor(DType.F32, step.sampledSequences(),
                    local.vocab()), ShapeOnlyTensors.tensor(DType.I32, step.sampledSequences(), 1));
            recorder.recordInto(null);
            phase.step(step.tokens());
            scheduler.completed(step);
            for (ScheduledStep.Chunk chunk : step.chunks()) {
                if (!chunk.samples()) {
                    continue;
                }
                Sequence sequence = chunk.sequence();
                sequence.append(0);
                if (sequence.generatedCount() >= shape.decodeLength()) {
                    scheduler.finish(sequence);
                }
            }
        }
        long kvBytes = (long) shape.batch() * sequenceLength * config.layers() * 2L
                * shape.activationType().bytesFor(1, local.kvDim());
        return new RunTrace(shape, prefill, decode, model.streamedWeightBytes(), allocated, kvBytes,
                checkpoint.totalBytes());
    }
}
