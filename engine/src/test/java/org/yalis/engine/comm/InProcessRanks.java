package org.yalis.engine.comm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/** Runs one body per rank of a {@link LocalCommunicator} group, each on its own thread. */
final class InProcessRanks {
    private InProcessRanks() {
    }

    /** {@code body(rank, communicator)} on every rank; the results in rank order, or the first failure. */
    static <T> List<T> run(int size, BiFunction<Integer, Communicator, T> body) throws Exception {
        List<Communicator> group = LocalCommunicator.createGroup(size, TimeUnit.SECONDS.toNanos(30));
        ExecutorService threads = Executors.newFixedThreadPool(size);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                int rank = r;
                futures.add(threads.submit(() -> body.apply(rank, group.get(rank))));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                try {
                    results.add(future.get(60, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }
}
