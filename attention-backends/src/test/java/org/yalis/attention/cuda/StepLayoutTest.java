package org.yalis.attention.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import org.yalis.engine.attention.AttentionBatch;

/** The packed per-step layout the paged kernels read: sections, padding, and the host-side checks. */
class StepLayoutTest {

    @Test
    void packsStartsLengthsContextsSlotsAndPaddedBlockTables() {
        // Two sequences: 3 new tokens over a context of 5 (blocks 7, 2), and 1 new token over 1 (block 4).
        AttentionBatch batch = new AttentionBatch(new int[] {0, 3}, new int[] {3, 1}, new int[] {5, 1},
                new int[][] {{7, 2}, {4}}, new int[] {2 * 4 + 0, 7 * 4 + 0, 7 * 4 + 1, 4 * 4 + 0});
        // (the layout copies the slots it is given; only their range inside the 8 x 4 slots is checked)
        StepLayout layout = StepLayout.of(batch, 8, 4);
        assertEquals(2, layout.sequences());
        assertEquals(4, layout.tokens());
        assertEquals(2, layout.blockTableStride());
        assertEquals(3, layout.maxQueryLength());
        assertEquals(5, layout.maxContextLength());
        assertFalse(layout.singleTokens());
        assertArrayEquals(new int[] {
                0, 3,           // query starts
                3, 1,           // query lengths
                5, 1,           // context lengths
                8, 28, 29, 16,  // slot mapping
                7, 2,           // block table of sequence 0
                4, 0},          // block table of sequence 1, padded to the stride
                layout.packed());
        assertEquals(0, layout.queryStartsOffset());
        assertEquals(2, layout.queryLengthsOffset());
        assertEquals(4, layout.contextLengthsOffset());
        assertEquals(6, layout.slotMappingOffset());
        assertEquals(10, layout.blockTablesOffset());
    }

    @Test
    void aDecodeStepIsSingleTokens() {
        AttentionBatch batch = new AttentionBatch(new int[] {0, 1, 2}, new int[] {1, 1, 1}, new int[] {17, 1, 600},
                new int[][] {{0, 1}, {2}, new int[38]}, new int[] {16, 32, 599});
        int[][] tables = batch.blockTables();
        for (int i = 0; i < tables[2].length; i++) {
            tables[2][i] = 3 + i;
        }
        StepLayout layout = StepLayout.of(batch, 64, 16);
        assertTrue(layout.singleTokens());
        assertEquals(600, layout.maxContextLength());
        assertEquals(64, layout.blockTableStride(), "the longest table, 38 blocks, rounded up to a power of two");
        assertEquals(3 * 3 + 3 + 3 * 64, layout.packed().length);
        int[] second = Arrays.copyOfRange(layout.packed(), layout.blockTablesOffset() + 64,
                layout.blockTablesOffset() + 128);
        assertEquals(2, second[0]);
        assertEquals(0, Arrays.stream(second, 1, 64).sum(), "padding is zeros");
    }

    @Test
    void theStrideIsTheNextPowerOfTwoSoGrowingTablesKeepTheirOffsets() {
        int[] longest = {1, 2, 3, 4, 5, 8, 9, 16, 17, 1000, 1024, 1025};
        int[] stride = {1, 2, 4, 4, 8, 8, 16, 16, 32, 1024, 1024, 2048};
        for (int i = 0; i < longest.length; i++) {
            assertEquals(stride[i], StepLayout.paddedStride(longest[i]), "longest table " + longest[i]);
        }
        // Decode steps of one sequence growing from 33 to 64 tokens (blocks of 16): one layout shape.
        int[] previous = null;
        for (int context = 33; context <= 64; context++) {
            int[] table = new int[Math.ceilDiv(context, 16)];
            for (int b = 0; b < table.length; b++) {
                table[b] = b;
            }
            StepLayout layout = StepLayout.of(new AttentionBatch(new int[] {0}, new int[] {1}, new int[] {context},
                    new int[][] {table}, new int[] {context - 1}), 8, 16);
            int[] offsets = {layout.blockTableStride(), layout.blockTablesOffset(), layout.packed().length};
            if (previous != null) {
                assertArrayEquals(previous, offsets, "context " + context);
            }
            previous = offsets;
        }
    }

    @Test
    void refusesWhatTheKernelsWouldReadOutOfBounds() {
        assertThrows(IllegalArgumentException.class, () -> StepLayout.of(new AttentionBatch(new int[] {0},
                new int[] {1}, new int[] {1}, new int[][] {{0}}, new int[] {64}), 4, 16), "slot past the cache");
        assertThrows(IllegalArgumentException.class, () -> StepLayout.of(new AttentionBatch(new int[] {0},
                new int[] {1}, new int[] {1}, new int[][] {{0}}, new int[] {-1}), 4, 16), "negative slot");
        assertThrows(IllegalArgumentException.class, () -> StepLayout.of(new AttentionBatch(new int[] {0},
                new int[] {1}, new int[] {17}, new int[][] {{0}}, new int[] {0}), 4, 16), "table shorter than context");
        assertThrows(IllegalArgumentException.class, () -> StepLayout.of(new AttentionBatch(new int[] {0},
                new int[] {1}, new int[] {1}, new int[][] {{4}}, new int[] {0}), 4, 16), "block past the cache");
        assertThrows(IllegalArgumentException.class, () -> StepLayout.of(new AttentionBatch(new int[] {1},
                new int[] {1}, new int[] {1}, new int[][] {{0}}, new int[] {0}), 4, 16), "rows past the step");
        assertThrows(IllegalArgumentException.class, () -> StepLayout.of(new AttentionBatch(new int[] {0},
                new int[] {2}, new int[] {1}, new int[][] {{0}}, new int[] {0, 1}), 4, 16), "context below new tokens");
    }
}
