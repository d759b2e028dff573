package org.yalis.report;

import java.util.List;

/** A column of series names, each behind a swatch of its colour, to the right of a chart's plot. */
final class Legend {
    static final double FONT_SIZE = 11;
    private static final double ROW_HEIGHT = 16;
    private static final double SWATCH = 10;
    private static final double GAP = 6;

    /** One series: its name, colour and line dashes (null for solid). */
    record Entry(String name, String color, String dashes) {
    }

    private Legend() {
    }

    static double width(List<String> names) {
        double widest = names.stream().mapToDouble(n -> TextWidth.of(n, FONT_SIZE)).max().orElse(0);
        return SWATCH + GAP + widest;
    }

    static double height(int entries) {
        return entries * ROW_HEIGHT;
    }

    static void draw(MarkupWriter svg, double left, double top, List<Entry> entries) {
        svg.open("g", "class", "legend");
        for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            double rowTop = top + i * ROW_HEIGHT;
            svg.open("g", "class", "legend-entry", "data-series", entry.name());
            if (entry.dashes() == null) {
                svg.leaf("rect", "x", left, "y", rowTop + 2, "width", SWATCH, "height", SWATCH, "fill", entry.color());
            } else {
                svg.leaf("line", "x1", left, "y1", rowTop + 7, "x2", left + SWATCH, "y2", rowTop + 7,
                        "stroke", entry.color(), "stroke-width", 2, "stroke-dasharray", entry.dashes());
            }
            svg.element("text", entry.name(), "x", left + SWATCH + GAP, "y", rowTop + 11);
            svg.close();
        }
        svg.close();
    }
}
