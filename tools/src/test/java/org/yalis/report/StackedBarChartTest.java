package org.yalis.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

class StackedBarChartTest {
    private static final List<String> SERIES = List.of("gemm", "attention", "collective", "other");

    private static Element draw(List<StackedBarChart.Bar> bars) throws Exception {
        String svg = new StackedBarChart("c", "Title", "time (ms)", SERIES, bars).toSvg().toString();
        return ReportMarkup.parse(svg).root();
    }

    @Test
    void segmentHeightsAreProportionalToTheirValuesAndStackBottomUpInSeriesOrder() throws Exception {
        Element svg = draw(List.of(new StackedBarChart.Bar("tp 1", List.of(10.0, 5.0, 0.0, 2.5)),
                new StackedBarChart.Bar("tp 2", List.of(4.0, 4.0, 4.0, 7.25))));
        List<Element> segments = ReportMarkup.all(svg, "rect", "bar");
        assertEquals(8, segments.size(), "one rect per bar and series, zeros included");
        double pixelsPerMs = ReportMarkup.number(segments.getFirst(), "height") / 10.0;
        assertTrue(pixelsPerMs > 1, "a 240 px plot for about 20 ms: " + pixelsPerMs);
        for (Element segment : segments) {
            double value = ReportMarkup.number(segment, "data-y");
            assertEquals(value * pixelsPerMs, ReportMarkup.number(segment, "height"), 0.02,
                    "height of " + segment.getAttribute("data-series") + " in " + segment.getAttribute("data-x"));
        }
        for (int bar = 0; bar < 2; bar++) {
            List<Element> stack = segments.subList(4 * bar, 4 * bar + 4);
            assertEquals(SERIES, stack.stream().map(e -> e.getAttribute("data-series")).toList());
            assertEquals(List.of("tp 1", "tp 2").get(bar), stack.getFirst().getAttribute("data-x"));
            for (int s = 1; s < 4; s++) {
                // Each segment sits on top of the one before it (y grows downwards).
                double top = ReportMarkup.number(stack.get(s - 1), "y");
                assertEquals(top, ReportMarkup.number(stack.get(s), "y") + ReportMarkup.number(stack.get(s), "height"),
                        0.02);
            }
        }
        assertEquals(List.of("10", "5", "0", "2.5", "4", "4", "4", "7.25"),
                segments.stream().map(e -> e.getAttribute("data-y")).toList());
        assertEquals(List.of("17.5", "19.25"), ReportMarkup.texts(svg, "text", "total"));
        assertEquals(SERIES, ReportMarkup.all(svg, "g", "legend-entry").stream()
                .map(e -> e.getAttribute("data-series")).toList());
    }

    @Test
    void theValueAxisStartsAtZeroEndsAtANiceTickAboveTheTallestBarAndNamesItsUnit() throws Exception {
        Element svg = draw(List.of(new StackedBarChart.Bar("a", List.of(30.0, 10.0, 2.0, 1.0))));
        List<String> ticks = ReportMarkup.texts(svg, "text", "tick-label");
        assertEquals(List.of("0", "10", "20", "30", "40", "50"), ticks);
        assertEquals(List.of("time (ms)"), ReportMarkup.texts(svg, "text", "axis-title"));
        // The 50 tick is the top of the plot: 43 ms fill 43/50 of it.
        Element top = ReportMarkup.all(svg, "text", "tick-label").getLast();
        Element bottom = ReportMarkup.all(svg, "text", "tick-label").getFirst();
        double plotHeight = ReportMarkup.number(bottom, "y") - ReportMarkup.number(top, "y");
        double stackHeight = ReportMarkup.all(svg, "rect", "bar").stream()
                .mapToDouble(e -> ReportMarkup.number(e, "height")).sum();
        assertEquals(43.0 / 50 * plotHeight, stackHeight, 0.05);
    }

    @Test
    void labelPartsGoOnSeparateLinesUnderTheirBar() throws Exception {
        Element svg = draw(List.of(new StackedBarChart.Bar("tp 2 · mpi", List.of(1.0, 1.0, 1.0, 1.0)),
                new StackedBarChart.Bar("tp 4 · local", List.of(1.0, 1.0, 1.0, 1.0))));
        assertEquals(List.of("tp 2", "mpi", "tp 4", "local"), ReportMarkup.texts(svg, "text", "bar-label"));
        assertEquals(List.of("tp 2 · mpi", "tp 4 · local"), ReportMarkup.all(svg, "g", "bar-group").stream()
                .map(e -> e.getAttribute("data-x")).toList());
    }

    @Test
    void aBarWithTheWrongNumberOfValuesIsRefused() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new StackedBarChart("c", "t", "ms", SERIES, List.of(new StackedBarChart.Bar("x", List.of(1.0)))));
        assertTrue(error.getMessage().contains("1 values for 4 series"), error.getMessage());
    }
}
