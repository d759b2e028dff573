package org.yalis.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A row-major matrix of {@code rows x cols} elements in memory a compute backend owns: host
 * memory for the CPU backend, a device address for a GPU backend. Vectors are {@code 1 x n}.
 * Activations of a step are {@code tokens x features}; weights are {@code out x in} as PyTorch's
 * {@code nn.Linear} stores them.
 *
 * <p>The segment's lifetime belongs to whoever allocated it (a backend's arena); a tensor is only
 * a view.
 */
public record Tensor(MemorySegment data, DType dtype, int rows, int cols) {

    public Tensor {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        }
        if (data.byteSize() < dtype.bytesFor(rows, cols)) {
            throw new IllegalArgumentException("segment of " + data.byteSize() + " bytes too small for "
                    + rows + "x" + cols + " " + dtype);
        }
    }

    public long elementCount() {
        return (long) rows * cols;
    }

    public long byteSize() {
        return dtype.bytesFor(rows, cols);
    }

    /** Bytes of one row; a {@code Q8_0} tensor stores its rows in groups and has no row size. */
    public long rowBytes() {
        return (long) cols * dtype.byteSize();
    }

    /** The first {@code count} rows: how a step uses a workspace sized for the largest step. */
    public Tensor firstRows(int count) {
        return rowSlice(0, count);
    }

    public Tensor rowSlice(int firstRow, int count) {
        if (firstRow < 0 || count < 0 || firstRow + count > rows) {
            throw new IndexOutOfBoundsException("rows [" + firstRow + ", " + (firstRow + count) + ") of " + rows);
        }
        long start = dtype.rowOffset(firstRow, cols);
        long end = firstRow + count == rows ? byteSize() : dtype.rowOffset(firstRow + count, cols);
        return new Tensor(data.asSlice(start, end - start), dtype, count, cols);
    }

    /** The same bytes seen as another shape with the same element count. */
    public Tensor reshape(int newRows, int newCols) {
        if ((long) newRows * newCols != elementCount()) {
            throw new IllegalArgumentException("cannot view " + rows + "x" + cols + " as " + newRows + "x" + newCols);
        }
        return new Tensor(data, dtype, newRows, newCols);
    }

    @Override
    public String toString() {
        return "Tensor[" + rows + "x" + cols + " " + dtype + "]";
    }
}
