package org.yalis.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * The requests of one {@link Engine#generate} call: all join before the first step, with their indices
 * as ids, and nothing joins after them. Before each step the listener is asked which unfinished ones it
 * cancels (when it {@link GenerationListener#cancels() cancels} at all).
 */
final class BatchFeed implements RequestFeed {
    private final List<Request> requests;
    private final GenerationListener listener;
    private final boolean[] finished;
    private boolean started;

    BatchFeed(List<Request> requests, GenerationListener listener) {
        this.requests = requests;
        this.listener = listener;
        this.finished = new boolean[requests.size()];
    }

    @Override
    public Admissions next(boolean idle) {
        if (!started) {
            started = true;
            List<Admissions.Joining> joining = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                joining.add(new Admissions.Joining(i, requests.get(i)));
            }
            return new Admissions(joining, cancelled(), true);
        }
        int[] cancelled = cancelled();
        return cancelled.length == 0 ? Admissions.NOTHING : new Admissions(List.of(), cancelled, false);
    }

    private int[] cancelled() {
        if (!listener.cancels()) {
            return new int[0];
        }
        return java.util.stream.IntStream.range(0, requests.size())
                .filter(i -> !finished[i] && listener.cancelled(i)).toArray();
    }

    @Override
    public void finished(int id) {
        finished[id] = true;
    }
}
