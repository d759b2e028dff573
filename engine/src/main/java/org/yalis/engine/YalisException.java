package org.yalis.engine;

/**
 * An error the user can fix: bad input, a broken model folder, a flag that does not fit. Its
 * message is one line that names the cause and the fix; the CLI prints it without a stack trace.
 * A message quotes what the user gave (a model_type, a file's text), which may hold line breaks or
 * other control characters: they are written as escapes (a backslash and n, r, t, or u and four hex
 * digits), so the message stays one line.
 */
public class YalisException extends RuntimeException {
    public YalisException(String message) {
        super(oneLine(message));
    }

    public YalisException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /**
     * {@code text} (something quoted from the user's input, or a library's message that quotes it) cut to
     * about {@code max} characters, saying how much was left out: a message quoting a whole template or
     * file would bury its fix.
     */
    public static String quoted(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        return text.substring(0, max) + "... (" + (text.length() - max) + " more characters)";
    }

    /** {@code text} with line breaks, tabs and other control characters written as escapes. */
    static String oneLine(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder line = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\t' -> line.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
                        line.append(String.format("\\u%04x", (int) c));
                    } else {
                        line.append(c);
                    }
                }
            }
        }
        return line.toString();
    }
}
