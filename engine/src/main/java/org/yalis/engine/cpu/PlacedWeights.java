package org.yalis.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * The checkpoint blocks a backend has placed, so that a block asked for twice is held once: a tied
 * model asks for its embedding table again as the LM head, and a tensor-parallel rank asks for a
 * row range of it (its vocabulary slice). A request is a hit when its source rows lie inside an
 * earlier request's source rows, with the same row length, element type, column range and target
 * type (as stored, or quantized); the hit is the matching row range of what was placed then, where
 * the placed tensor can be split there (a quantized one only at its row groups). Sources are told
 * apart by address within one memory scope (a checkpoint's mapping): memory freed and reused by another
 * allocation is never mistaken for a block already placed.
 */
final class PlacedWeights {
    private record Entry(MemorySegment.Scope scope, long sourceAddress, long sourceRowBytes, int sourceRows,
                         int sourceCols, DType sourceType, int firstColumn, int columns, Tensor placed) {
    }

    private final List<Entry> entries = new ArrayList<>();

    /** The placed tensor for these source rows and columns, or null if they were not placed yet. */
    Tensor find(Tensor source, int firstColumn, int columns, DType placedType) {
        long address = source.data().address();
        for (Entry entry : entries) {
            long offset = address - entry.sourceAddress;
            if (!entry.scope.equals(source.data().scope()) || entry.sourceType != source.dtype()
                    || entry.placed.dtype() != placedType
                    || entry.sourceCols != source.cols() || entry.firstColumn != firstColumn
                    || entry.columns != columns || offset < 0 || offset % entry.sourceRowBytes != 0) {
                continue;
            }
            long firstRow = offset / entry.sourceRowBytes;
            if (firstRow + source.rows() <= entry.sourceRows && splits(entry, (int) firstRow, source.rows())) {
                return entry.placed.rowSlice((int) firstRow, source.rows());
            }
        }
        return null;
    }

    /** Whether rows {@code [first, first + count)} of the placed tensor can be a view of their own. */
    private static boolean splits(Entry entry, int first, int count) {
        if (entry.placed.dtype() != DType.Q8_0) {
            return true;
        }
        int group = DType.Q8_GROUP_ROWS;
        return first % group == 0 && (count % group == 0 || first + count == entry.sourceRows);
    }

    Tensor remember(Tensor source, int firstColumn, int columns, Tensor placed) {
        // Vectors (norm weights) are tiny and never asked for twice: keep the list to the matrices.
        if (source.rows() > 1) {
            entries.add(new Entry(source.data().scope(), source.data().address(), source.rowBytes(), source.rows(),
                    source.cols(), source.dtype(), firstColumn, columns, placed));
        }
        return placed;
    }
}
