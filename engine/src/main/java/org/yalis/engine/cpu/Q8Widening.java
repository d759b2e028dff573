package org.yalis.engine.cpu;

import static org.yalis.engine.tensor.DType.Q8_BLOCK;
import static org.yalis.engine.tensor.DType.Q8_GROUP_ROWS;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * Q8_0 groups widened to bf16 for the library GEMM ({@link Q8Layout#widenTileToBf16}), 16 rows at a time
 * with 512-bit vectors, or one value at a time elsewhere (the same results).
 */
final class Q8Widening {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    private static final boolean VECTORS = FloatVector.SPECIES_PREFERRED.length() >= 16;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private Q8Widening() {
    }

    static void tile(Tensor q8, int firstRow, int count, MemorySegment out) {
        int cols = q8.cols();
        MemorySegment data = q8.data();
        for (int group = firstRow / Q8_GROUP_ROWS; group * Q8_GROUP_ROWS < firstRow + count; group++) {
            int lanes = Math.min(Q8_GROUP_ROWS, firstRow + count - group * Q8_GROUP_ROWS);
            long lane0 = (long) group * Q8_GROUP_ROWS - firstRow;
            for (long block = 0; block < DType.q8Blocks(cols); block++) {
                long at = Q8Layout.blockOffset(group, block, cols);
                int first = (int) (block * Q8_BLOCK);
                int columns = Math.min(Q8_BLOCK, cols - first);
                if (VECTORS && lanes == Q8_GROUP_ROWS) {
                    FloatVector scales = ((IntVector) ShortVector.fromMemorySegment(S, data, at, LE)
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13)
                            .reinterpretAsFloats().mul(0x1p112f);
                    for (int i = 0; i < columns; i++) {
                        FloatVector values = ((FloatVector) ByteVector.fromMemorySegment(B, data,
                                at + 2L * Q8_GROUP_ROWS + (long) i * Q8_GROUP_ROWS, LE)
                                .convertShape(VectorOperators.B2F, F, 0)).mul(scales);
                        roundToBf16(values).intoMemorySegment(out, (((long) first + i) * count + lane0) * 2, LE);
                    }
                } else {
                    for (int lane = 0; lane < lanes; lane++) {
                        float scale = Float.float16ToFloat(data.get(SHORT, at + 2L * lane));
                        for (int i = 0; i < columns; i++) {
                            byte value = data.get(ValueLayout.JAVA_BYTE,
                                    at + 2L * Q8_GROUP_ROWS + (long) i * Q8_GROUP_ROWS + lane);
                            out.set(SHORT, (((long) first + i) * count + lane0 + lane) * 2,
                                    Numerics.floatToBf16(value * scale));
                        }
                    }
                }
            }
        }
    }

    /** Round to nearest even into bf16 bit patterns (the values are finite: int8 times a finite scale). */
    private static ShortVector roundToBf16(FloatVector values) {
        IntVector bits = values.reinterpretAsInts();
        IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1).add(0x7FFF))
                .lanewise(VectorOperators.LSHR, 16);
        return (ShortVector) rounded.convertShape(VectorOperators.I2S, S, 0);
    }
}
