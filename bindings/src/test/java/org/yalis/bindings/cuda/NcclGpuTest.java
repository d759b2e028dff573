package org.yalis.bindings.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** NCCL on one real GPU: a one-rank communicator, whose collectives copy their input. */
@Tag("gpu")
class NcclGpuTest {

    private static MemorySegment floats(CudaRuntime runtime, Arena arena, int count, float base) {
        MemorySegment host = arena.allocate(JAVA_FLOAT, count);
        for (int i = 0; i < count; i++) {
            host.setAtIndex(JAVA_FLOAT, i, base + i * 0.5f);
        }
        MemorySegment device = runtime.malloc(4L * count, arena);
        runtime.memcpy(device, host, 4L * count, CudaMemcpyKind.HOST_TO_DEVICE);
        return device;
    }

    private static void assertFloats(CudaRuntime runtime, Arena arena, MemorySegment device, int count, float base,
            String what) {
        MemorySegment host = arena.allocate(JAVA_FLOAT, count);
        runtime.memcpy(host, device, 4L * count, CudaMemcpyKind.DEVICE_TO_HOST);
        for (int i = 0; i < count; i++) {
            assertEquals(base + i * 0.5f, host.getAtIndex(JAVA_FLOAT, i), what + "[" + i + "]");
        }
    }

    @Test
    void aOneRankCommunicatorRunsEveryCollective() {
        GpuTests.requireGpu();
        CudaRuntime runtime = CudaRuntime.shared();
        Nccl nccl = GpuTests.requireLibrary(Nccl::shared, "NCCL");
        runtime.setDevice(0);
        NcclComm comm = nccl.commInitRank(1, nccl.getUniqueId(), 0);
        assertEquals(1, nccl.commCount(comm));
        assertEquals(0, nccl.commUserRank(comm));
        assertEquals(0, nccl.commCuDevice(comm));
        int count = 4096;
        try (Arena arena = Arena.ofConfined()) {
            CudaStream stream = runtime.streamCreateWithFlags(CudaStreamFlag.NON_BLOCKING);
            MemorySegment send = floats(runtime, arena, count, 1f);
            MemorySegment recv = runtime.malloc(4L * count, arena);

            runtime.memset(recv, 0xFF, 4L * count);
            nccl.allReduce(send, recv, count, NcclDataType.FLOAT32, NcclRedOp.SUM, comm, stream);
            runtime.streamSynchronize(stream);
            assertFloats(runtime, arena, recv, count, 1f, "all-reduce");

            runtime.memset(recv, 0xFF, 4L * count);
            nccl.allGather(send, recv, count, NcclDataType.FLOAT32, comm, stream);
            runtime.streamSynchronize(stream);
            assertFloats(runtime, arena, recv, count, 1f, "all-gather");

            runtime.memset(recv, 0xFF, 4L * count);
            nccl.broadcast(send, recv, count, NcclDataType.FLOAT32, 0, comm, stream);
            runtime.streamSynchronize(stream);
            assertFloats(runtime, arena, recv, count, 1f, "broadcast");

            runtime.memset(recv, 0xFF, 4L * count);
            nccl.reduceScatter(send, recv, count, NcclDataType.FLOAT32, NcclRedOp.MAX, comm, stream);
            runtime.streamSynchronize(stream);
            assertFloats(runtime, arena, recv, count, 1f, "reduce-scatter");

            runtime.memset(recv, 0xFF, 4L * count);
            nccl.groupStart();
            nccl.allReduce(send, recv, count, NcclDataType.FLOAT32, NcclRedOp.SUM, comm, stream);
            nccl.groupEnd();
            runtime.streamSynchronize(stream);
            assertFloats(runtime, arena, recv, count, 1f, "grouped all-reduce");

            assertEquals(NcclResult.SUCCESS.value(), nccl.commGetAsyncError(comm));
            runtime.streamDestroy(stream);
        }
        Optional<NcclComm> split = nccl.commSplit(comm, 0, 0);
        assertTrue(split.isPresent());
        assertEquals(1, nccl.commCount(split.get()));
        nccl.commDestroy(split.get());
        assertTrue(nccl.commSplit(comm, Nccl.SPLIT_NO_COLOR, 0).isEmpty(), "NOCOLOR joins no communicator");
        nccl.commFinalize(comm);
        nccl.commDestroy(comm);

        List<NcclComm> all = nccl.commInitAll(0);
        assertEquals(1, all.size());
        assertEquals(0, nccl.commUserRank(all.getFirst()));
        nccl.commDestroy(all.getFirst());
    }
}
