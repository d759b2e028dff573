package org.yalis.engine.comm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.yalis.bindings.cuda.CudaStream;
import org.yalis.engine.cpu.Numerics;
import org.yalis.engine.model.Phase;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * The staging decorator over in-process ranks (standing in for MPI) with a fake device copier whose
 * "device" is host memory: results, what is copied which way, and when MPI gets device pointers.
 */
class HostStagedCommunicatorTest {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** What one rank saw: its copier's log and its tensor's values after the collective. */
    record Seen(List<String> log, float[] values, short[] bits) {
    }

    private static Tensor f32(Arena arena, float... values) {
        MemorySegment data = arena.allocate(4L * values.length, 64);
        for (int i = 0; i < values.length; i++) {
            data.setAtIndex(FLOAT, i, values[i]);
        }
        return new Tensor(data, DType.F32, 1, values.length);
    }

    private static Tensor bf16(Arena arena, float... values) {
        MemorySegment data = arena.allocate(2L * values.length, 64);
        for (int i = 0; i < values.length; i++) {
            data.setAtIndex(HALF, i, Numerics.floatToBf16(values[i]));
        }
        return new Tensor(data, DType.BF16, 1, values.length);
    }

    private static float[] floats(Tensor tensor) {
        float[] values = new float[(int) tensor.elementCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = tensor.dtype() == DType.F32 ? tensor.data().getAtIndex(FLOAT, i)
                    : Numerics.bf16ToFloat(tensor.data().getAtIndex(HALF, i));
        }
        return values;
    }

    private static short[] bits(Tensor tensor) {
        return tensor.dtype() == DType.BF16 ? tensor.data().asSlice(0, tensor.byteSize()).toArray(HALF) : new short[0];
    }

    @Test
    void stagedF32AllReduceCopiesDownRunsTheHostSumAndCopiesBack() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            List<Seen> seen = InProcessRanks.run(3, (rank, host) -> {
                FakeDeviceCopier copier = new FakeDeviceCopier();
                try (HostStagedCommunicator staged = new HostStagedCommunicator(host, copier, false)) {
                    Tensor x = f32(arena, rank + 1, 10 * (rank + 1), -rank);
                    staged.allReduceSum(x);
                    CommStats.Totals totals = staged.stats().get(CommStats.Operation.ALL_REDUCE);
                    assertEquals(1, totals.calls());
                    assertEquals(12, totals.bytes());
                    return new Seen(List.copyOf(copier.log), floats(x), bits(x));
                }
            });
            for (Seen rank : seen) {
                assertArrayEquals(new float[] {6, 60, -3}, rank.values());
                assertEquals(List.of("toHost 12", "toDevice 12"), rank.log());
            }
        }
    }

    /**
     * bf16 is widened to f32 for MPI's sum and rounded back once: 1 + 2^-8 + 2^-8 is exactly
     * representable in f32, and rounds to 1 + 2^-7 in bf16; a bf16 running sum would round 1 + 2^-8
     * to 1 (ties to even) twice and lose both. Every rank keeps the same bits.
     */
    @Test
    void bf16AllReduceIsSummedInF32AndRoundedOnceEvenWithACudaAwareMpi() throws Exception {
        float small = 1f / 256;
        for (boolean deviceAware : new boolean[] {false, true}) {
            try (Arena arena = Arena.ofShared()) {
                List<Seen> seen = InProcessRanks.run(3, (rank, host) -> {
                    FakeDeviceCopier copier = new FakeDeviceCopier();
                    try (HostStagedCommunicator staged = new HostStagedCommunicator(host, copier, deviceAware)) {
                        Tensor x = bf16(arena, rank == 0 ? 1f : small, rank + 0.5f);
                        staged.allReduceSum(x);
                        return new Seen(List.copyOf(copier.log), floats(x), bits(x));
                    }
                });
                for (Seen rank : seen) {
                    assertArrayEquals(new float[] {1 + 2 * small, 4.5f}, rank.values(), "deviceAware=" + deviceAware);
                    assertArrayEquals(seen.getFirst().bits(), rank.bits());
                    assertEquals(List.of("toHost 4", "toDevice 4"), rank.log(),
                            "MPI cannot sum bf16: always staged (deviceAware=" + deviceAware + ")");
                }
            }
        }
    }

    @Test
    void aCudaAwareMpiGetsTheDeviceBuffersOnceTheStreamHasProducedThem() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            List<Seen> seen = InProcessRanks.run(2, (rank, host) -> {
                FakeDeviceCopier copier = new FakeDeviceCopier();
                try (HostStagedCommunicator staged = new HostStagedCommunicator(host, copier, true)) {
                    Tensor x = f32(arena, rank + 1);
                    staged.allReduceSum(x);
                    Tensor mine = f32(arena, 7 * rank, 7 * rank + 1);
                    Tensor all = f32(arena, 0, 0, 0, 0);
                    staged.allGather(mine, all);
                    Tensor b = f32(arena, rank == 1 ? 42 : -1);
                    staged.broadcast(b, 1);
                    return new Seen(List.copyOf(copier.log), new float[] {floats(x)[0], floats(b)[0],
                            floats(all)[0], floats(all)[1], floats(all)[2], floats(all)[3]}, new short[0]);
                }
            });
            for (Seen rank : seen) {
                assertArrayEquals(new float[] {3, 42, 0, 1, 7, 8}, rank.values());
                assertEquals(List.of("await", "await", "await"), rank.log(), "no staging copies");
            }
        }
    }

    @Test
    void stagedAllGatherCopiesThisRanksShareDownAndTheWholeResultBack() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            List<Seen> seen = InProcessRanks.run(3, (rank, host) -> {
                FakeDeviceCopier copier = new FakeDeviceCopier();
                try (HostStagedCommunicator staged = new HostStagedCommunicator(host, copier, false)) {
                    Tensor mine = f32(arena, rank, rank + 0.5f);
                    Tensor all = new Tensor(arena.allocate(4 * 6, 64), DType.F32, 3, 2);
                    staged.allGather(mine, all);
                    assertEquals(8, staged.stats().get(CommStats.Operation.ALL_GATHER).bytes());
                    return new Seen(List.copyOf(copier.log), floats(all), new short[0]);
                }
            });
            for (Seen rank : seen) {
                assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f, 2, 2.5f}, rank.values());
                assertEquals(List.of("toHost 8", "toDevice 24"), rank.log());
            }
        }
    }

    @Test
    void stagedBroadcastCopiesDownOnTheRootAndBackOnTheOthersOnly() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            List<Seen> seen = InProcessRanks.run(3, (rank, host) -> {
                FakeDeviceCopier copier = new FakeDeviceCopier();
                try (HostStagedCommunicator staged = new HostStagedCommunicator(host, copier, false)) {
                    Tensor x = bf16(arena, rank == 2 ? 3.25f : rank, -rank);
                    staged.broadcast(x, 2);
                    return new Seen(List.copyOf(copier.log), floats(x), bits(x));
                }
            });
            for (int r = 0; r < 3; r++) {
                assertArrayEquals(new float[] {3.25f, -2}, seen.get(r).values());
                assertEquals(r == 2 ? List.of("toHost 4") : List.of("toDevice 4"), seen.get(r).log(), "rank " + r);
            }
        }
    }

    @Test
    void splitGroupsStageThroughTheSameCopierIntoTheirOwnBuffers() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            List<Seen> seen = InProcessRanks.run(4, (rank, host) -> {
                FakeDeviceCopier copier = new FakeDeviceCopier();
                try (HostStagedCommunicator staged = new HostStagedCommunicator(host, copier, false);
                     Communicator pair = staged.split(rank % 2, rank)) {
                    Tensor x = f32(arena, rank);
                    pair.allReduceSum(x);
                    return new Seen(List.copyOf(copier.log), floats(x), new short[0]);
                }
            });
            // Ranks 0 and 2 form one group, 1 and 3 the other.
            assertArrayEquals(new float[] {2}, seen.get(0).values());
            assertArrayEquals(new float[] {4}, seen.get(1).values());
            assertArrayEquals(new float[] {2}, seen.get(2).values());
            assertArrayEquals(new float[] {4}, seen.get(3).values());
            assertEquals(List.of("toHost 4", "toDevice 4"), seen.get(3).log());
        }
    }

    @Test
    void theBackendsStreamReachesTheCopierAlsoThroughPerPhaseCollectives() throws Exception {
        InProcessRanks.run(1, (rank, host) -> {
            FakeDeviceCopier prefillCopier = new FakeDeviceCopier();
            FakeDeviceCopier decodeCopier = new FakeDeviceCopier();
            Communicator phased = new PhasedCommunicator(new HostStagedCommunicator(host, prefillCopier, false),
                    new HostStagedCommunicator(host, decodeCopier, false), () -> Phase.DECODE);
            DeviceStream stream = new DeviceStream(3, CudaStream.PER_THREAD);
            phased.useDeviceStream(stream);
            assertEquals(stream, prefillCopier.stream);
            assertEquals(stream, decodeCopier.stream);
            return null;
        });
    }

    @Test
    void integerSumsAreRefusedWithTheReason() throws Exception {
        InProcessRanks.run(1, (rank, host) -> {
            try (Arena arena = Arena.ofConfined();
                 HostStagedCommunicator staged = new HostStagedCommunicator(host, new FakeDeviceCopier(), false)) {
                Tensor ids = new Tensor(arena.allocate(8), DType.I32, 1, 2);
                IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                        () -> staged.allReduceSum(ids));
                assertTrue(refused.getMessage().contains("sums float tensors"), refused.getMessage());
            }
            return null;
        });
    }

    /** The benchmark's bf16 path end to end: staged sums of bf16 are checked exactly on every rank. */
    @Test
    void theCollectiveBenchmarkMeasuresBf16ThroughTheStagingDecorator() throws Exception {
        List<List<CollectiveBenchmark.Result>> perRank = InProcessRanks.run(2, (rank, host) -> {
            try (HostStagedCommunicator staged = new HostStagedCommunicator(host, new FakeDeviceCopier(), false)) {
                return CollectiveBenchmark.run(staged, new CollectiveBenchmark.Plan(
                        List.of(CollectiveBenchmark.Operation.values()), 64, 256, 1, 3, "world", DType.BF16));
            }
        });
        List<CollectiveBenchmark.Result> results = perRank.getFirst();
        assertEquals(3 * 3, results.size());
        for (CollectiveBenchmark.Result result : results) {
            assertEquals("bf16", result.dtype());
            assertEquals("host", result.buffers());
            assertEquals("local", result.backend());
            assertTrue(result.medianMicros() > 0, result.toString());
        }
        assertEquals(List.of(64L, 128L, 256L), results.stream().limit(3).map(CollectiveBenchmark.Result::bytes).toList());
    }
}
