package org.yalis.bindings.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

/** {@code kernelParams} is an array of pointers to the values, in parameter order. */
class KernelArgumentsTest {

    private static MemorySegment slot(MemorySegment array, int index, long bytes) {
        return array.getAtIndex(ADDRESS, index).reinterpret(bytes);
    }

    @Test
    void eachSlotPointsAtItsValue() {
        try (Arena arena = Arena.ofConfined()) {
            MemoryLayout pair = MemoryLayout.structLayout(JAVA_INT.withName("a"), JAVA_FLOAT.withName("b"));
            MemorySegment pairValue = arena.allocate(pair);
            pairValue.set(JAVA_INT, 0, 11);
            pairValue.set(JAVA_FLOAT, 4, 0.5f);
            KernelArguments arguments = new KernelArguments(arena).pointer(MemorySegment.ofAddress(0x7f00_dead_b000L))
                    .int32(-7).float32(2.5f).int64(1L << 40).float64(-0.25).struct(pairValue, pair);
            assertEquals(6, arguments.count());
            MemorySegment array = arguments.parameterArray().reinterpret(6 * ADDRESS.byteSize());
            assertEquals(0x7f00_dead_b000L, slot(array, 0, 8).get(JAVA_LONG, 0));
            assertEquals(-7, slot(array, 1, 4).get(JAVA_INT, 0));
            assertEquals(2.5f, slot(array, 2, 4).get(JAVA_FLOAT, 0));
            assertEquals(1L << 40, slot(array, 3, 8).get(JAVA_LONG, 0));
            assertEquals(-0.25, slot(array, 4, 8).get(JAVA_DOUBLE, 0));
            assertEquals(11, slot(array, 5, 8).get(JAVA_INT, 0));
            assertEquals(0.5f, slot(array, 5, 8).get(JAVA_FLOAT, 4));
            for (int i = 0; i < 6; i++) {
                long address = array.getAtIndex(ADDRESS, i).address();
                assertEquals(0, address % 4, "slot " + i + " is aligned for its type");
            }
        }
    }

    @Test
    void noArgumentsIsANullArray() {
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(0, new KernelArguments(arena).parameterArray().address());
        }
    }

    @Test
    void aStructOfTheWrongSizeIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemoryLayout layout = MemoryLayout.structLayout(JAVA_LONG, JAVA_LONG);
            assertThrows(IllegalArgumentException.class,
                    () -> new KernelArguments(arena).struct(arena.allocate(8), layout));
        }
    }
}
