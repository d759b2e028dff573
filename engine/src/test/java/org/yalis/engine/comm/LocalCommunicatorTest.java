package org.yalis.engine.comm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

class LocalCommunicatorTest {

    private static <T> List<T> onRanks(List<Communicator> group, Function<Communicator, T> work) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(group.size());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Communicator member : group) {
                futures.add(threads.submit(() -> work.apply(member)));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void allReduceSumsInRankOrderAndEveryRankGetsTheSameBits() throws Exception {
        int ranks = 3;
        int count = 1000;
        List<float[]> results = onRanks(LocalCommunicator.createGroup(ranks), comm -> {
            try (Arena arena = Arena.ofShared()) {
                MemorySegment data = arena.allocate((long) count * 4, 64);
                for (int i = 0; i < count; i++) {
                    data.setAtIndex(ValueLayout.JAVA_FLOAT, i, (comm.rank() + 1) * 0.1f + i * 1e-7f);
                }
                comm.allReduceSum(new Tensor(data, DType.F32, 1, count));
                return data.toArray(ValueLayout.JAVA_FLOAT);
            }
        });
        for (int i = 0; i < count; i++) {
            float expected = ((0.1f + i * 1e-7f) + (0.2f + i * 1e-7f)) + (0.3f + i * 1e-7f);
            assertEquals(expected, results.getFirst()[i], "element " + i);
        }
        assertArrayEquals(results.get(0), results.get(1));
        assertArrayEquals(results.get(0), results.get(2));
    }

    @Test
    void allGatherBroadcastAndSplitGroups() throws Exception {
        List<String> outcome = onRanks(LocalCommunicator.createGroup(4), comm -> {
            try (Arena arena = Arena.ofShared()) {
                MemorySegment mine = arena.allocate(8);
                mine.setAtIndex(ValueLayout.JAVA_FLOAT, 0, comm.rank());
                mine.setAtIndex(ValueLayout.JAVA_FLOAT, 1, comm.rank() * 10);
                MemorySegment all = arena.allocate(32);
                comm.allGather(new Tensor(mine, DType.F32, 1, 2), new Tensor(all, DType.F32, 4, 2));
                MemorySegment value = arena.allocate(4);
                value.set(ValueLayout.JAVA_FLOAT, 0, comm.rank() == 2 ? 42f : -1f);
                comm.broadcast(new Tensor(value, DType.F32, 1, 1), 2);
                Communicator pair = comm.split(comm.rank() % 2, -comm.rank());
                long[] pairRanks = pair.allGatherLong(comm.rank());
                return java.util.Arrays.toString(all.toArray(ValueLayout.JAVA_FLOAT)) + " "
                        + value.get(ValueLayout.JAVA_FLOAT, 0) + " " + pair.rank() + "/" + pair.size() + " "
                        + java.util.Arrays.toString(pairRanks);
            }
        });
        assertEquals("[0.0, 0.0, 1.0, 10.0, 2.0, 20.0, 3.0, 30.0] 42.0 1/2 [2, 0]", outcome.get(0));
        assertEquals("[0.0, 0.0, 1.0, 10.0, 2.0, 20.0, 3.0, 30.0] 42.0 1/2 [3, 1]", outcome.get(1));
        assertEquals("[0.0, 0.0, 1.0, 10.0, 2.0, 20.0, 3.0, 30.0] 42.0 0/2 [2, 0]", outcome.get(2));
    }

    @Test
    void anAbortReachesRanksWaitingInASubgroup() throws Exception {
        List<Communicator> world = LocalCommunicator.createGroup(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<Object> waiter = threads.submit(() -> {
                Communicator sub = world.get(0).split(0, 0);
                sub.barrier();   // world rank 1 never enters its subgroup's barrier
                return null;
            });
            Future<Object> failer = threads.submit(() -> {
                world.get(1).split(0, 1);
                world.get(1).abort(new IllegalStateException("boom"));
                return null;
            });
            failer.get(30, TimeUnit.SECONDS);
            ExecutionException failure = assertThrows(ExecutionException.class, () -> waiter.get(30, TimeUnit.SECONDS));
            assertTrue(failure.getCause() instanceof CommunicationException, failure.toString());
            assertTrue(failure.getCause().getMessage().contains("boom"), failure.getCause().getMessage());
        } finally {
            threads.shutdownNow();
        }
    }
}
