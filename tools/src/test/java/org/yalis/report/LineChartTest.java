package org.yalis.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

class LineChartTest {

    private static Element draw(LineChart.AxisKind yKind, List<LineChart.Series> series) throws Exception {
        LineChart chart = new LineChart("c", "Latency",
                new LineChart.Axis("message size (bytes)", LineChart.AxisKind.LOG2, TickLabels::bytes),
                new LineChart.Axis("latency (µs)", yKind, TickLabels::plain), series);
        return ReportMarkup.parse(chart.toSvg().toString()).root();
    }

    private static List<LineChart.Point> points(double[] xs, double[] ys) {
        List<LineChart.Point> points = new java.util.ArrayList<>();
        for (int i = 0; i < xs.length; i++) {
            points.add(new LineChart.Point(xs[i], ys[i], ""));
        }
        return points;
    }

    @Test
    void doublingSizesAreEvenlySpacedOnTheLog2AxisAndDecadesOnTheLog10One() throws Exception {
        Element svg = draw(LineChart.AxisKind.LOG10, List.of(
                new LineChart.Series("local · all-reduce", points(new double[] {1024, 2048, 4096, 8192},
                        new double[] {10, 100, 1000, 10000}))));
        List<Element> circles = ReportMarkup.all(svg, "circle", "point");
        assertEquals(4, circles.size());
        double xStep = ReportMarkup.number(circles.get(1), "cx") - ReportMarkup.number(circles.get(0), "cx");
        double yStep = ReportMarkup.number(circles.get(1), "cy") - ReportMarkup.number(circles.get(0), "cy");
        assertTrue(xStep > 10 && yStep < -10, "x grows right, y up: " + xStep + ", " + yStep);
        for (int i = 1; i < circles.size(); i++) {
            assertEquals(xStep, ReportMarkup.number(circles.get(i), "cx") - ReportMarkup.number(circles.get(i - 1), "cx"),
                    0.02);
            assertEquals(yStep, ReportMarkup.number(circles.get(i), "cy") - ReportMarkup.number(circles.get(i - 1), "cy"),
                    0.02);
        }
        assertEquals(List.of("1024", "2048", "4096", "8192"), circles.stream().map(e -> e.getAttribute("data-x")).toList());
        assertEquals(List.of("10", "100", "1000", "10000"), circles.stream().map(e -> e.getAttribute("data-y")).toList());
        List<Element> xTicks = ReportMarkup.all(ReportMarkup.all(svg, "g", "x-axis").getFirst(), "text", "tick-label");
        assertEquals(List.of("1 KiB", "2 KiB", "4 KiB", "8 KiB"), xTicks.stream().map(Element::getTextContent).toList());
        assertEquals(List.of("message size (bytes)", "latency (µs)"), ReportMarkup.texts(svg, "text", "axis-title"));
    }

    @Test
    void aLinearAxisMapsValuesProportionallyFromZero() throws Exception {
        Element svg = draw(LineChart.AxisKind.LINEAR, List.of(
                new LineChart.Series("a", points(new double[] {1, 2, 4}, new double[] {0, 3, 6}))));
        List<Element> circles = ReportMarkup.all(svg, "circle", "point");
        double zero = ReportMarkup.number(circles.get(0), "cy");
        double three = ReportMarkup.number(circles.get(1), "cy");
        double six = ReportMarkup.number(circles.get(2), "cy");
        assertEquals(2 * (zero - three), zero - six, 0.02);
        Element zeroTick = ReportMarkup.all(svg, "text", "tick-label").stream()
                .filter(t -> t.getAttribute("data-value").equals("0")).findFirst().orElseThrow();
        assertEquals(ReportMarkup.number(zeroTick, "y") - Axes.FONT_SIZE / 3, zero, 0.02, "the 0 tick is at 0");
    }

    @Test
    void everySeriesGetsItsPointsALineAndALegendEntryInOrderOfX() throws Exception {
        Element svg = draw(LineChart.AxisKind.LOG10, List.of(
                new LineChart.Series("mpi", points(new double[] {4096, 1024, 2048}, new double[] {30, 10, 20})),
                new LineChart.Series("local", points(new double[] {1024}, new double[] {5}))));
        List<Element> series = ReportMarkup.all(svg, "g", "series");
        assertEquals(List.of("mpi", "local"), series.stream().map(e -> e.getAttribute("data-series")).toList());
        List<Element> mpi = ReportMarkup.all(series.getFirst(), "circle", "point");
        assertEquals(List.of("1024", "2048", "4096"), mpi.stream().map(e -> e.getAttribute("data-x")).toList());
        assertEquals(3, ReportMarkup.all(series.getFirst(), "polyline", "line").getFirst()
                .getAttribute("points").split(" ").length);
        assertEquals(1, ReportMarkup.all(series.get(1), "circle", "point").size());
        assertEquals(List.of("mpi", "local"), ReportMarkup.all(svg, "g", "legend-entry").stream()
                .map(e -> e.getAttribute("data-series")).toList());
        assertTrue(ReportMarkup.texts(svg, "text", "note").isEmpty());
    }

    @Test
    void valuesALogAxisCannotShowAreLeftOutAndCounted() throws Exception {
        Element svg = draw(LineChart.AxisKind.LOG10, List.of(
                new LineChart.Series("a", points(new double[] {1024, 2048, 4096}, new double[] {0, 20, -1}))));
        assertEquals(List.of("20"), ReportMarkup.all(svg, "circle", "point").stream()
                .map(e -> e.getAttribute("data-y")).toList());
        assertEquals(1, ReportMarkup.texts(svg, "text", "note").size());
        assertTrue(ReportMarkup.texts(svg, "text", "note").getFirst().startsWith("2 points are not drawn"));
    }
}
