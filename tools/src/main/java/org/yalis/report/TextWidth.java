package org.yalis.report;

/**
 * A rough width of label text, for laying out margins and legend columns before any browser sees
 * the page: no font is embedded, so the real width varies a little; this errs on the wide side.
 */
final class TextWidth {
    /** Average advance of sans-serif text per character, in font sizes. */
    private static final double EM_PER_CHAR = 0.6;

    private TextWidth() {
    }

    static double of(String text, double fontSize) {
        return text.length() * fontSize * EM_PER_CHAR;
    }
}
