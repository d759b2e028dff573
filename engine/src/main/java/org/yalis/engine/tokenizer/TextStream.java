package org.yalis.engine.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * One sequence's text as its tokens arrive, released piece by piece for streaming, and cut at the first
 * stop string. Detokenization is incremental, as vLLM's: each token decodes only a window of the last few
 * tokens (a little of what is already text, for the context a decoder needs, such as SentencePiece's
 * leading space) and appends what the window's text gained, so a token costs the same however long the
 * sequence; the text is the same as decoding the whole continuation ({@link Tokenizer#continuation}).
 * What may still change is held back: the bytes so far of a UTF-8 character split over tokens (shown as
 * U+FFFD until a later token completes it; a run of byte-fallback tokens decodes as one) and a tail that
 * could be the start of a stop string. The released pieces concatenate to {@link #text()}.
 */
public final class TextStream {
    /** Tokens of context before the first generated one, as vLLM starts its incremental detokenizer. */
    private static final int CONTEXT_TOKENS = 5;

    private final Tokenizer tokenizer;
    private final List<String> stops;
    /** The prompt, then the generated tokens. */
    private int[] ids;
    private int count;
    private final int promptLength;
    /** The window decoded for the next token starts here; its text up to {@link #settledAt} is {@link #windowText}. */
    private int windowStart;
    private int settledAt;
    private String windowText;
    private String text = "";
    private int released;
    private boolean stopped;

    public TextStream(Tokenizer tokenizer, int[] prompt, List<String> stops) {
        this.tokenizer = tokenizer;
        this.stops = stops.stream().filter(stop -> !stop.isEmpty()).toList();
        this.ids = Arrays.copyOf(prompt, prompt.length + 16);
        this.count = prompt.length;
        this.promptLength = prompt.length;
        this.windowStart = Math.max(0, prompt.length - CONTEXT_TOKENS);
        this.settledAt = prompt.length;
        this.windowText = decode(windowStart, settledAt);
    }

    /** Adds a generated token; returns the text it makes final (often empty). Nothing once stopped. */
    public String add(int token) {
        if (stopped) {
            return "";
        }
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, ids.length * 2);
        }
        ids[count++] = token;
        String decoded = decode(windowStart, count);
        // Text that ends in U+FFFD waits: the bytes of a character are still coming.
        if (decoded.length() > windowText.length() && !decoded.endsWith("\uFFFD")) {
            settle(decoded);
        }
        if (cutAtStop()) {
            return release(text.length());
        }
        return release(text.length() - heldForStops());
    }

    /** The text not yet released (a character left incomplete included): call when the sequence has finished. */
    public String finish() {
        if (!stopped && settledAt < count) {
            String decoded = decode(windowStart, count);
            if (decoded.length() > windowText.length()) {
                settle(decoded);
            }
            cutAtStop();
        }
        return release(text.length());
    }

    private void settle(String decoded) {
        text += decoded.substring(windowText.length());
        windowStart = settledAt;
        settledAt = count;
        windowText = decode(windowStart, settledAt);
    }

    private String decode(int from, int to) {
        return tokenizer.decode(Arrays.copyOfRange(ids, from, to));
    }

    /** Cuts the text before the first stop string in it, if any; returns whether it did. */
    private boolean cutAtStop() {
        int stopAt = firstStop(text);
        if (stopAt < 0) {
            return false;
        }
        stopped = true;
        text = text.substring(0, stopAt);
        return true;
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
        return count - promptLength;
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

    /** The length of the longest unreleased tail of the text that begins some stop string. */
    private int heldForStops() {
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
