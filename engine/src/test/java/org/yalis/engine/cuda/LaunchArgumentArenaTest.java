package org.yalis.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

import org.yalis.bindings.cuda.KernelArguments;

/** Kernel parameter values in the reused slab: aligned, intact until the next reset, bounded. */
class LaunchArgumentArenaTest {

    @Test
    void argumentsAreWrittenAlignedAndTheSlabIsReusedAfterReset() {
        try (LaunchArgumentArena arena = new LaunchArgumentArena(256)) {
            MemorySegment first = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment second = arena.allocate(ValueLayout.JAVA_LONG);
            assertEquals(0, second.address() % 8, "a long is 8-byte aligned after an int");
            assertEquals(first.address() + 8, second.address());
            arena.reset();
            assertEquals(first.address(), arena.allocate(ValueLayout.JAVA_INT).address(), "reused from the start");

            arena.reset();
            KernelArguments arguments = new KernelArguments(arena).pointer(MemorySegment.ofAddress(0x1000))
                    .int32(7).int64(1L << 40).float32(0.5f);
            assertEquals(4, arguments.count());
            assertThrows(IllegalStateException.class, () -> arena.allocate(512, 8), "past the slab");
        }
    }
}
