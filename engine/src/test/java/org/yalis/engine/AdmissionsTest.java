package org.yalis.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import org.yalis.engine.sample.SamplingParams;

/** What rank 0 broadcasts before a step comes back field for field on the other ranks. */
class AdmissionsTest {
    @Test
    void randomAdmissionsSurviveTheirEncoding() {
        Random random = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            List<Admissions.Joining> joining = new ArrayList<>();
            for (int j = random.nextInt(4); j > 0; j--) {
                int[] prompt = random.ints(1 + random.nextInt(40), 0, 32_000).toArray();
                SamplingParams sampling = random.nextBoolean() ? SamplingParams.greedy()
                        : new SamplingParams(random.nextDouble() * 2, random.nextInt(50), 0.01 + random.nextDouble() * 0.99,
                        random.nextLong());
                joining.add(new Admissions.Joining(random.nextInt(1 << 30), new Request(prompt, 1 + random.nextInt(500),
                        sampling, random.nextBoolean(), random.nextBoolean() ? Request.STREAM_OF_INDEX : random.nextInt(9))));
            }
            int[] cancelled = random.ints(random.nextInt(5), 0, 1 << 30).toArray();
            Admissions sent = new Admissions(joining, cancelled, random.nextBoolean());
            Admissions received = Admissions.decode(sent.encode());
            assertEquals(sent.closed(), received.closed());
            assertArrayEquals(sent.cancelled(), received.cancelled());
            assertEquals(sent.joining().size(), received.joining().size());
            for (int i = 0; i < sent.joining().size(); i++) {
                Request a = sent.joining().get(i).request();
                Request b = received.joining().get(i).request();
                assertEquals(sent.joining().get(i).id(), received.joining().get(i).id());
                assertArrayEquals(a.promptIds(), b.promptIds());
                assertEquals(a.maxNewTokens(), b.maxNewTokens());
                assertEquals(a.sampling(), b.sampling());
                assertEquals(a.ignoreEos(), b.ignoreEos());
                assertEquals(a.samplingStream(), b.samplingStream());
            }
        }
    }

    @Test
    void wordsLeftOverAreAnError() {
        long[] words = Admissions.NOTHING.encode();
        long[] longer = java.util.Arrays.copyOf(words, words.length + 1);
        assertThrows(IllegalStateException.class, () -> Admissions.decode(longer));
    }
}
