package org.yalis.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.yalis.engine.testing.TestModels;

/**
 * {@link TextStream} against its reference: the whole continuation decoded at once, cut before the first
 * stop string. On stories260K's tokenizer, random token sequences (with multi-byte characters spelled in
 * byte-fallback tokens, so a character's bytes are split over tokens, as models generate them) and stop
 * strings taken from the text itself (so they straddle tokens).
 */
class TextStreamTest {
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(TestModels.requireStories260K(), 1);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    /** The reference: decode everything, cut at the earliest stop. */
    private static String expected(int[] prompt, int[] generated, List<String> stops) {
        String text = tokenizer.continuation(prompt, generated);
        int cut = text.length();
        for (String stop : stops) {
            int at = text.indexOf(stop);
            if (at >= 0) {
                cut = Math.min(cut, at);
            }
        }
        return text.substring(0, cut);
    }

    /** stories260K's vocabulary: ids 3..258 are the bytes 0x00..0xFF, then merged pieces up to 511. */
    private static final int FIRST_BYTE_TOKEN = 3;
    private static final int FIRST_PIECE = 259;
    private static final int VOCAB = 512;
    private static final String[] WIDE = {"\u00e9", "\u20ac", "\u2603", "\ud83d\ude00"};

    /** Random pieces, and now and then a multi-byte character as its UTF-8 bytes, one token each. */
    private static int[] randomTokens(Random random, int count) {
        List<Integer> tokens = new ArrayList<>();
        while (tokens.size() < count) {
            if (random.nextInt(5) == 0) {
                for (byte b : WIDE[random.nextInt(WIDE.length)].getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    tokens.add(FIRST_BYTE_TOKEN + (b & 0xff));
                }
            } else {
                tokens.add(FIRST_PIECE + random.nextInt(VOCAB - FIRST_PIECE));
            }
        }
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void releasedPiecesAddUpToTheWholeTextCutAtTheFirstStop() {
        Random random = new Random(5);
        for (int trial = 0; trial < 300; trial++) {
            int[] prompt = randomTokens(random, 1 + random.nextInt(6));
            int[] generated = randomTokens(random, 1 + random.nextInt(30));
            String whole = tokenizer.continuation(prompt, generated);
            List<String> stops = new ArrayList<>();
            for (int s = random.nextInt(3); s > 0 && whole.length() > 2; s--) {
                int start = random.nextInt(whole.length() - 1);
                stops.add(whole.substring(start, Math.min(whole.length(), start + 1 + random.nextInt(6))));
            }
            if (random.nextInt(4) == 0) {
                stops.add("never in this text \u2603");
            }
            TextStream stream = new TextStream(tokenizer, prompt, stops);
            StringBuilder released = new StringBuilder();
            int added = 0;
            for (int token : generated) {
                released.append(stream.add(token));
                added++;
                if (stream.stopped()) {
                    break;
                }
            }
            released.append(stream.finish());
            // What was released piece by piece is the text of the whole continuation, cut at the stop (the
            // released pieces are never taken back, so each was a prefix of it).
            String reference = expected(prompt, java.util.Arrays.copyOf(generated, added), stops);
            assertEquals(reference, released.toString(), "trial " + trial + ", stops " + stops);
            assertEquals(reference, stream.text());
            // The reference for where it stops: the first token whose text holds a stop string.
            int stopsAt = -1;
            for (int n = 1; n <= generated.length && stopsAt < 0; n++) {
                String text = tokenizer.continuation(prompt, java.util.Arrays.copyOf(generated, n));
                if (stops.stream().anyMatch(text::contains)) {
                    stopsAt = n;
                }
            }
            assertEquals(stopsAt > 0, stream.stopped(), "trial " + trial + ", stops " + stops);
            assertEquals(stopsAt > 0 ? stopsAt : generated.length, stream.tokens(), "nothing follows the stop");
        }
    }

    @Test
    void aTailThatMayBeginAStopIsHeldBackUntilItIsNot() {
        int[] prompt = tokenizer.encode("Once upon a time");
        int[] generated = tokenizer.encode("there was a girl", false);
        String whole = tokenizer.continuation(prompt, generated);
        assertTrue(whole.endsWith("a girl"), whole);
        TextStream stream = new TextStream(tokenizer, prompt, List.of("a girl named"));
        StringBuilder released = new StringBuilder();
        for (int token : generated) {
            released.append(stream.add(token));
        }
        assertFalse(released.toString().contains("a girl"), "'a girl' could still become the stop: " + released);
        assertFalse(stream.stopped());
        assertEquals(whole, released + stream.finish());
    }
}
