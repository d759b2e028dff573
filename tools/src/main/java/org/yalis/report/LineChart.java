package org.yalis.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.DoubleFunction;

/**
 * Series of points joined by lines, in order of x. Every point is a {@code circle} with
 * {@code data-series}, {@code data-x} and {@code data-y} holding its values exactly; every line a
 * {@code polyline} with {@code data-series}. A logarithmic axis cannot show values at or below zero,
 * nor a linear one (which starts at zero) negative values: such points are left out and a note under
 * the chart counts them.
 *
 * @param id the svg's {@code data-chart}, unique on the page
 */
public record LineChart(String id, String title, Axis x, Axis y, List<Series> series) {
    private static final double PLOT_WIDTH = 520;
    private static final double PLOT_HEIGHT = 260;
    private static final double TOP = 34;
    private static final double POINT_RADIUS = 3.5;

    /** How an axis maps values: linear from zero, or logarithmic in base 2 or 10. */
    public enum AxisKind {
        LINEAR, LOG2, LOG10
    }

    /**
     * @param title      the axis title, with its unit
     * @param tickLabels the text of a tick (the linear axis writes its own)
     */
    public record Axis(String title, AxisKind kind, DoubleFunction<String> tickLabels) {
    }

    /** @param note extra text for the point's tooltip (may be empty) */
    public record Point(double x, double y, String note) {
    }

    public record Series(String name, List<Point> points) {
        public Series {
            points = points.stream().sorted(Comparator.comparingDouble(Point::x)).toList();
        }
    }

    public LineChart {
        series = List.copyOf(series);
    }

    public MarkupWriter toSvg() {
        List<Series> drawn = new ArrayList<>();
        int hidden = 0;
        for (Series s : series) {
            List<Point> visible = s.points().stream().filter(p -> drawable(x.kind(), p.x()) && drawable(y.kind(), p.y()))
                    .toList();
            hidden += s.points().size() - visible.size();
            drawn.add(new Series(s.name(), visible));
        }
        List<Point> all = drawn.stream().flatMap(s -> s.points().stream()).toList();
        Scale yScale = scale(y, all.stream().mapToDouble(Point::y).toArray(), TOP + PLOT_HEIGHT, TOP);
        double left = Axes.leftMarginForTicks(yScale);
        PlotArea area = new PlotArea(left, TOP, PLOT_WIDTH, PLOT_HEIGHT);
        Scale xScale = scale(x, all.stream().mapToDouble(Point::x).toArray(), area.left(), area.right());
        List<String> names = series.stream().map(Series::name).toList();
        double width = Math.max(area.right() + 24 + Legend.width(names) + 12, Axes.titleRight(area, title));
        double height = Math.max(area.bottom() + Axes.bottomMarginForTicks() + (hidden > 0 ? 16 : 0),
                area.top() + Legend.height(names.size()) + 8);

        MarkupWriter svg = new MarkupWriter();
        svg.open("svg", "xmlns", "http://www.w3.org/2000/svg", "class", "chart lines", "data-chart", id,
                "width", width, "height", height, "viewBox", "0 0 " + MarkupWriter.coordinate(width) + " "
                        + MarkupWriter.coordinate(height), "role", "img", "aria-label", title);
        svg.element("title", title);
        Axes.drawTitle(svg, area, title);
        Axes.drawX(svg, xScale, area, x.title());
        Axes.drawY(svg, yScale, area, y.title());
        List<Legend.Entry> legend = new ArrayList<>();
        for (int i = 0; i < drawn.size(); i++) {
            Series s = drawn.get(i);
            String color = Palette.color(i);
            legend.add(new Legend.Entry(s.name(), color, Palette.dashes(i)));
            svg.open("g", "class", "series", "data-series", s.name());
            StringBuilder path = new StringBuilder();
            for (Point p : s.points()) {
                path.append(path.isEmpty() ? "" : " ").append(MarkupWriter.coordinate(xScale.toPixel(p.x())))
                        .append(',').append(MarkupWriter.coordinate(yScale.toPixel(p.y())));
            }
            if (!s.points().isEmpty()) {
                svg.leaf("polyline", "class", "line", "data-series", s.name(), "points", path.toString(),
                        "fill", "none", "stroke", color, "stroke-width", 1.5, "stroke-dasharray", Palette.dashes(i));
            }
            for (Point p : s.points()) {
                svg.open("circle", "class", "point", "data-series", s.name(), "data-x", MarkupWriter.exact(p.x()),
                        "data-y", MarkupWriter.exact(p.y()), "cx", xScale.toPixel(p.x()), "cy", yScale.toPixel(p.y()),
                        "r", POINT_RADIUS, "fill", color);
                svg.element("title", s.name() + ": " + x.tickLabels().apply(p.x()) + ", "
                        + MarkupWriter.exact(p.y()) + (p.note().isEmpty() ? "" : " (" + p.note() + ")"));
                svg.close();
            }
            svg.close();
        }
        Legend.draw(svg, area.right() + 24, area.top(), legend);
        if (hidden > 0) {
            svg.element("text", hidden + (hidden == 1 ? " point is" : " points are") + " not drawn: not positive on"
                    + " a logarithmic axis, or negative on a linear one", "class", "note", "x", area.left(),
                    "y", height - 4);
        }
        svg.close();
        return svg;
    }

    private static boolean drawable(AxisKind kind, double value) {
        return Double.isFinite(value) && (kind == AxisKind.LINEAR ? value >= 0 : value > 0);
    }

    private static Scale scale(Axis axis, double[] values, double pixelAtLow, double pixelAtHigh) {
        double smallest = java.util.Arrays.stream(values).min().orElse(1);
        double largest = java.util.Arrays.stream(values).max().orElse(1);
        return switch (axis.kind()) {
            case LINEAR -> new LinearScale(largest, pixelAtLow, pixelAtHigh);
            case LOG2 -> new LogScale(2, smallest, largest, pixelAtLow, pixelAtHigh, axis.tickLabels());
            case LOG10 -> new LogScale(10, smallest, largest, pixelAtLow, pixelAtHigh, axis.tickLabels());
        };
    }
}
