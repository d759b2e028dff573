package org.yalis.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Serving latency and throughput against load, one series per model and workload (prompt and output
 * lengths) and percentile: time to first token, time per output token, and output tokens per second.
 * Loads double (1, 8, 32 clients), so the load axis is base 2.
 */
final class ServingCharts {
    private ServingCharts() {
    }

    static List<Figure> build(List<ServingPoint> points) {
        if (points.isEmpty()) {
            return List.of();
        }
        Map<List<String>, List<ServingPoint>> bySeries = new LinkedHashMap<>();
        for (ServingPoint point : points) {
            bySeries.computeIfAbsent(List.of(point.model(), point.promptTokens() + " prompt + " + point.outputTokens()
                    + " output tokens", point.byRate() ? "by rate" : "by concurrency"), k -> new ArrayList<>()).add(point);
        }
        VaryingParts names = VaryingParts.of(List.copyOf(bySeries.keySet()), Set.of());
        List<LineChart.Series> ttft = new ArrayList<>();
        List<LineChart.Series> tpot = new ArrayList<>();
        List<LineChart.Series> throughput = new ArrayList<>();
        int i = 0;
        for (List<ServingPoint> series : bySeries.values()) {
            String name = names.labels().get(i++);
            String prefix = name.isEmpty() ? "" : name + ", ";
            ttft.add(new LineChart.Series(prefix + "p50", series.stream()
                    .map(p -> new LineChart.Point(p.load(), p.ttftP50Ms(), "")).toList()));
            ttft.add(new LineChart.Series(prefix + "p99", series.stream()
                    .map(p -> new LineChart.Point(p.load(), p.ttftP99Ms(), "")).toList()));
            tpot.add(new LineChart.Series(prefix + "p50", series.stream()
                    .map(p -> new LineChart.Point(p.load(), p.tpotP50Ms(), "")).toList()));
            tpot.add(new LineChart.Series(prefix + "p99", series.stream()
                    .map(p -> new LineChart.Point(p.load(), p.tpotP99Ms(), "")).toList()));
            throughput.add(new LineChart.Series(name.isEmpty() ? "output tokens/s" : name, series.stream()
                    .map(p -> new LineChart.Point(p.load(), p.outputThroughput(), p.requestThroughput() + " requests/s"))
                    .toList()));
        }
        boolean byRate = points.stream().allMatch(ServingPoint::byRate);
        LineChart.Axis load = new LineChart.Axis(byRate ? "request rate (requests/s, log scale)"
                : "concurrent clients (log scale)", LineChart.AxisKind.LOG2, TickLabels::plain);
        LineChart.Axis milliseconds = new LineChart.Axis("milliseconds (log scale)", LineChart.AxisKind.LOG10,
                TickLabels::plain);
        return List.of(
                new Figure(new LineChart("serving-ttft", "Time to first token", load, milliseconds, ttft).toSvg(),
                        names.common()),
                new Figure(new LineChart("serving-tpot", "Time per output token", load, milliseconds, tpot).toSvg(),
                        names.common()),
                new Figure(new LineChart("serving-throughput", "Output throughput", load, new LineChart.Axis(
                        "output tokens/s", LineChart.AxisKind.LINEAR, TickLabels::plain), throughput).toSvg(),
                        names.common()));
    }
}
