package org.yalis.report;

import java.util.List;

/**
 * Series colours: the Tableau 10 set, distinguishable for most colour-blind readers and in print.
 * Past ten series the colours repeat with a dashed line, so two series never look the same.
 */
final class Palette {
    private static final List<String> COLORS = List.of("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
            "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac");

    private Palette() {
    }

    static String color(int series) {
        return COLORS.get(series % COLORS.size());
    }

    /** A stroke-dasharray for the series' line, or null for a solid one. */
    static String dashes(int series) {
        return switch (series / COLORS.size()) {
            case 0 -> null;
            case 1 -> "6 3";
            default -> "2 2";
        };
    }
}
