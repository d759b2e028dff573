package org.yalis.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collective latency and bus bandwidth against message size, one series per backend, group size,
 * group and operation measured (so all-reduce, all-gather and broadcast each get their lines when
 * present). Sizes double, so the size axis is base 2; latencies span orders of magnitude, so the
 * latency axis is base 10.
 */
final class CollectiveCharts {
    private CollectiveCharts() {
    }

    /** The latency and bandwidth figures; none without comm-bench results. */
    static List<Figure> build(List<CommBenchPoint> points) {
        if (points.isEmpty()) {
            return List.of();
        }
        Map<List<String>, List<CommBenchPoint>> bySeries = new LinkedHashMap<>();
        for (CommBenchPoint point : points) {
            bySeries.computeIfAbsent(seriesParts(point), parts -> new ArrayList<>()).add(point);
        }
        VaryingParts names = VaryingParts.of(List.copyOf(bySeries.keySet()), Set.of());
        List<LineChart.Series> latency = new ArrayList<>();
        List<LineChart.Series> bandwidth = new ArrayList<>();
        int i = 0;
        for (List<CommBenchPoint> series : bySeries.values()) {
            String name = names.labels().get(i++);
            latency.add(new LineChart.Series(name, series.stream()
                    .map(p -> new LineChart.Point(p.bytes(), p.timeMicros(), "")).toList()));
            bandwidth.add(new LineChart.Series(name, series.stream()
                    .map(p -> new LineChart.Point(p.bytes(), p.busGigabytesPerSecond(), "")).toList()));
        }
        LineChart.Axis size = new LineChart.Axis("message size (bytes, log scale)", LineChart.AxisKind.LOG2,
                TickLabels::bytes);
        LineChart latencyChart = new LineChart("collective-latency", "Collective latency", size,
                new LineChart.Axis("median latency (µs, log scale)", LineChart.AxisKind.LOG10, TickLabels::plain),
                latency);
        LineChart bandwidthChart = new LineChart("collective-busbw", "Collective bus bandwidth", size,
                new LineChart.Axis("bus bandwidth (GB/s)", LineChart.AxisKind.LINEAR, TickLabels::plain), bandwidth);
        return List.of(new Figure(latencyChart.toSvg(), names.common()),
                new Figure(bandwidthChart.toSvg(), names.common()));
    }

    private static List<String> seriesParts(CommBenchPoint point) {
        return List.of(point.backend(), point.ranks() + (point.ranks() == 1 ? " rank" : " ranks"), point.group(),
                point.operation());
    }
}
