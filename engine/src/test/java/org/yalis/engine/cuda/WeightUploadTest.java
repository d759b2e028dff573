package org.yalis.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.yalis.engine.cpu.Numerics;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;
import org.yalis.engine.testing.SimulatedKernelDevice;

/**
 * Weights reach the device as bf16 through {@link WeightUpload}: every row of a column slice exactly
 * once, in chunks of whole rows, f32 and f16 converted by our cast kernels. The kernels run here in
 * the CPU simulator (their own CUDA source), so the whole path, offsets included, is checked bit for
 * bit against {@link Numerics#floatToBf16} without a GPU.
 */
class WeightUploadTest {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    @Test
    void chunksCoverEveryRowOnceInWholeRows() {
        assertEquals(List.of(new WeightUpload.Chunk(0, 2), new WeightUpload.Chunk(2, 2), new WeightUpload.Chunk(4, 1)),
                WeightUpload.chunks(5, 100, 250));
        assertEquals(List.of(new WeightUpload.Chunk(0, 1), new WeightUpload.Chunk(1, 1)),
                WeightUpload.chunks(2, 1000, 10), "a row larger than a chunk is a chunk of its own");
        assertEquals(List.of(new WeightUpload.Chunk(0, 7)), WeightUpload.chunks(7, 8, 1 << 20));
        assertEquals(List.of(), WeightUpload.chunks(0, 8, 64));
        Random random = new Random(2);
        for (int i = 0; i < 1000; i++) {
            int rows = random.nextInt(300);
            long rowBytes = 1 + random.nextInt(5000);
            long chunkBytes = 1 + random.nextInt(20_000);
            int next = 0;
            for (WeightUpload.Chunk chunk : WeightUpload.chunks(rows, rowBytes, chunkBytes)) {
                assertEquals(next, chunk.firstRow());
                assertTrue(chunk.rows() >= 1);
                assertTrue(chunk.rows() == 1 || chunk.rows() * rowBytes <= chunkBytes);
                next += chunk.rows();
            }
            assertEquals(rows, next);
        }
    }

    @Test
    void castKernelsFollowTheSourceType() {
        assertEquals("", WeightUpload.castKernel(DType.BF16));
        assertEquals("yalis_cast_f32_to_bf16", WeightUpload.castKernel(DType.F32));
        assertEquals("yalis_cast_f16_to_bf16", WeightUpload.castKernel(DType.F16));
        assertThrows(IllegalArgumentException.class, () -> WeightUpload.castKernel(DType.I32));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void aChunkedColumnSliceArrivesAsBf16BitForBit(DType type) {
        int rows = 37;
        int cols = 50;
        int firstColumn = 5;
        int columns = 41;   // odd: the kernels' unaligned paths
        float[] values = values(new Random(type.ordinal()), rows * cols);
        try (Arena arena = Arena.ofConfined(); SimulatedKernelDevice device = SimulatedKernelDevice.create()) {
            Tensor source = hostTensor(arena, type, rows, cols, values);
            Tensor destination = device.allocateScratch(DType.BF16, rows, columns);
            byte[] copied = new byte[rows * columns * 2];
            long chunkBytes = 3L * columns * type.byteSize() + 1;   // three rows per chunk: 13 chunks
            int[] chunks = {0};
            WeightUpload.upload(source, firstColumn, columns, chunkBytes, bytes -> arena.allocate(bytes, 64),
                    (staged, stagedType, elements, offset) -> {
                        assertEquals(type, stagedType);
                        assertEquals(elements * type.byteSize(), staged.byteSize());
                        chunks[0]++;
                        if (stagedType == DType.BF16) {   // a plain copy to the device
                            MemorySegment.copy(staged, 0, MemorySegment.ofArray(copied), offset, staged.byteSize());
                        } else {                          // the backend's launch, on the simulated device
                            Tensor scratch = device.upload(stagedType, 1, (int) elements,
                                    staged.toArray(ValueLayout.JAVA_BYTE));
                            KernelOps.castToBf16(device, stagedType, scratch.data(),
                                    MemorySegment.ofAddress(destination.data().address() + offset), elements);
                        }
                    });
            short[] arrived = new short[rows * columns];
            MemorySegment.copy(type == DType.BF16 ? MemorySegment.ofArray(copied)
                    : MemorySegment.ofArray(device.bytes(destination)), SHORT, 0, arrived, 0, arrived.length);
            short[] expected = new short[rows * columns];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < columns; c++) {
                    expected[r * columns + c] = Numerics.floatToBf16(stored(type, values[r * cols + firstColumn + c]));
                }
            }
            assertArrayEquals(expected, arrived, type + " slice, chunk by chunk");
            assertEquals(13, chunks[0]);
            assertEquals(type == DType.BF16 ? 0 : 13, device.launches());
        }
    }

    /** Random normal values with the cases a cast must get right: zeros, infinities, ties, overflow, subnormals. */
    private static float[] values(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian() * 3;
        }
        float[] special = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1.00390625f, 1.01171875f,
                -2.00781250f, 3.4e38f, 1e-40f, -1e-40f, 65504f, 6.0e-8f};
        for (int i = 0; i < special.length; i++) {
            values[i * 7] = special[i];
        }
        return values;
    }

    /** The value as the checkpoint's dtype stores it (what the device converts). */
    private static float stored(DType type, float value) {
        return switch (type) {
            case F32 -> value;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(value));
            case BF16 -> Numerics.bf16ToFloat(Numerics.floatToBf16(value));
            case I32, Q8_0 -> throw new IllegalArgumentException();
        };
    }

    private static Tensor hostTensor(Arena arena, DType type, int rows, int cols, float[] values) {
        MemorySegment segment = arena.allocate((long) values.length * type.byteSize(), 64);
        for (int i = 0; i < values.length; i++) {
            switch (type) {
                case F32 -> segment.setAtIndex(FLOAT, i, values[i]);
                case F16 -> segment.setAtIndex(SHORT, i, Float.floatToFloat16(values[i]));
                case BF16 -> segment.setAtIndex(SHORT, i, Numerics.floatToBf16(values[i]));
                case I32, Q8_0 -> throw new IllegalArgumentException();
            }
        }
        return new Tensor(segment, type, rows, cols);
    }
}
