package org.yalis.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

class ReportPageTest {
    @TempDir
    Path temp;

    private BenchmarkResults threeConfigurationsAndTwoBackends() throws Exception {
        Path bench = Files.writeString(temp.resolve("bench.jsonl"), ResultFixtures.lines(List.of(
                ResultFixtures.bench("synth:tiny", 1, "1x1", "local", 100, 60, 10, 0, 5),
                ResultFixtures.bench("synth:tiny", 2, "2x1", "local", 70, 30, 6, 20, 4),
                ResultFixtures.bench("synth:tiny", 4, "2x2", "mpi", 50, 15, 3, 25, 3))));
        Path comm = Files.writeString(temp.resolve("comm.jsonl"), ResultFixtures.lines(List.of(
                ResultFixtures.comm("local", 2, "all-reduce", 1024, 12.5, 0.08),
                ResultFixtures.comm("local", 2, "all-reduce", 2048, 13.0, 0.16),
                ResultFixtures.comm("local", 2, "all-reduce", 4096, 14.0, 0.29),
                ResultFixtures.comm("mpi", 2, "all-reduce", 1024, 30.0, 0.03),
                ResultFixtures.comm("mpi", 2, "all-reduce", 2048, 31.0, 0.07))));
        return BenchmarkResults.read(List.of(bench, comm));
    }

    @Test
    void thePageHoldsTheThreeBreakdownsTheTwoCollectiveChartsAndTheScalingChart() throws Exception {
        ReportMarkup page = ReportMarkup.parse(ReportPage.render(threeConfigurationsAndTwoBackends(), "Report"));
        assertEquals(List.of("breakdown-prefill", "breakdown-decode", "breakdown-decode_10_steps",
                "collective-latency", "collective-busbw", "scaling-e2e"),
                page.charts().stream().map(e -> e.getAttribute("data-chart")).toList());
        for (Element chart : page.charts()) {
            assertFalse(ReportMarkup.texts(chart, "text", "axis-title").isEmpty(), "axis titles in "
                    + chart.getAttribute("data-chart"));
            assertTrue(ReportMarkup.texts(chart, "text", "axis-title").stream().allMatch(t -> t.contains("(")),
                    "every axis names its unit or scale: " + ReportMarkup.texts(chart, "text", "axis-title"));
        }
    }

    @Test
    void breakdownBarsCarryEveryConfigurationsMillisecondsUnderALabelOfWhatDiffers() throws Exception {
        ReportMarkup page = ReportMarkup.parse(ReportPage.render(threeConfigurationsAndTwoBackends(), "Report"));
        Element decode = page.chart("breakdown-decode");
        List<Element> segments = ReportMarkup.all(decode, "rect", "bar");
        assertEquals(3 * 4, segments.size());
        // The fixtures' decode rows are twice their base values.
        assertEquals(List.of("120", "20", "0", "10", "60", "12", "40", "8", "30", "6", "50", "6"),
                segments.stream().map(e -> e.getAttribute("data-y")).toList());
        assertEquals(List.of("tp 1 · local", "tp 2 · local", "tp 2x2 · mpi"), ReportMarkup.all(decode, "g", "bar-group")
                .stream().map(e -> e.getAttribute("data-x")).toList());
        String captions = page.root().getElementsByTagName("figcaption").item(0).getTextContent();
        assertEquals("All: synth:tiny · b1 p16 d8 · attn cpu · cpu", captions);
    }

    @Test
    void scalingHasOneSeriesPerCollectiveWithAPointPerRun() throws Exception {
        ReportMarkup page = ReportMarkup.parse(ReportPage.render(threeConfigurationsAndTwoBackends(), "Report"));
        Element scaling = page.chart("scaling-e2e");
        List<Element> points = ReportMarkup.all(scaling, "circle", "point");
        assertEquals(List.of("local:1:100", "local:2:70", "mpi:4:50"), points.stream()
                .map(p -> p.getAttribute("data-series") + ":" + p.getAttribute("data-x") + ":" + p.getAttribute("data-y"))
                .toList());
    }

    @Test
    void collectiveChartsHaveOnePointPerMeasurementPerBackend() throws Exception {
        ReportMarkup page = ReportMarkup.parse(ReportPage.render(threeConfigurationsAndTwoBackends(), "Report"));
        Element latency = page.chart("collective-latency");
        assertEquals(List.of("local", "mpi"), ReportMarkup.all(latency, "g", "series").stream()
                .map(e -> e.getAttribute("data-series")).toList());
        assertEquals(List.of("12.5", "13", "14", "30", "31"), ReportMarkup.all(latency, "circle", "point").stream()
                .map(e -> e.getAttribute("data-y")).toList());
        assertEquals(List.of("0.08", "0.16", "0.29", "0.03", "0.07"), ReportMarkup.all(page.chart("collective-busbw"),
                "circle", "point").stream().map(e -> e.getAttribute("data-y")).toList());
    }

    @Test
    void missingKindsOfResultsSaySoInsteadOfDrawingEmptyCharts() throws Exception {
        Path comm = Files.writeString(temp.resolve("comm.jsonl"), ResultFixtures.lines(List.of(
                ResultFixtures.comm("local", 2, "all-reduce", 1024, 12.5, 0.08))));
        ReportMarkup page = ReportMarkup.parse(ReportPage.render(BenchmarkResults.read(List.of(comm)), "Report"));
        assertEquals(List.of("collective-latency", "collective-busbw"), page.charts().stream()
                .map(e -> e.getAttribute("data-chart")).toList());
        assertEquals(List.of("no bench results among the inputs", "no bench results among the inputs"),
                ReportMarkup.texts(page.root(), "p", "empty"));
    }

    @Test
    void thePageIsSelfContained() throws Exception {
        String html = ReportPage.render(threeConfigurationsAndTwoBackends(), "Report");
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        for (String external : List.of("<script", "src=", "href=", "url(", "@import", "<link")) {
            assertFalse(html.contains(external), "the page must not load anything: found " + external);
        }
    }

    @Test
    void servingRunsDrawLatencyAndThroughputAgainstTheLoad() throws Exception {
        StringBuilder lines = new StringBuilder();
        for (int concurrency : new int[] {1, 8, 32}) {
            lines.append("{\"benchmark\": \"serving\", \"model\": \"llama-100m\", \"concurrency\": ").append(concurrency)
                    .append(", \"request_rate\": null, \"completed\": 64, \"prompt_tokens\": 128, \"output_tokens\": 128,")
                    .append(" \"request_throughput\": ").append(0.5 * concurrency)
                    .append(", \"output_throughput\": ").append(60.0 * concurrency)
                    .append(", \"ttft_ms\": {\"p50\": ").append(100 * concurrency).append(", \"p99\": ").append(300 * concurrency)
                    .append("}, \"tpot_ms\": {\"p50\": 16, \"p99\": 25}, \"e2e_ms\": {\"p50\": 2000, \"p99\": 4000}}\n");
        }
        Path serving = Files.writeString(temp.resolve("serving.jsonl"), lines.toString());
        BenchmarkResults results = BenchmarkResults.read(List.of(serving));
        assertEquals(3, results.serving().size());
        ReportMarkup page = ReportMarkup.parse(ReportPage.render(results, "Report"));
        List<String> charts = page.charts().stream().map(e -> e.getAttribute("data-chart")).toList();
        assertEquals(List.of("serving-ttft", "serving-tpot", "serving-throughput"), charts);
        assertTrue(page.root().getTextContent().contains("serving runs"), "the inputs count serving runs");
    }
}
