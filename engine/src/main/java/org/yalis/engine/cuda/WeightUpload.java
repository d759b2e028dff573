package org.yalis.engine.cuda;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;
import org.yalis.nativelib.YalisKernels;

/**
 * How a host weight (or a column slice of it, a tensor-parallel shard) reaches the device as bf16:
 * in chunks of whole rows that fit a staging region. Each chunk's rows are gathered on the host into
 * the region, in the checkpoint's dtype, and handed to a {@link Sink}: a bf16 chunk is copied straight
 * to its place in the destination; an f32 or f16 chunk is copied to device scratch and converted there
 * by our cast kernels ({@code yalis_cast_f32_to_bf16}, {@code yalis_cast_f16_to_bf16}), which round
 * exactly as {@code Numerics.floatToBf16} does (KERNELS.md: bit-exact). Converting on the device keeps
 * the host's part a plain memory copy, and the conversion rate at the GPU's.
 */
final class WeightUpload {
    private WeightUpload() {
    }

    /** Rows {@code [firstRow, firstRow + rows)} of the slice. */
    record Chunk(int firstRow, int rows) {
    }

    /** Where a staged chunk goes. */
    interface Sink {
        /**
         * @param stagedRows            the chunk's rows, contiguous, in {@code sourceType}
         * @param sourceType            the checkpoint's dtype: BF16 is copied as is, F32 and F16 are cast
         * @param elements              values in the chunk
         * @param destinationByteOffset where the chunk's first bf16 value goes in the destination
         */
        void send(MemorySegment stagedRows, DType sourceType, long elements, long destinationByteOffset);
    }

    /** Chunks of whole rows of at most {@code chunkBytes} each (one row per chunk when a row is larger). */
    static List<Chunk> chunks(int rows, long rowBytes, long chunkBytes) {
        if (rows < 0 || rowBytes < 0 || chunkBytes < 1) {
            throw new IllegalArgumentException("chunks of " + rows + " rows of " + rowBytes + " bytes by " + chunkBytes);
        }
        int rowsPerChunk = (int) Math.clamp(rowBytes == 0 ? rows : chunkBytes / rowBytes, 1, Math.max(1, rows));
        List<Chunk> chunks = new ArrayList<>();
        for (int first = 0; first < rows; first += rowsPerChunk) {
            chunks.add(new Chunk(first, Math.min(rowsPerChunk, rows - first)));
        }
        return chunks;
    }

    /** The kernel that converts {@code source} values to bf16 on the device; empty name for bf16 itself. */
    static String castKernel(DType source) {
        return switch (source) {
            case BF16 -> "";
            case F32 -> YalisKernels.CAST_F32_TO_BF16;
            case F16 -> YalisKernels.CAST_F16_TO_BF16;
            case I32, Q8_0 -> throw new IllegalArgumentException("an I32 tensor is not a weight");
        };
    }

    /**
     * Sends columns {@code [firstColumn, firstColumn + columns)} of every row of {@code hostSource} to
     * {@code sink}, chunk by chunk; only those bytes of the source are read.
     *
     * @param staging gives a host region of the requested bytes for each chunk
     */
    static void upload(Tensor hostSource, int firstColumn, int columns, long chunkBytes,
                       LongFunction<MemorySegment> staging, Sink sink) {
        if (firstColumn < 0 || columns < 0 || firstColumn + columns > hostSource.cols()) {
            throw new IllegalArgumentException("columns [" + firstColumn + ", " + (firstColumn + columns) + ") of "
                    + hostSource);
        }
        DType type = hostSource.dtype();
        castKernel(type);   // refuses I32 before anything is copied
        long elementBytes = type.byteSize();
        long sliceRowBytes = columns * elementBytes;
        long sourceRowBytes = hostSource.rowBytes();
        long sourceColumnOffset = firstColumn * elementBytes;
        boolean contiguous = columns == hostSource.cols();
        for (Chunk chunk : chunks(hostSource.rows(), sliceRowBytes, chunkBytes)) {
            long bytes = chunk.rows() * sliceRowBytes;
            MemorySegment region = staging.apply(bytes);
            if (contiguous) {
                MemorySegment.copy(hostSource.data(), chunk.firstRow() * sourceRowBytes, region, 0, bytes);
            } else {
                for (int r = 0; r < chunk.rows(); r++) {
                    MemorySegment.copy(hostSource.data(), (chunk.firstRow() + r) * sourceRowBytes + sourceColumnOffset,
                            region, r * sliceRowBytes, sliceRowBytes);
                }
            }
            long elements = (long) chunk.rows() * columns;
            sink.send(region, type, elements, (long) chunk.firstRow() * columns * DType.BF16.byteSize());
        }
    }
}
