package org.yalis.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The staging bookkeeping never hands out a region that a copy queued since the last wait may still
 * use, waits exactly when it must wrap, and aligns regions.
 */
class StagingArenaTest {

    private record Region(long offset, long bytes) {
        boolean overlaps(Region other) {
            return offset < other.offset + other.bytes && other.offset < offset + bytes;
        }
    }

    @Test
    void regionsSinceTheLastWaitNeverOverlap() {
        List<Region> inFlight = new ArrayList<>();
        int[] waits = {0};
        StagingArena arena = new StagingArena(10_000, () -> {
            waits[0]++;
            inFlight.clear();   // the device caught up: every queued copy is done
        });
        Random random = new Random(1);
        for (int i = 0; i < 20_000; i++) {
            long bytes = random.nextInt(2_000);
            int waitsBefore = waits[0];
            Region region = new Region(arena.reserve(bytes), bytes);
            assertEquals(0, region.offset() % StagingArena.ALIGNMENT, "aligned");
            assertTrue(region.offset() + bytes <= 10_000, "inside the buffer");
            for (Region other : inFlight) {
                assertFalse(region.overlaps(other), region + " overlaps " + other + " still in flight");
            }
            if (waits[0] > waitsBefore) {
                assertEquals(0, region.offset(), "after a wait it starts over");
            }
            inFlight.add(region);
            if (random.nextInt(50) == 0) {
                arena.deviceCaughtUp();   // the owner synchronized (a download)
                inFlight.clear();
            }
        }
        assertTrue(waits[0] > 100, "wrapped many times");
    }

    @Test
    void waitsOnlyWhenTheRegionDoesNotFit() {
        int[] waits = {0};
        StagingArena arena = new StagingArena(1024, () -> waits[0]++);
        assertEquals(0, arena.reserve(100));
        assertEquals(128, arena.reserve(500));    // 100 rounded up to 128
        assertEquals(640, arena.reserve(384));    // ends exactly at 1024
        assertEquals(0, waits[0]);
        assertEquals(0, arena.reserve(1));         // nothing left: wait, start over
        assertEquals(1, waits[0]);
        arena.deviceCaughtUp();
        assertEquals(0, arena.reserve(1024));
        assertEquals(1, waits[0], "after the owner's sync the whole buffer is free without a wait");
        assertThrows(IllegalArgumentException.class, () -> arena.reserve(1025), "the owner grows the buffer");
    }
}
