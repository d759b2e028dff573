package org.yalis.cli;

import java.io.PrintWriter;
import java.util.Arrays;

import org.yalis.engine.tokenizer.Tokenizer;

/**
 * Prints one sequence's text as its tokens arrive. Each step decodes the whole continuation (in
 * the prompt's context) and prints what is new, holding back a trailing U+FFFD: that is a UTF-8
 * character whose bytes are split over tokens, and it completes with a later token.
 */
final class TextStreamer {
    private final Tokenizer tokenizer;
    private final int[] prompt;
    private final PrintWriter out;
    private int[] generated = new int[0];
    private int printed;

    TextStreamer(Tokenizer tokenizer, int[] prompt, PrintWriter out) {
        this.tokenizer = tokenizer;
        this.prompt = prompt;
        this.out = out;
    }

    void add(int token) {
        generated = Arrays.copyOf(generated, generated.length + 1);
        generated[generated.length - 1] = token;
        String text = tokenizer.continuation(prompt, generated);
        int end = text.endsWith("\uFFFD") ? text.length() - 1 : text.length();
        if (end > printed) {
            out.print(text.substring(printed, end));
            out.flush();
            printed = end;
        }
    }

    void finish() {
        String text = tokenizer.continuation(prompt, generated);
        if (text.length() > printed) {
            out.print(text.substring(printed));
        }
        out.println();
        out.flush();
    }
}
