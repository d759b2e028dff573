package org.yalis.engine.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * One sequence's text as its tokens arrive, released piece by piece for streaming, and cut at the first
 * stop string. Each token decodes the whole continuation (in the prompt's context, as
 * {@link Tokenizer#continuation} does) and releases what is new, holding back what may still change: the
 * bytes so far of a UTF-8 character split over tokens (shown as U+FFFD until a later token completes it) and a
 * tail that could be the start of a stop string. The released pieces concatenate to {@link #text()}.
 */
public final class TextStream {
    private final Tokenizer tokenizer;
    private final int[] prompt;
    private final List<String> stops;
    private int[] generated = new int[0];
    private String text = "";
    private int released;
    private boolean stopped;
    /** Trailing generated tokens that each decode, alone, to U+FFFD (bytes of a character still coming). */
    private int partialRun;

    public TextStream(Tokenizer tokenizer, int[] prompt, List<String> stops) {
        this.tokenizer = tokenizer;
        this.prompt = prompt.clone();
        this.stops = stops.stream().filter(stop -> !stop.isEmpty()).toList();
    }

    /** Adds a generated token; returns the text it makes final (often empty). Nothing once stopped. */
    public String add(int token) {
        if (stopped) {
            return "";
        }
        generated = Arrays.copyOf(generated, generated.length + 1);
        generated[generated.length - 1] = token;
        text = tokenizer.continuation(prompt, generated);
        int stopAt = firstStop(text);
        if (stopAt >= 0) {
            stopped = true;
            text = text.substring(0, stopAt);
            return release(text.length());
        }
        // A character's bytes split over tokens decode, until the last arrives, to U+FFFD; with byte-fallback
        // tokens (SentencePiece's <0xE2>) a run of them decodes as one, so a later byte can change what the
        // run's earlier bytes showed: the text of a trailing run of such tokens waits until a piece ends it.
        partialRun = tokenizer.decodesToReplacement(token) ? partialRun + 1 : 0;
        String settled = partialRun == 0 ? text
                : tokenizer.continuation(prompt, Arrays.copyOf(generated, generated.length - partialRun));
        int end = Math.min(settled.length(), text.length());
        while (end > 0 && text.length() - end < 3 && text.charAt(end - 1) == '\uFFFD') {
            end--;
        }
        return release(end - heldForStops(text.substring(0, end)));
    }

    /** The text not yet released: call when the sequence has finished. */
    public String finish() {
        return release(text.length());
    }

    /** Whether a stop string was generated: the text ends where it began, and later tokens are ignored. */
    public boolean stopped() {
        return stopped;
    }

    /** The whole text so far, cut before a stop string. */
    public String text() {
        return text;
    }

    /** Tokens added until the stop (or all of them). */
    public int tokens() {
        return generated.length;
    }

    private String release(int end) {
        if (end <= released) {
            return "";
        }
        String piece = text.substring(released, end);
        released = end;
        return piece;
    }

    private int firstStop(String text) {
        int first = -1;
        // A stop string can only have completed in the text not yet released (or straddling its start).
        int from = Math.max(0, released - longestStop());
        for (String stop : stops) {
            int at = text.indexOf(stop, from);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    /** The length of the longest tail of {@code text} that begins some stop string. */
    private int heldForStops(String text) {
        int held = 0;
        for (String stop : stops) {
            for (int length = Math.min(stop.length() - 1, text.length() - released); length > held; length--) {
                if (text.endsWith(stop.substring(0, length))) {
                    held = length;
                    break;
                }
            }
        }
        return held;
    }

    private int longestStop() {
        return stops.stream().mapToInt(String::length).max().orElse(0);
    }
}
