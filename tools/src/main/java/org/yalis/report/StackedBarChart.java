package org.yalis.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Vertical bars, one per configuration, each stacked from its series' values (bottom first): where
 * a step's time goes. Every segment is a {@code rect} with {@code data-series} (the series),
 * {@code data-x} (the bar's label) and {@code data-y} (the value); zero values are drawn too, with
 * zero height, so the data attributes always list every value. A negative value (which a breakdown
 * should never hold) keeps its {@code data-y} but is drawn with zero height.
 *
 * @param id     the svg's {@code data-chart}, unique on the page
 * @param yTitle the value axis title, with its unit
 * @param series the stacking order and legend, bottom first
 */
public record StackedBarChart(String id, String title, String yTitle, List<String> series, List<Bar> bars) {
    private static final double PLOT_HEIGHT = 240;
    private static final double TOP = 34;
    private static final double LINE_HEIGHT = 13;
    private static final double MIN_SLOT = 56;

    /**
     * One bar.
     *
     * @param label       its name ({@code data-x}); the parts between {@code " · "} go on separate lines
     * @param values      one per series, in the series' order
     */
    public record Bar(String label, List<Double> values) {
        public Bar {
            values = List.copyOf(values);
        }

        /** The height of the stack: the sum of the values drawn (negative ones count as zero). */
        double total() {
            return values.stream().mapToDouble(v -> Math.max(0, v)).sum();
        }

        List<String> lines() {
            return List.of(label.split(" · "));
        }
    }

    public StackedBarChart {
        series = List.copyOf(series);
        bars = List.copyOf(bars);
        for (Bar bar : bars) {
            if (bar.values().size() != series.size()) {
                throw new IllegalArgumentException("bar '" + bar.label() + "' has " + bar.values().size()
                        + " values for " + series.size() + " series");
            }
        }
    }

    public MarkupWriter toSvg() {
        double largest = bars.stream().mapToDouble(Bar::total).max().orElse(0);
        LinearScale y = new LinearScale(largest, TOP + PLOT_HEIGHT, TOP);
        double left = Axes.leftMarginForTicks(y);
        double widestLine = bars.stream().flatMap(b -> b.lines().stream())
                .mapToDouble(line -> TextWidth.of(line, Axes.FONT_SIZE)).max().orElse(0);
        double slot = Math.max(MIN_SLOT, widestLine + 12);
        PlotArea area = new PlotArea(left, TOP, Math.max(1, bars.size()) * slot, PLOT_HEIGHT);
        int labelLines = bars.stream().mapToInt(b -> b.lines().size()).max().orElse(1);
        double width = Math.max(area.right() + 24 + Legend.width(series) + 12, Axes.titleRight(area, title));
        double height = area.bottom() + 10 + labelLines * LINE_HEIGHT + 8;

        MarkupWriter svg = new MarkupWriter();
        svg.open("svg", "xmlns", "http://www.w3.org/2000/svg", "class", "chart stacked-bars", "data-chart", id,
                "width", width, "height", height, "viewBox", "0 0 " + MarkupWriter.coordinate(width) + " "
                        + MarkupWriter.coordinate(height), "role", "img", "aria-label", title);
        svg.element("title", title);
        Axes.drawTitle(svg, area, title);
        Axes.drawY(svg, y, area, yTitle);
        svg.leaf("line", "class", "axis-line", "x1", area.left(), "y1", area.bottom(), "x2", area.right(),
                "y2", area.bottom());
        double barWidth = Math.min(48, slot * 0.6);
        for (int b = 0; b < bars.size(); b++) {
            Bar bar = bars.get(b);
            double center = area.left() + (b + 0.5) * slot;
            svg.open("g", "class", "bar-group", "data-x", bar.label());
            double stackedValue = 0;
            for (int s = 0; s < series.size(); s++) {
                double value = bar.values().get(s);
                double bottom = y.toPixel(stackedValue);
                double top = y.toPixel(stackedValue + Math.max(0, value));
                svg.open("rect", "class", "bar", "data-series", series.get(s), "data-x", bar.label(),
                        "data-y", MarkupWriter.exact(value), "x", center - barWidth / 2, "y", top,
                        "width", barWidth, "height", bottom - top, "fill", Palette.color(s));
                svg.element("title", bar.label() + ": " + series.get(s) + " " + MarkupWriter.exact(value));
                svg.close();
                stackedValue += Math.max(0, value);
            }
            svg.element("text", MarkupWriter.exact(Math.round(bar.total() * 100) / 100.0), "class", "total",
                    "x", center, "y", y.toPixel(stackedValue) - 4, "text-anchor", "middle");
            List<String> lines = bar.lines();
            for (int line = 0; line < lines.size(); line++) {
                svg.element("text", lines.get(line), "class", "bar-label", "x", center,
                        "y", area.bottom() + 14 + line * LINE_HEIGHT, "text-anchor", "middle");
            }
            svg.close();
        }
        List<Legend.Entry> legend = new ArrayList<>();
        for (int s = 0; s < series.size(); s++) {
            legend.add(new Legend.Entry(series.get(s), Palette.color(s), null));
        }
        Legend.draw(svg, area.right() + 24, area.top(), legend);
        svg.close();
        return svg;
    }
}
