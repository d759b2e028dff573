package org.yalis.engine;

import org.yalis.engine.attention.AttentionBatch;
import org.yalis.engine.model.StepInput;
import org.yalis.engine.sched.ScheduledStep;
import org.yalis.engine.sched.Sequence;

/** Flattens a scheduled step into the model's input: tokens, positions, cache slots, sampled rows. */
public final class StepBuilder {
    private StepBuilder() {
    }

    public static StepInput stepInput(ScheduledStep step) {
        int tokens = step.tokens();
        int sequences = step.chunks().size();
        int[] tokenIds = new int[tokens];
        int[] positions = new int[tokens];
        int[] slots = new int[tokens];
        int[] queryStarts = new int[sequences];
        int[] queryLengths = new int[sequences];
        int[] contextLengths = new int[sequences];
        int[][] blockTables = new int[sequences][];
        int[] logitRows = new int[step.sampledSequences()];
        int row = 0;
        int sampled = 0;
        for (int s = 0; s < sequences; s++) {
            ScheduledStep.Chunk chunk = step.chunks().get(s);
            Sequence sequence = chunk.sequence();
            queryStarts[s] = row;
            queryLengths[s] = chunk.count();
            contextLengths[s] = chunk.start() + chunk.count();
            blockTables[s] = sequence.blockTable().blocks();
            for (int i = 0; i < chunk.count(); i++) {
                int position = chunk.start() + i;
                tokenIds[row] = sequence.tokenAt(position);
                positions[row] = position;
                slots[row] = sequence.blockTable().slot(position);
                row++;
            }
            if (chunk.samples()) {
                logitRows[sampled++] = row - 1;
            }
        }
        return new StepInput(step.phase(), tokenIds, positions,
                new AttentionBatch(queryStarts, queryLengths, contextLengths, blockTables, slots), logitRows);
    }
}
