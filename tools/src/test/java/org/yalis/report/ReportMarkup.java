package org.yalis.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The report (or one chart) read back with the JDK's XML parser: reading fails on anything that is
 * not well-formed, and the charts' elements can then be found by tag and class and their values read.
 */
public final class ReportMarkup {
    private final Document document;

    private ReportMarkup(Document document) {
        this.document = document;
    }

    public static ReportMarkup parse(String markup) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        DocumentBuilder builder = factory.newDocumentBuilder();
        builder.setErrorHandler(null);
        return new ReportMarkup(builder.parse(new ByteArrayInputStream(markup.getBytes(StandardCharsets.UTF_8))));
    }

    public Element root() {
        return document.getDocumentElement();
    }

    /** The svg whose {@code data-chart} is {@code id}. */
    public Element chart(String id) {
        List<Element> matches = all(root(), "svg", null).stream().filter(e -> e.getAttribute("data-chart").equals(id))
                .toList();
        assertEquals(1, matches.size(), "charts with data-chart=" + id);
        return matches.getFirst();
    }

    public List<Element> charts() {
        return all(root(), "svg", null);
    }

    /** Elements named {@code tag} under {@code scope} (in document order) whose class list holds {@code cssClass}. */
    public static List<Element> all(Element scope, String tag, String cssClass) {
        NodeList nodes = scope.getElementsByTagName(tag);
        List<Element> found = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element element = (Element) nodes.item(i);
            if (cssClass == null || Arrays.asList(element.getAttribute("class").split(" ")).contains(cssClass)) {
                found.add(element);
            }
        }
        return found;
    }

    public static double number(Element element, String attribute) {
        String value = element.getAttribute(attribute);
        assertNotNull(value);
        return Double.parseDouble(value);
    }

    /** The text of every element named {@code tag} with class {@code cssClass}. */
    public static List<String> texts(Element scope, String tag, String cssClass) {
        return all(scope, tag, cssClass).stream().map(Element::getTextContent).toList();
    }
}
