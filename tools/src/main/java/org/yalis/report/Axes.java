package org.yalis.report;

/** Draws a chart's value axes: the axis line, ticks with their labels, light grid lines and the title. */
final class Axes {
    static final double FONT_SIZE = 11;
    private static final double TITLE_FONT_SIZE = 13;
    private static final double TICK_LENGTH = 5;

    private Axes() {
    }

    /** The horizontal axis along the bottom of {@code area}, titled below its tick labels. */
    static void drawX(MarkupWriter svg, Scale scale, PlotArea area, String title) {
        svg.open("g", "class", "axis x-axis");
        svg.leaf("line", "class", "axis-line", "x1", area.left(), "y1", area.bottom(), "x2", area.right(),
                "y2", area.bottom());
        for (Scale.Tick tick : scale.ticks()) {
            double x = scale.toPixel(tick.value());
            svg.leaf("line", "class", "grid", "x1", x, "y1", area.top(), "x2", x, "y2", area.bottom());
            svg.leaf("line", "class", "tick", "x1", x, "y1", area.bottom(), "x2", x, "y2", area.bottom() + TICK_LENGTH);
            svg.element("text", tick.label(), "class", "tick-label", "data-value", MarkupWriter.exact(tick.value()),
                    "x", x, "y", area.bottom() + TICK_LENGTH + FONT_SIZE + 2, "text-anchor", "middle");
        }
        svg.element("text", title, "class", "axis-title", "x", area.left() + area.width() / 2,
                "y", area.bottom() + TICK_LENGTH + 2 * FONT_SIZE + 12, "text-anchor", "middle");
        svg.close();
    }

    /** The vertical axis along the left of {@code area}, its title turned to read upwards. */
    static void drawY(MarkupWriter svg, Scale scale, PlotArea area, String title) {
        svg.open("g", "class", "axis y-axis");
        svg.leaf("line", "class", "axis-line", "x1", area.left(), "y1", area.top(), "x2", area.left(),
                "y2", area.bottom());
        for (Scale.Tick tick : scale.ticks()) {
            double y = scale.toPixel(tick.value());
            svg.leaf("line", "class", "grid", "x1", area.left(), "y1", y, "x2", area.right(), "y2", y);
            svg.leaf("line", "class", "tick", "x1", area.left() - TICK_LENGTH, "y1", y, "x2", area.left(), "y2", y);
            svg.element("text", tick.label(), "class", "tick-label", "data-value", MarkupWriter.exact(tick.value()),
                    "x", area.left() - TICK_LENGTH - 3, "y", y + FONT_SIZE / 3, "text-anchor", "end");
        }
        double x = area.left() - leftMarginForTicks(scale) + FONT_SIZE;
        double y = area.top() + area.height() / 2;
        svg.element("text", title, "class", "axis-title", "x", x, "y", y, "text-anchor", "middle",
                "transform", "rotate(-90 " + MarkupWriter.coordinate(x) + " " + MarkupWriter.coordinate(y) + ")");
        svg.close();
    }

    /** The chart's title, above the plot, starting where the plot does. */
    static void drawTitle(MarkupWriter svg, PlotArea area, String title) {
        svg.element("text", title, "class", "chart-title", "x", area.left(), "y", TITLE_FONT_SIZE + 5);
    }

    /** Where the title ends: the chart must be at least this wide. */
    static double titleRight(PlotArea area, String title) {
        return area.left() + TextWidth.of(title, TITLE_FONT_SIZE) * 1.1 + 8;   // bold text runs wider
    }

    /** Room left of the plot for the y tick labels and the title beside them. */
    static double leftMarginForTicks(Scale scale) {
        double widest = scale.ticks().stream().mapToDouble(t -> TextWidth.of(t.label(), FONT_SIZE)).max().orElse(0);
        return widest + TICK_LENGTH + 3 + 2 * FONT_SIZE + 6;
    }

    /** Room below the plot for the x tick labels and the title. */
    static double bottomMarginForTicks() {
        return TICK_LENGTH + 2 * FONT_SIZE + 22;
    }
}
