package org.yalis.engine;

import java.util.ArrayList;
import java.util.List;

import org.yalis.engine.sample.SamplingParams;

/**
 * What changes in the batch before a step: requests that join it, requests that leave it (cancelled),
 * and whether more may still come. Rank 0 decides and, with several ranks, sends it to all of them, so
 * that every rank's scheduler sees the same batch in the same order.
 *
 * @param joining   new requests, each with the id it is known by from now on
 * @param cancelled ids of requests to stop where they are
 * @param closed    no request will join after these: the loop ends once the batch is empty
 */
public record Admissions(List<Joining> joining, int[] cancelled, boolean closed) {
    public static final Admissions NOTHING = new Admissions(List.of(), new int[0], false);
    public static final Admissions CLOSED = new Admissions(List.of(), new int[0], true);

    /** A request and the id its tokens and completion are reported under. */
    public record Joining(int id, Request request) {
    }

    public Admissions {
        joining = List.copyOf(joining);
        cancelled = cancelled.clone();
    }

    public boolean changesNothing() {
        return joining.isEmpty() && cancelled.length == 0 && !closed;
    }

    /** As longs, for a broadcast: every field of every request, prompts included. */
    long[] encode() {
        List<Long> words = new ArrayList<>();
        words.add(closed ? 1L : 0L);
        words.add((long) cancelled.length);
        for (int id : cancelled) {
            words.add((long) id);
        }
        words.add((long) joining.size());
        for (Joining join : joining) {
            Request request = join.request();
            SamplingParams sampling = request.sampling();
            words.add((long) join.id());
            words.add((long) request.maxNewTokens());
            words.add(request.ignoreEos() ? 1L : 0L);
            words.add(request.samplingStream());
            words.add(Double.doubleToRawLongBits(sampling.temperature()));
            words.add((long) sampling.topK());
            words.add(Double.doubleToRawLongBits(sampling.topP()));
            words.add(sampling.seed());
            words.add((long) request.promptIds().length);
            for (int token : request.promptIds()) {
                words.add((long) token);
            }
        }
        return words.stream().mapToLong(Long::longValue).toArray();
    }

    /** The admissions {@link #encode} wrote. */
    static Admissions decode(long[] words) {
        int at = 0;
        boolean closed = words[at++] != 0;
        int[] cancelled = new int[(int) words[at++]];
        for (int i = 0; i < cancelled.length; i++) {
            cancelled[i] = (int) words[at++];
        }
        int count = (int) words[at++];
        List<Joining> joining = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int id = (int) words[at++];
            int maxNewTokens = (int) words[at++];
            boolean ignoreEos = words[at++] != 0;
            long stream = words[at++];
            double temperature = Double.longBitsToDouble(words[at++]);
            int topK = (int) words[at++];
            double topP = Double.longBitsToDouble(words[at++]);
            long seed = words[at++];
            int[] prompt = new int[(int) words[at++]];
            for (int t = 0; t < prompt.length; t++) {
                prompt[t] = (int) words[at++];
            }
            joining.add(new Joining(id, new Request(prompt, maxNewTokens, new SamplingParams(temperature, topK, topP, seed),
                    ignoreEos, stream)));
        }
        if (at != words.length) {
            throw new IllegalStateException("admissions of " + words.length + " words decoded from " + at);
        }
        return new Admissions(joining, cancelled, closed);
    }
}
