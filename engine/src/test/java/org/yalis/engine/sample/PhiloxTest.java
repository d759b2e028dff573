package org.yalis.engine.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PhiloxTest {

    /** Known-answer vectors of Random123's kat_vectors for philox4x32_10. */
    @Test
    void matchesRandom123KnownAnswers() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                Philox.block(new int[] {0, 0, 0, 0}, new int[] {0, 0}));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                Philox.block(new int[] {-1, -1, -1, -1}, new int[] {-1, -1}));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                Philox.block(new int[] {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                        new int[] {0xa4093822, 0x299f31d0}));
    }

    @Test
    void uniformIsAFunctionOfSeedStreamAndStep() {
        assertEquals(Philox.uniform(42, 3, 7), Philox.uniform(42, 3, 7));
        assertNotEquals(Philox.uniform(42, 3, 7), Philox.uniform(42, 3, 8));
        assertNotEquals(Philox.uniform(42, 3, 7), Philox.uniform(42, 4, 7));
        assertNotEquals(Philox.uniform(42, 3, 7), Philox.uniform(43, 3, 7));
    }

    @Test
    void uniformIsInUnitIntervalWithTheRightMean() {
        double sum = 0;
        int draws = 200_000;
        for (int i = 0; i < draws; i++) {
            double u = Philox.uniform(1, 0, i);
            assertTrue(u >= 0 && u < 1, "draw " + u);
            sum += u;
        }
        // Standard error of the mean is sqrt(1/12/n) ~ 0.00065: a 5-sigma band.
        assertEquals(0.5, sum / draws, 0.0033);
    }
}
