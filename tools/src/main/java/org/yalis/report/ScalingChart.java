package org.yalis.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strong scaling: the median end-to-end latency of a fixed workload against the number of
 * tensor-parallel ranks, one series per model, device, attention, collective and workload (the
 * bench key), so a line only ever joins runs of the same work that differ in their rank count. A
 * 2D grid and a 1D one of the same size sit at the same x; each point's tooltip names its grid.
 */
final class ScalingChart {
    private ScalingChart() {
    }

    /** The figure; empty without bench results. */
    static List<Figure> build(List<BenchResult> results) {
        if (results.isEmpty()) {
            return List.of();
        }
        Map<List<String>, List<BenchResult>> bySeries = new LinkedHashMap<>();
        for (BenchResult result : results) {
            bySeries.computeIfAbsent(seriesParts(result), parts -> new ArrayList<>()).add(result);
        }
        VaryingParts names = VaryingParts.of(List.copyOf(bySeries.keySet()), Set.of());
        List<LineChart.Series> series = new ArrayList<>();
        int i = 0;
        for (List<BenchResult> runs : bySeries.values()) {
            series.add(new LineChart.Series(names.labels().get(i++), runs.stream()
                    .map(r -> new LineChart.Point(r.ranks(), r.e2eMs(), "grid " + r.grid())).toList()));
        }
        LineChart chart = new LineChart("scaling-e2e", "Strong scaling: end-to-end latency",
                new LineChart.Axis("tensor-parallel ranks (log scale)", LineChart.AxisKind.LOG2, TickLabels::plain),
                new LineChart.Axis("median end-to-end latency (ms)", LineChart.AxisKind.LINEAR, TickLabels::plain),
                series);
        return List.of(new Figure(chart.toSvg(), names.common()));
    }

    private static List<String> seriesParts(BenchResult result) {
        return List.of(result.modelName(), result.workload(), result.collective(), "attn " + result.attention(),
                result.device());
    }
}
