package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import org.w3c.dom.Element;

import org.yalis.engine.metrics.Category;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.testing.TestModels;
import org.yalis.report.ReportMarkup;

/**
 * {@code yalis report} on what the real {@code bench} and {@code comm-bench} commands print: a tiny
 * synthetic model benchmarked on 1 and 2 ranks, and a short collective sweep, all in this process.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportCommandTest {
    @TempDir
    static Path temp;
    private Path benchFile;
    private Path commFile;
    private final List<JsonNode> benchResults = new ArrayList<>();
    private final List<JsonNode> commLines = new ArrayList<>();

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Yalis.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeAll
    void benchmarkATinyModelAndTheCollectives() throws Exception {
        Path model = TestModels.writeTinyModel(temp.resolve("tiny"), DType.F32, 5);
        ObjectMapper mapper = new ObjectMapper();
        StringBuilder benchLines = new StringBuilder();
        for (String ranks : List.of("1", "2")) {
            Run bench = run("bench", "--model", model.toString(), "--tp", ranks, "--prompt-len", "8",
                    "--decode-len", "4", "--warmup", "0", "--repeat", "1", "--membw-gbps", "20", "--json");
            assertEquals(0, bench.code(), bench.err());
            benchResults.add(mapper.readTree(bench.out()));
            benchLines.append(bench.out());
        }
        benchFile = Files.writeString(temp.resolve("bench.jsonl"), benchLines);
        Run comm = run("comm-bench", "--ranks", "2", "--ops", "all-reduce,broadcast", "--min-bytes", "1KiB",
                "--max-bytes", "8KiB", "--warmup", "0", "--repeat", "2", "--json");
        assertEquals(0, comm.code(), comm.err());
        for (String line : comm.out().lines().toList()) {
            commLines.add(mapper.readTree(line));
        }
        commFile = Files.writeString(temp.resolve("comm.jsonl"), comm.out());
    }

    private ReportMarkup report(Path out) throws Exception {
        Run report = run("report", benchFile.toString(), commFile.toString(), "--out", out.toString());
        assertEquals(0, report.code(), report.err());
        assertTrue(report.err().contains("2 bench results, 8 comm-bench measurements"), report.err());
        return ReportMarkup.parse(Files.readString(out));
    }

    @Test
    void theReportDrawsEveryValueTheBenchAndCommBenchRunsPrinted() throws Exception {
        ReportMarkup page = report(temp.resolve("out/report.html"));

        for (String phase : List.of("prefill", "decode", "decode_10_steps")) {
            List<Element> segments = ReportMarkup.all(page.chart("breakdown-" + phase), "rect", "bar");
            assertEquals(2 * Category.values().length, segments.size(), phase);
            for (int run = 0; run < 2; run++) {
                JsonNode row = benchResults.get(run).get("breakdown").get(phase);
                for (Category category : Category.values()) {
                    Element segment = segments.get(run * Category.values().length + category.ordinal());
                    assertEquals(category.label(), segment.getAttribute("data-series"));
                    assertEquals(List.of("tp 1", "tp 2").get(run), segment.getAttribute("data-x"));
                    assertEquals(row.get(category.label() + "_ms").asDouble(),
                            ReportMarkup.number(segment, "data-y"), 1e-9, phase + " " + category);
                }
            }
        }

        List<Element> scaling = ReportMarkup.all(page.chart("scaling-e2e"), "circle", "point");
        assertEquals(2, scaling.size(), "one point per bench run");
        for (int run = 0; run < 2; run++) {
            assertEquals(run + 1, ReportMarkup.number(scaling.get(run), "data-x"));
            assertEquals(benchResults.get(run).get("median").get("e2e_ms").asDouble(),
                    ReportMarkup.number(scaling.get(run), "data-y"), 1e-9);
        }

        assertEquals(8, commLines.size(), "4 sizes x 2 operations");
        List<Element> latency = ReportMarkup.all(page.chart("collective-latency"), "circle", "point");
        List<Element> bandwidth = ReportMarkup.all(page.chart("collective-busbw"), "circle", "point");
        assertEquals(commLines.size(), latency.size());
        assertEquals(commLines.size(), bandwidth.size());
        for (int i = 0; i < commLines.size(); i++) {
            JsonNode line = commLines.get(i);
            assertEquals(line.get("op").asText(), latency.get(i).getAttribute("data-series"));
            assertEquals(line.get("bytes").asDouble(), ReportMarkup.number(latency.get(i), "data-x"));
            assertEquals(line.get("time_us").asDouble(), ReportMarkup.number(latency.get(i), "data-y"), 1e-9);
            assertEquals(line.get("busbw_gbps").asDouble(), ReportMarkup.number(bandwidth.get(i), "data-y"), 1e-9);
        }
        assertEquals(List.of("1 KiB", "2 KiB", "4 KiB", "8 KiB"), ReportMarkup.texts(
                ReportMarkup.all(page.chart("collective-latency"), "g", "x-axis").getFirst(), "text", "tick-label"));
    }

    @Test
    void unreadableInputsAndAMissingOutputAreUserErrors() throws Exception {
        Run noOut = run("report", benchFile.toString());
        assertEquals(Yalis.EXIT_USAGE, noOut.code());
        assertTrue(noOut.err().contains("--out"), noOut.err());

        Path notResults = Files.writeString(temp.resolve("machine.json"), "{\"threads\": 2}");
        Run wrong = run("report", notResults.toString(), "--out", temp.resolve("x.html").toString());
        assertEquals(Yalis.EXIT_ERROR, wrong.code());
        assertTrue(wrong.err().startsWith("error: ") && wrong.err().contains("machine.json, record 1 is neither"),
                wrong.err());
        assertTrue(Files.notExists(temp.resolve("x.html")), "no page is written from bad input");
    }

    @Test
    void theOutputIsNeverAnInputAndReplacesAnOldPageWhole() throws Exception {
        String results = Files.readString(benchFile);
        Run ontoItsInput = run("report", benchFile.toString(), "--out", benchFile.toString());
        assertEquals(Yalis.EXIT_ERROR, ontoItsInput.code());
        assertTrue(ontoItsInput.err().contains("is one of the result files it would be made from"), ontoItsInput.err());
        assertEquals(results, Files.readString(benchFile), "the result file is untouched");

        Path folder = Files.createDirectories(temp.resolve("a-folder"));
        Run ontoAFolder = run("report", benchFile.toString(), "--out", folder.toString());
        assertEquals(Yalis.EXIT_ERROR, ontoAFolder.code());
        assertTrue(ontoAFolder.err().contains("is a folder; give a file name"), ontoAFolder.err());

        Path page = Files.writeString(temp.resolve("old.html"), "an old page");
        Files.setPosixFilePermissions(page, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-r--"));
        Run replace = run("report", benchFile.toString(), "--out", page.toString());
        assertEquals(0, replace.code(), replace.err());
        assertTrue(Files.readString(page).startsWith("<!DOCTYPE html>"), "the new page, whole");
        assertEquals("rw-rw-r--", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(page)), "the old page's permissions are kept");
        try (var left = Files.list(temp)) {
            assertTrue(left.noneMatch(file -> file.getFileName().toString().endsWith(".partial")),
                    "no temporary file is left");
        }
    }

    @Test
    void chromiumRendersTheReportWithEveryChartAndNoConsoleMessage() throws Exception {
        RenderCheck.requireChromium();
        Path html = temp.resolve("render/report.html");
        report(html);
        Path screenshot = temp.resolve("render/report.png");
        RenderCheck.Result check = RenderCheck.run(html, screenshot);
        assertEquals(0, check.exitCode(), check.output());
        assertTrue(check.output().contains("OK: 6 SVG charts"), check.output());
        // A blank page compresses to a few KB; six charts of lines, bars and text do not.
        assertTrue(Files.size(screenshot) > 20_000, "screenshot of " + Files.size(screenshot) + " bytes");
    }

    @Test
    void theRenderCheckFailsOnAChartTheBrowserRejects() throws Exception {
        RenderCheck.requireChromium();
        // What a NaN coordinate would look like: Chromium drops the circle and logs an error.
        Path broken = Files.writeString(temp.resolve("broken.html"), "<!DOCTYPE html><html><head><meta charset=\"utf-8\"/>"
                + "<title>t</title></head><body><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">"
                + "<circle data-y=\"1\" cx=\"NaN\" cy=\"1\" r=\"1\"/></svg></body></html>");
        RenderCheck.Result check = RenderCheck.run(broken, null);
        assertEquals(1, check.exitCode(), check.output());
        assertTrue(check.output().contains("console messages while rendering"), check.output());
    }
}
