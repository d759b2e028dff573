package org.yalis.report;

import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * Writes well-formed markup (the report's HTML and its inline SVG) into a string: every text and
 * attribute value is escaped here, so no caller concatenates untrusted text into tags, and every
 * opened element must be closed before {@link #toString()}.
 *
 * <p>Attributes are name/value pairs; a {@code null} value leaves the attribute out. Doubles are
 * written with at most two decimals (pixel coordinates); values meant to be read back exactly go in
 * as strings from {@link #exact(double)}.
 */
public final class MarkupWriter {
    private final StringBuilder markup = new StringBuilder(8192);
    private final Deque<String> openElements = new ArrayDeque<>();

    /** {@code <tag attributes>}; must be matched by {@link #close()}. */
    public MarkupWriter open(String tag, Object... attributes) {
        startTag(tag, attributes);
        markup.append('>');
        openElements.push(tag);
        return this;
    }

    /** {@code <tag attributes/>}: SVG shapes and HTML void elements. */
    public MarkupWriter leaf(String tag, Object... attributes) {
        startTag(tag, attributes);
        markup.append("/>");
        return this;
    }

    /** {@code <tag attributes>text</tag>}. */
    public MarkupWriter element(String tag, String text, Object... attributes) {
        open(tag, attributes);
        text(text);
        return close();
    }

    public MarkupWriter text(String text) {
        markup.append(Xml.escape(text));
        return this;
    }

    /** Markup another writer produced (a chart inside the page); already escaped and balanced. */
    public MarkupWriter append(MarkupWriter finished) {
        markup.append(finished.toString());
        return this;
    }

    /** Markup this class cannot produce (a doctype, a style sheet); the caller vouches for it. */
    public MarkupWriter raw(String trustedMarkup) {
        markup.append(trustedMarkup);
        return this;
    }

    public MarkupWriter close() {
        if (openElements.isEmpty()) {
            throw new IllegalStateException("close() without an open element");
        }
        markup.append("</").append(openElements.pop()).append('>');
        return this;
    }

    @Override
    public String toString() {
        if (!openElements.isEmpty()) {
            throw new IllegalStateException("unclosed elements: " + openElements);
        }
        return markup.toString();
    }

    /** The shortest decimal that reads back as {@code value}, for data attributes. */
    public static String exact(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    /** A pixel coordinate: two decimals, trailing zeros dropped. */
    public static String coordinate(double value) {
        if (!Double.isFinite(value)) {
            // A browser would drop the shape with a console error; this is a bug in the chart code.
            throw new IllegalArgumentException("not a coordinate: " + value);
        }
        String text = String.format(Locale.ROOT, "%.2f", value);
        if (text.contains(".")) {
            text = text.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return text.equals("-0") ? "0" : text;
    }

    private void startTag(String tag, Object[] attributes) {
        if (attributes.length % 2 != 0) {
            throw new IllegalArgumentException("attributes come in name/value pairs: " + attributes.length);
        }
        markup.append('<').append(tag);
        for (int i = 0; i < attributes.length; i += 2) {
            Object value = attributes[i + 1];
            if (value == null) {
                continue;
            }
            String text = value instanceof Double d ? coordinate(d)
                    : value instanceof Float f ? coordinate(f) : value.toString();
            markup.append(' ').append(attributes[i]).append("=\"").append(Xml.escape(text)).append('"');
        }
    }
}
