package org.yalis.engine.cpu;

import java.util.ArrayList;
import java.util.List;

import org.yalis.engine.tensor.Tensor;

/**
 * The checkpoint blocks a backend has placed, so that a block asked for twice is held once: a tied
 * model asks for its embedding table again as the LM head, and a tensor-parallel rank asks for a
 * row range of it (its vocabulary slice). A request is a hit when its source rows lie inside an
 * earlier request's source rows, with the same row length, element type and column range; the hit
 * is the matching row range of what was placed then.
 */
final class PlacedWeights {
    private record Entry(long sourceAddress, long sourceRowBytes, int sourceRows, int sourceCols, int firstColumn,
                         int columns, Tensor placed) {
    }

    private final List<Entry> entries = new ArrayList<>();

    /** The placed tensor for these source rows and columns, or null if they were not placed yet. */
    Tensor find(Tensor source, int firstColumn, int columns) {
        long address = source.data().address();
        for (Entry entry : entries) {
            long offset = address - entry.sourceAddress;
            if (entry.placed.dtype() != source.dtype() || entry.sourceCols != source.cols()
                    || entry.firstColumn != firstColumn || entry.columns != columns
                    || offset < 0 || offset % entry.sourceRowBytes != 0) {
                continue;
            }
            long firstRow = offset / entry.sourceRowBytes;
            if (firstRow + source.rows() <= entry.sourceRows) {
                return entry.placed.rowSlice((int) firstRow, source.rows());
            }
        }
        return null;
    }

    Tensor remember(Tensor source, int firstColumn, int columns, Tensor placed) {
        // Vectors (norm weights) are tiny and never asked for twice: keep the list to the matrices.
        if (source.rows() > 1) {
            entries.add(new Entry(source.data().address(), source.rowBytes(), source.rows(), source.cols(),
                    firstColumn, columns, placed));
        }
        return placed;
    }
}
