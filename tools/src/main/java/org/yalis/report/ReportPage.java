package org.yalis.report;

import java.util.List;
import java.util.Locale;

/**
 * The report: one self-contained HTML page (inline CSS, inline SVG, no script, nothing fetched),
 * written as well-formed XML so that tools and tests can read it back with any XML parser.
 */
public final class ReportPage {
    /**
     * System fonts only: the page must render the same offline, with nothing to download. Written
     * as it is (HTML does not decode entities inside {@code style}), so it must hold no {@code <} or
     * {@code &}: the tests read the page as XML.
     */
    private static final String STYLE = """
            body { font-family: system-ui, -apple-system, Roboto, sans-serif; margin: 24px; color: #222;
                   max-width: 1400px; }
            h1 { font-size: 22px; margin: 0 0 4px 0; }
            h2 { font-size: 17px; margin: 28px 0 6px 0; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
            p, li, td, th { font-size: 13px; }
            .charts { display: flex; flex-wrap: wrap; gap: 16px 32px; }
            figure { margin: 0; }
            figcaption { font-size: 12px; color: #555; margin: 2px 0 0 8px; }
            .empty { color: #777; font-style: italic; }
            table { border-collapse: collapse; }
            th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 10px; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            svg.chart text { font-family: inherit; font-size: 11px; fill: #333; }
            svg.chart .chart-title { font-size: 13px; font-weight: 600; fill: #111; }
            svg.chart .axis-title { font-size: 11px; fill: #555; }
            svg.chart .axis-line, svg.chart .tick { stroke: #444; stroke-width: 1; }
            svg.chart .grid { stroke: #e8e8e8; stroke-width: 1; }
            svg.chart .total { font-size: 10px; fill: #555; }
            svg.chart .note { font-size: 10px; fill: #a33; }
            """;

    private ReportPage() {
    }

    public static String render(BenchmarkResults results, String title) {
        MarkupWriter page = new MarkupWriter();
        page.raw("<!DOCTYPE html>\n");
        page.open("html", "xmlns", "http://www.w3.org/1999/xhtml", "lang", "en");
        page.open("head");
        page.leaf("meta", "charset", "utf-8");
        page.element("title", title);
        page.open("style").raw(STYLE).close();
        page.close();
        page.open("body");
        page.element("h1", title);
        inputs(page, results);

        section(page, "Time breakdown", "Median run of each configuration, its steps' time by category: gemm "
                + "(linear layers and LM head), attention (KV writes included), collective (all-reduces and "
                + "gathers between ranks), other (norms, RoPE, activations, host work).",
                BreakdownCharts.build(results.bench()), "no bench results among the inputs");
        section(page, "Collectives", "Median over the timed runs at each message size; bus bandwidth as "
                        + "nccl-tests defines it (algorithm bandwidth times 2(n-1)/n for all-reduce).",
                CollectiveCharts.build(results.collectives()), "no comm-bench results among the inputs");
        section(page, "Strong scaling", "The same workload on more tensor-parallel ranks: median end-to-end "
                        + "latency of the batch (prefill and every decode step).",
                ScalingChart.build(results.bench()), "no bench results among the inputs");
        if (!results.serving().isEmpty()) {
            section(page, "Serving", "As the clients of 'yalis bench-serving' measured them: time to first token "
                            + "(queueing and prefill), time per output token after the first, and output tokens "
                            + "per second, against the load.", ServingCharts.build(results.serving()), "");
        }
        runsTable(page, results.bench());
        page.close();
        page.close();
        return page.toString() + "\n";
    }

    private static void inputs(MarkupWriter page, BenchmarkResults results) {
        page.element("p", results.bench().size() + " bench results, " + results.collectives().size()
                + " comm-bench measurements and " + results.serving().size() + " serving runs, from:");
        page.open("ul", "class", "inputs");
        for (BenchmarkResults.InputFile file : results.files()) {
            page.element("li", file.name() + " (" + file.benchResults() + " bench, " + file.collectivePoints()
                    + " comm-bench, " + file.servingPoints() + " serving)");
        }
        page.close();
    }

    private static void section(MarkupWriter page, String heading, String explanation, List<Figure> figures,
                                String whenEmpty) {
        page.element("h2", heading);
        if (figures.isEmpty()) {
            page.element("p", whenEmpty, "class", "empty");
            return;
        }
        page.element("p", explanation);
        page.open("div", "class", "charts");
        for (Figure figure : figures) {
            page.open("figure");
            page.append(figure.svg());
            if (!figure.caption().isEmpty()) {
                page.element("figcaption", "All: " + figure.caption());
            }
            page.close();
        }
        page.close();
    }

    /** The headline numbers of every bench run, beside the charts, for reading exact values. */
    private static void runsTable(MarkupWriter page, List<BenchResult> results) {
        if (results.isEmpty()) {
            return;
        }
        VaryingParts labels = BreakdownCharts.labels(results);
        page.element("h2", "Runs");
        page.open("table", "class", "runs");
        page.open("thead").open("tr");
        for (String heading : List.of("configuration", "ranks", "e2e (ms)", "prefill (tokens/s)",
                "decode (tokens/s)")) {
            page.element("th", heading);
        }
        page.close().close();
        page.open("tbody");
        for (int i = 0; i < results.size(); i++) {
            BenchResult r = results.get(i);
            page.open("tr");
            page.element("td", labels.labels().get(i));
            page.element("td", Integer.toString(r.ranks()));
            page.element("td", String.format(Locale.ROOT, "%.2f", r.e2eMs()));
            page.element("td", String.format(Locale.ROOT, "%.1f", r.prefillTokensPerSecond()));
            page.element("td", String.format(Locale.ROOT, "%.1f", r.decodeTokensPerSecond()));
            page.close();
        }
        page.close();
        page.close();
        if (!labels.common().isEmpty()) {
            page.element("p", "All: " + labels.common());
        }
    }
}
