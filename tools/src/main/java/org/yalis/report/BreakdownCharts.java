package org.yalis.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.yalis.engine.metrics.Category;

/**
 * Where the time goes: for each bench phase, one stacked bar per configuration of its gemm,
 * attention, collective and other milliseconds (the categories of {@link Category}, bottom first).
 */
final class BreakdownCharts {
    /** Index of the grid part in {@link #parts}: always in the labels, a bar must say its rank count. */
    private static final int GRID_PART = 2;

    private BreakdownCharts() {
    }

    /** One figure per phase of {@link BenchResult#PHASES}; none without results. */
    static List<Figure> build(List<BenchResult> results) {
        if (results.isEmpty()) {
            return List.of();
        }
        VaryingParts labels = labels(results);
        List<String> series = Arrays.stream(Category.values()).map(Category::label).toList();
        List<Figure> figures = new ArrayList<>();
        for (String phase : BenchResult.PHASES) {
            List<StackedBarChart.Bar> bars = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                Map<Category, Double> millis = results.get(i).breakdown().get(phase);
                bars.add(new StackedBarChart.Bar(labels.labels().get(i),
                        Arrays.stream(Category.values()).map(millis::get).toList()));
            }
            StackedBarChart chart = new StackedBarChart("breakdown-" + phase, title(phase), axisTitle(phase), series,
                    bars);
            figures.add(new Figure(chart.toSvg(), labels.common()));
        }
        return figures;
    }

    /** The configurations' labels: model, workload, grid, collective, attention and device parts. */
    static VaryingParts labels(List<BenchResult> results) {
        return VaryingParts.of(results.stream().map(BreakdownCharts::parts).toList(), Set.of(GRID_PART));
    }

    private static List<String> parts(BenchResult r) {
        String grid = r.grid().endsWith("x1") ? "tp " + r.ranks() : "tp " + r.grid();
        return List.of(r.modelName(), r.workload(), grid, r.collective(), "attn " + r.attention(), r.device());
    }

    private static String title(String phase) {
        return switch (phase) {
            case "prefill" -> "Prefill: time by category";
            case "decode" -> "Decode (all steps): time by category";
            case "decode_10_steps" -> "Ten decode steps: time by category";
            default -> phase;
        };
    }

    private static String axisTitle(String phase) {
        return switch (phase) {
            case "prefill" -> "prefill time (ms)";
            case "decode" -> "decode time (ms)";
            case "decode_10_steps" -> "time of 10 steps (ms)";
            default -> phase + " (ms)";
        };
    }
}
