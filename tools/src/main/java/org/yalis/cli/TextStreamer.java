package org.yalis.cli;

import java.io.PrintWriter;
import java.util.List;

import org.yalis.engine.tokenizer.TextStream;
import org.yalis.engine.tokenizer.Tokenizer;

/** Prints one sequence's text as its tokens arrive (a {@link TextStream}'s released pieces). */
final class TextStreamer {
    private final TextStream stream;
    private final PrintWriter out;

    TextStreamer(Tokenizer tokenizer, int[] prompt, PrintWriter out) {
        this(new TextStream(tokenizer, prompt, List.of()), out);
    }

    TextStreamer(TextStream stream, PrintWriter out) {
        this.stream = stream;
        this.out = out;
    }

    void add(int token) {
        print(stream.add(token));
    }

    void finish() {
        print(stream.finish());
        out.println();
        out.flush();
    }

    private void print(String piece) {
        if (!piece.isEmpty()) {
            out.print(piece);
            out.flush();
        }
    }
}
