package org.yalis.bindings.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * NCCL where the library is installed, GPU or not (skipped, saying so, where it is not: point
 * YALIS_NATIVE_PATH at a folder with libnccl.so.2 to run these).
 */
class NcclLibraryTest {

    private static Nccl nccl() {
        return GpuTests.requireLibrary(Nccl::shared, "NCCL");
    }

    @Test
    void theVersionIsFormattedFromItsCode() {
        Nccl nccl = nccl();
        int code = nccl.getVersion();
        assertTrue(code >= 21800, "NCCL " + code + " is older than 2.18");
        String version = nccl.version();
        String[] parts = version.split("\\.");
        assertEquals(code, Integer.parseInt(parts[0]) * 10000 + Integer.parseInt(parts[1]) * 100
                + Integer.parseInt(parts[2]), version);
    }

    @Test
    void everyResultCodeHasText() {
        Nccl nccl = nccl();
        assertEquals("no error", nccl.getErrorString(NcclResult.SUCCESS.value()));
        for (NcclResult result : NcclResult.values()) {
            String text = nccl.getErrorString(result.value());
            assertTrue(text != null && !text.isBlank() && !text.equals("unknown result code"), result + ": " + text);
        }
        assertEquals("ncclResult 99", NcclResult.nameOf(99));
    }

    /** A unique id needs no GPU: 128 bytes, fresh each time. */
    @Test
    void uniqueIdsAre128FreshBytes() {
        Nccl nccl = nccl();
        NcclUniqueId first = nccl.getUniqueId();
        NcclUniqueId second = nccl.getUniqueId();
        assertEquals(NcclUniqueId.BYTES, first.bytes().length);
        assertTrue(!Arrays.equals(new byte[NcclUniqueId.BYTES], first.bytes()), "an id is not all zeros");
        assertNotEquals(first, second);
        assertEquals(first, NcclUniqueId.of(first.bytes()));
    }

    /** Without a GPU, joining a communicator fails with NCCL's CUDA error and the detail from ncclGetLastError. */
    @Test
    void withoutAGpuCommInitRankFailsWithTheCudaFailureInTheMessage() {
        Nccl nccl = nccl();
        if (!GpuTests.noGpu()) {
            CProbe.skip("a GPU is usable here: ncclCommInitRank would succeed");
        }
        NcclUniqueId id = nccl.getUniqueId();
        NcclException failure = assertThrows(NcclException.class, () -> nccl.commInitRank(1, id, 0));
        assertEquals("ncclCommInitRank", failure.function());
        assertEquals(NcclResult.UNHANDLED_CUDA_ERROR.value(), failure.code());
        assertEquals("ncclUnhandledCudaError", failure.codeName());
        assertTrue(failure.getMessage().contains("; Cuda failure"), failure.getMessage());
    }

    /**
     * Every NCCL function once, on a NULL communicator (NCCL checks it before anything else) or,
     * for initialization, without a GPU: each returns or fails with a status, which proves each
     * binding's Java types match its descriptor.
     */
    @Test
    void everyFunctionReachesTheLibraryAndReportsAStatus() {
        Nccl nccl = nccl();
        if (!GpuTests.noGpu()) {
            CProbe.skip("a GPU is usable here: NcclGpuTest runs these calls for real");
        }
        NcclComm none = new NcclComm(MemorySegment.NULL);
        MemorySegment fake = MemorySegment.ofAddress(0x1000);
        Map<String, CallShapes.Call> calls = new LinkedHashMap<>();
        calls.put("commInitAll", () -> nccl.commInitAll(0));
        calls.put("commCount", () -> nccl.commCount(none));
        calls.put("commUserRank", () -> nccl.commUserRank(none));
        calls.put("commCuDevice", () -> nccl.commCuDevice(none));
        calls.put("commGetAsyncError", () -> nccl.commGetAsyncError(none));
        calls.put("commSplit", () -> nccl.commSplit(none, 0, 0));
        calls.put("allReduce", () -> nccl.allReduce(fake, fake, 16, NcclDataType.BFLOAT16, NcclRedOp.SUM, none,
                CudaStream.DEFAULT));
        calls.put("allGather", () -> nccl.allGather(fake, fake, 16, NcclDataType.FLOAT32, none, CudaStream.DEFAULT));
        calls.put("broadcast", () -> nccl.broadcast(fake, fake, 16, NcclDataType.FLOAT32, 0, none,
                CudaStream.DEFAULT));
        calls.put("reduceScatter", () -> nccl.reduceScatter(fake, fake, 16, NcclDataType.FLOAT32, NcclRedOp.MAX, none,
                CudaStream.DEFAULT));
        calls.forEach((name, call) -> {
            int status = CallShapes.reachesNativeCode(name, call);
            assertTrue(status > 0, name + " succeeded on a NULL communicator without a GPU");
        });
        // Calls that succeed on nothing: an empty group, and finalizing, destroying or aborting NULL.
        for (Map.Entry<String, CallShapes.Call> harmless : Map.<String, CallShapes.Call>of(
                "group", () -> {
                    nccl.groupStart();
                    nccl.groupEnd();
                },
                "commFinalize", () -> nccl.commFinalize(none),
                "commDestroy", () -> nccl.commDestroy(none),
                "commAbort", () -> nccl.commAbort(none),
                "getLastError", () -> nccl.getLastError(none)).entrySet()) {
            CallShapes.reachesNativeCode(harmless.getKey(), harmless.getValue());
        }
    }
}
