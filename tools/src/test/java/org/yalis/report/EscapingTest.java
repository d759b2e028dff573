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

class EscapingTest {
    /** No slash: a model with one shows as its last path component. */
    private static final String HOSTILE_MODEL = "<script>alert(\"x\")<script> & 'q'";
    private static final String HOSTILE_BACKEND = "<b onmouseover=\"x()\">mpi</b>";

    @Test
    void markupInResultsAndTitleIsShownAsTextNeverAsElements(@TempDir Path temp) throws Exception {
        Path results = Files.writeString(temp.resolve("hostile.jsonl"), ResultFixtures.lines(List.of(
                ResultFixtures.bench(HOSTILE_MODEL, 1, "1x1", "local", 100, 60, 10, 0, 5),
                ResultFixtures.bench("plain", 1, "1x1", "local", 90, 50, 10, 0, 5),
                ResultFixtures.comm(HOSTILE_BACKEND, 2, "all-reduce", 1024, 12.5, 0.08),
                ResultFixtures.comm("local", 2, "all-reduce", 1024, 10, 0.1))));
        String title = "</title><script>bad()</script>";
        String html = ReportPage.render(BenchmarkResults.read(List.of(results)), title);

        assertFalse(html.contains("<script"), "no script element may appear");
        assertFalse(html.contains("<b "), "no b element may appear");
        ReportMarkup page = ReportMarkup.parse(html);   // throws unless well-formed
        assertEquals(0, page.root().getElementsByTagName("script").getLength());
        assertEquals(0, page.root().getElementsByTagName("b").getLength());
        assertEquals(title, page.root().getElementsByTagName("h1").item(0).getTextContent());
        assertEquals(title, page.root().getElementsByTagName("title").item(0).getTextContent());

        List<String> barLabels = ReportMarkup.all(page.chart("breakdown-prefill"), "g", "bar-group").stream()
                .map(e -> e.getAttribute("data-x")).toList();
        assertEquals(List.of(HOSTILE_MODEL + " · tp 1", "plain · tp 1"), barLabels);
        assertTrue(ReportMarkup.texts(page.chart("breakdown-prefill"), "text", "bar-label").contains(HOSTILE_MODEL));
        List<String> series = ReportMarkup.all(page.chart("collective-latency"), "g", "legend-entry").stream()
                .map(Element::getTextContent).toList();
        assertEquals(List.of(HOSTILE_BACKEND, "local"), series);
    }

    @Test
    void charactersXmlForbidsAreReplacedSoThePageStaysWellFormed() throws Exception {
        String escaped = Xml.escape("a\u0001b\u0000c\td");
        assertEquals("a\uFFFDb\uFFFDc\td", escaped);
        assertEquals("&lt;&amp;&gt;&quot;&#39;", Xml.escape("<&>\"'"));
        String svg = new MarkupWriter().element("text", "tab\there, bell\u0007", "data-x", "\u0002<").toString();
        Element text = ReportMarkup.parse(svg).root();
        assertEquals("tab\there, bell\uFFFD", text.getTextContent());
        assertEquals("\uFFFD<", text.getAttribute("data-x"));
    }
}
