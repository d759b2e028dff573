package org.yalis.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class ScalesTest {

    private static List<String> labels(Scale scale) {
        return scale.ticks().stream().map(Scale.Tick::label).toList();
    }

    @Test
    void linearTicksAreNiceStepsFromZeroToJustAboveTheLargestValue() {
        assertEquals(List.of("0", "20", "40", "60", "80"), labels(new LinearScale(75.41, 300, 0)));
        assertEquals(List.of("0.0", "0.2", "0.4", "0.6", "0.8"), labels(new LinearScale(0.61, 300, 0)));
        assertEquals(List.of("0.00", "0.25", "0.50", "0.75", "1.00", "1.25"), labels(new LinearScale(1.1, 300, 0)));
        assertEquals(List.of("0.0", "0.2", "0.4", "0.6", "0.8", "1.0"), labels(new LinearScale(0, 300, 0)),
                "all zeros still get an axis");
        LinearScale scale = new LinearScale(75.41, 300, 0);
        assertEquals(300, scale.toPixel(0), 1e-9);
        assertEquals(0, scale.toPixel(80), 1e-9);
        assertEquals(150, scale.toPixel(40), 1e-9);
    }

    @Test
    void logTicksArePowersThinnedToAtMostTenLabels() {
        LogScale sizes = new LogScale(2, 1024, 256 << 20, 0, 500, TickLabels::bytes);
        List<String> ticks = labels(sizes);
        assertTrue(ticks.size() <= 10, ticks.toString());
        assertEquals("1 KiB", ticks.getFirst());
        assertEquals("256 MiB", ticks.getLast());
        assertEquals(0, sizes.toPixel(1024), 1e-9);
        assertEquals(500, sizes.toPixel(256 << 20), 1e-9);
        assertEquals(250, sizes.toPixel(512 << 10), 1e-9, "2^19 is halfway between 2^10 and 2^28");
    }

    @Test
    void aLogAxisOverFewDecadesAlsoMarksTwoAndFiveTimesEachPower() {
        assertEquals(List.of("10", "20", "50", "100", "200", "500", "1000"),
                labels(new LogScale(10, 12, 900, 0, 100, TickLabels::plain)));
        assertEquals(List.of("1", "2"), labels(new LogScale(2, 1, 1, 0, 100, TickLabels::plain)),
                "a single power spans one power upwards");
    }

    @Test
    void aLogAxisRefusesValuesItCannotShow() {
        assertThrows(IllegalArgumentException.class, () -> new LogScale(10, 0, 5, 0, 100, TickLabels::plain));
    }

    @Test
    void byteLabelsUseTheLargestExactBinaryUnit() {
        assertEquals("512 B", TickLabels.bytes(512));
        assertEquals("1 KiB", TickLabels.bytes(1024));
        assertEquals("8 MiB", TickLabels.bytes(8 << 20));
        assertEquals("2 GiB", TickLabels.bytes(2L << 30));
        assertEquals("1.5 KiB", TickLabels.bytes(1536));
    }
}
