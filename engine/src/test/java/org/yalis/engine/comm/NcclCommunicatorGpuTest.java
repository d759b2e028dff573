package org.yalis.engine.comm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import org.yalis.bindings.cuda.CudaMemcpyKind;
import org.yalis.bindings.cuda.CudaRuntime;
import org.yalis.bindings.cuda.CudaStream;
import org.yalis.bindings.cuda.CudaStreamFlag;
import org.yalis.engine.cpu.Numerics;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;
import org.yalis.engine.testing.Gpus;

/**
 * {@link NcclCommunicator} on one real GPU: a one-rank communicator (NCCL refuses two ranks on one
 * GPU; the multi-rank checks are the mpirun tests in tools), with an in-process host group.
 * Device buffers come straight from the CUDA bindings, as a compute backend's would.
 */
@Tag("gpu")
class NcclCommunicatorGpuTest {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED;

    private CudaRuntime cuda;
    private Arena arena;

    @BeforeEach
    void requireGpuAndNccl() {
        Gpus.require(1);
        Gpus.requireNccl();
        cuda = CudaRuntime.shared();
        cuda.setDevice(0);
        arena = Arena.ofShared();
    }

    @AfterEach
    void freeDeviceMemory() {
        if (arena != null) {
            cuda.deviceSynchronize();
            arena.close();
        }
    }

    private static Communicator oneRankHostGroup() {
        return LocalCommunicator.createGroup(1).getFirst();
    }

    /** A device tensor holding {@code values} in {@code dtype}. */
    private Tensor onDevice(DType dtype, float... values) {
        long bytes = (long) values.length * dtype.byteSize();
        MemorySegment host = arena.allocate(bytes, 64);
        for (int i = 0; i < values.length; i++) {
            if (dtype == DType.F32) {
                host.setAtIndex(FLOAT, i, values[i]);
            } else {
                host.setAtIndex(HALF, i, Numerics.floatToBf16(values[i]));
            }
        }
        MemorySegment device = cuda.malloc(bytes, arena).reinterpret(bytes);
        cuda.memcpy(device, host, bytes, CudaMemcpyKind.HOST_TO_DEVICE);
        return new Tensor(device, dtype, 1, values.length);
    }

    private float[] read(Tensor tensor) {
        MemorySegment host = arena.allocate(tensor.byteSize(), 64);
        cuda.deviceSynchronize();
        cuda.memcpy(host, tensor.data(), tensor.byteSize(), CudaMemcpyKind.DEVICE_TO_HOST);
        float[] values = new float[(int) tensor.elementCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = tensor.dtype() == DType.F32 ? host.getAtIndex(FLOAT, i)
                    : Numerics.bf16ToFloat(host.getAtIndex(HALF, i));
        }
        return values;
    }

    @Test
    void allReduceOfDeviceBuffersInF32AndBf16() {
        try (NcclCommunicator nccl = NcclCommunicator.create(oneRankHostGroup(), 0)) {
            assertEquals(0, nccl.rank());
            assertEquals(1, nccl.size());
            assertEquals("nccl", nccl.backend());
            Tensor f32 = onDevice(DType.F32, 1.5f, -2, 1e-3f, 65504);
            nccl.allReduceSum(f32);
            assertArrayEquals(new float[] {1.5f, -2, 1e-3f, 65504}, read(f32));
            Tensor bf16 = onDevice(DType.BF16, 1.5f, -2, 0.0078125f, 3.0e38f);
            nccl.allReduceSum(bf16);
            assertArrayEquals(new float[] {1.5f, -2, 0.0078125f, Numerics.bf16ToFloat(Numerics.floatToBf16(3.0e38f))},
                    read(bf16));
            CommStats.Totals totals = nccl.stats().get(CommStats.Operation.ALL_REDUCE);
            assertEquals(2, totals.calls());
            assertEquals(16 + 8, totals.bytes());
        }
    }

    /**
     * On the compute backend's own stream (as the engine hands it over), a collective joins a captured
     * CUDA graph: the graph of "x += 1, all-reduce x" replayed twice adds 2. Capturing after an eager
     * collective also proves that nothing the communicator does on the capturing thread is forbidden
     * there (such as querying the timing events of earlier collectives).
     */
    @Test
    void collectivesOnTheBackendsStreamAreCapturedIntoAGraph() {
        try (org.yalis.engine.cuda.CudaBackend backend = org.yalis.engine.testing.Gpu.backend();
             NcclCommunicator nccl = NcclCommunicator.create(oneRankHostGroup(), backend.deviceOrdinal())) {
            nccl.useDeviceStream(backend.deviceStream());
            Tensor x = backend.allocate(DType.BF16, 1, 256);
            Tensor one = backend.allocate(DType.BF16, 1, 256);
            float[] ones = new float[256];
            java.util.Arrays.fill(ones, 1);
            backend.copyFromHost(new float[256], x);
            backend.copyFromHost(ones, one);
            nccl.allReduceSum(x);   // eager: its timing events are still pending when the capture starts
            org.yalis.engine.tensor.StepGraph graph = backend.capture(() -> {
                backend.add(x, one);
                nccl.allReduceSum(x);
            });
            float[] result = new float[256];
            try {
                graph.replay();
                graph.replay();
                backend.copyToHost(x, result);
            } finally {
                graph.close();   // before the communicator: NCCL's destroy waits for graphs holding its collectives
            }
            float[] twos = new float[256];
            java.util.Arrays.fill(twos, 2);
            assertArrayEquals(twos, result);
        }
    }

    @Test
    void allGatherAndBroadcastMoveDeviceBytes() {
        try (NcclCommunicator nccl = NcclCommunicator.create(oneRankHostGroup(), 0)) {
            Tensor mine = onDevice(DType.BF16, 1, 2, 3);
            Tensor all = onDevice(DType.BF16, 0, 0, 0);
            nccl.allGather(mine, all);
            assertArrayEquals(new float[] {1, 2, 3}, read(all));
            Tensor x = onDevice(DType.F32, 4, 5);
            nccl.broadcast(x, 0);
            assertArrayEquals(new float[] {4, 5}, read(x));
            assertThrows(IllegalArgumentException.class, () -> nccl.broadcast(x, 1));
            assertEquals(1, nccl.stats().get(CommStats.Operation.ALL_GATHER).calls());
            assertEquals(1, nccl.stats().get(CommStats.Operation.BROADCAST).calls());
        }
    }

    /**
     * The recorded time is the GPU's: a one-rank all-gather out of place is a device copy, and
     * 256 MiB takes a visible time even at HBM speed (an in-place one-rank all-reduce does nothing).
     */
    @Test
    void statsRecordTheGpuTimeOfEachCollective() {
        try (NcclCommunicator nccl = NcclCommunicator.create(oneRankHostGroup(), 0)) {
            long bytes = 256L << 20;
            MemorySegment source = cuda.malloc(bytes, arena).reinterpret(bytes);
            MemorySegment destination = cuda.malloc(bytes, arena).reinterpret(bytes);
            int elements = (int) (bytes / 4);
            nccl.allGather(new Tensor(source, DType.F32, 1, elements), new Tensor(destination, DType.F32, 1, elements));
            CommStats.Totals totals = nccl.stats().get(CommStats.Operation.ALL_GATHER);
            assertEquals(1, totals.calls());
            assertEquals(bytes, totals.bytes());
            assertTrue(totals.nanos() > 10_000, "a 256 MiB device copy in " + totals.nanos() + " ns");
        }
    }

    /**
     * With the backend's stream installed, collectives are queued between its work without any
     * synchronization of their own (one rank cannot show the ordering itself: its sum is the input),
     * and only a stream of the communicator's GPU is accepted.
     */
    @Test
    void theBackendsStreamIsUsedAsIsAndMustBelongToTheSameGpu() {
        CudaStream stream = cuda.streamCreateWithFlags(CudaStreamFlag.NON_BLOCKING);
        try (NcclCommunicator nccl = NcclCommunicator.create(oneRankHostGroup(), 0)) {
            nccl.useDeviceStream(new DeviceStream(0, stream));
            int count = 1 << 20;
            MemorySegment device = cuda.malloc(4L * count, arena).reinterpret(4L * count);
            for (int round = 1; round <= 3; round++) {
                cuda.memsetAsync(device, round, 4L * count, stream);
                nccl.allReduceSum(new Tensor(device, DType.F32, 1, count));
                MemorySegment host = arena.allocate(4L * count, 64);
                cuda.memcpyAsync(host, device, 4L * count, CudaMemcpyKind.DEVICE_TO_HOST, stream);
                cuda.streamSynchronize(stream);
                int expected = round * 0x01010101;
                assertEquals(expected, host.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, count - 1), "round " + round);
            }
            assertEquals(3, nccl.stats().get(CommStats.Operation.ALL_REDUCE).calls());
            assertThrows(org.yalis.engine.YalisException.class,
                    () -> nccl.useDeviceStream(new DeviceStream(1, stream)), "a stream of another GPU");
        } finally {
            cuda.streamSynchronize(stream);
            cuda.streamDestroy(stream);
        }
    }

    @Test
    void splitGroupsWorkAndShareTheStream() {
        try (NcclCommunicator nccl = NcclCommunicator.create(oneRankHostGroup(), 0)) {
            try (Communicator child = nccl.split(0, 0)) {
                assertEquals(1, child.size());
                assertEquals("nccl", child.backend());
                Tensor x = onDevice(DType.F32, 7, 8);
                child.allReduceSum(x);
                assertArrayEquals(new float[] {7, 8}, read(x));
                assertEquals(1, child.stats().get(CommStats.Operation.ALL_REDUCE).calls());
                assertEquals(0, nccl.stats().get(CommStats.Operation.ALL_REDUCE).calls(), "stats are per group");
            }
            Tensor y = onDevice(DType.F32, 1);
            nccl.allReduceSum(y);
            assertArrayEquals(new float[] {1}, read(y));
        }
    }

    @Test
    void afterAnAbortCollectivesFailInsteadOfTouchingTheFreedCommunicator() {
        Communicator host = oneRankHostGroup();
        NcclCommunicator nccl = NcclCommunicator.create(host, 0);
        nccl.abort(new IllegalStateException("test failure"));
        Tensor x = onDevice(DType.F32, 1);
        CommunicationException failed = assertThrows(CommunicationException.class, () -> nccl.allReduceSum(x));
        assertTrue(failed.getMessage().contains("aborted"), failed.getMessage());
        assertThrows(RuntimeException.class, host::barrier, "the host group was aborted too");
        nccl.close();
    }

    @Test
    void theOneRankCommunicatorRunsTheCollectiveBenchmarkOnDeviceBuffers() {
        CudaStream stream = cuda.streamCreateWithFlags(CudaStreamFlag.NON_BLOCKING);
        try (NcclCommunicator nccl = NcclCommunicator.create(oneRankHostGroup(), 0)) {
            DeviceStream deviceStream = new DeviceStream(0, stream);
            nccl.useDeviceStream(deviceStream);
            for (DType dtype : List.of(DType.F32, DType.BF16)) {
                List<CollectiveBenchmark.Result> results = CollectiveBenchmark.run(nccl, new CollectiveBenchmark.Plan(
                        List.of(CollectiveBenchmark.Operation.values()), 1024, 1 << 20, 2, 5, "world", dtype),
                        () -> new CudaBenchmarkBuffers(cuda, deviceStream));
                assertEquals(11 * 3, results.size());
                assertTrue(results.stream().allMatch(r -> r.buffers().equals("device") && r.medianMicros() > 0),
                        results.toString());
            }
        } finally {
            cuda.streamSynchronize(stream);
            cuda.streamDestroy(stream);
        }
    }
}
