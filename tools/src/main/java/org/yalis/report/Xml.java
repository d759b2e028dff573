package org.yalis.report;

/**
 * Escaping for text and attribute values in the report. The page is written as well-formed XML
 * (HTML that is also XHTML), so the tests can read it back with the JDK's XML parser; that rules
 * out the control characters XML 1.0 forbids, which become U+FFFD instead.
 */
public final class Xml {
    private Xml() {
    }

    /** {@code text} safe inside an element or a double- or single-quoted attribute. */
    public static String escape(String text) {
        StringBuilder escaped = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                default -> escaped.append(allowed(c) ? c : '\uFFFD');
            }
        }
        return escaped.toString();
    }

    /** XML 1.0 characters: tab, newline, carriage return, and everything from U+0020 but U+FFFE/U+FFFF. */
    private static boolean allowed(char c) {
        return c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c != 0xFFFE && c != 0xFFFF);
    }
}
