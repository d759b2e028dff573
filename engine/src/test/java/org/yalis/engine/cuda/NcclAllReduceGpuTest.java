package org.yalis.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import org.yalis.bindings.NativeLibraryLoadException;
import org.yalis.bindings.NativeLibraryNotFoundException;
import org.yalis.bindings.cuda.Nccl;
import org.yalis.bindings.cuda.NcclComm;
import org.yalis.bindings.cuda.NcclDataType;
import org.yalis.bindings.cuda.NcclRedOp;
import org.yalis.bindings.cuda.NcclResult;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;
import org.yalis.engine.testing.Gpu;

/**
 * A one-rank NCCL all-reduce over the CUDA backend's own memory and stream (the bindings only; the
 * NCCL collective backend owns communicators in the engine): bf16 activations in, the same bits out.
 * Skipped without a GPU or without NCCL.
 */
@Tag("gpu")
class NcclAllReduceGpuTest {

    @Test
    void aOneRankAllReduceOfBackendMemoryOnItsStream() {
        try (CudaBackend gpu = Gpu.backend(); Arena host = Arena.ofConfined()) {
            Nccl nccl;
            try {
                nccl = Nccl.shared();
            } catch (NativeLibraryNotFoundException | NativeLibraryLoadException e) {
                System.err.println("SKIPPED (no NCCL): " + e.getMessage());
                Assumptions.abort("no NCCL: " + e.getMessage());
                return;
            }
            gpu.makeCurrent();
            NcclComm comm = nccl.commInitRank(1, nccl.getUniqueId(), 0);
            try {
                int count = 3 * 4096 + 5;
                MemorySegment values = host.allocate((long) count * 2, 64);
                Random random = new Random();
                for (int i = 0; i < count; i++) {
                    values.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i,
                            org.yalis.engine.cpu.Numerics.floatToBf16((float) random.nextGaussian()));
                }
                Tensor send = gpu.allocate(DType.BF16, 1, count);
                Tensor receive = gpu.allocate(DType.BF16, 1, count);
                gpu.copyBytesFromHost(values, send);
                nccl.allReduce(send.data(), receive.data(), count, NcclDataType.BFLOAT16, NcclRedOp.SUM, comm,
                        gpu.stream());
                MemorySegment back = host.allocate((long) count * 2, 64);
                gpu.copyBytesToHost(receive, back);   // waits for the stream, the all-reduce included
                assertArrayEquals(values.toArray(ValueLayout.JAVA_BYTE), back.toArray(ValueLayout.JAVA_BYTE),
                        "a sum over one rank is the input");
                assertEquals(NcclResult.SUCCESS.value(), nccl.commGetAsyncError(comm));
                System.out.println("NCCL " + nccl.version() + ": one-rank bf16 all-reduce of " + count
                        + " values on the backend's stream");
            } finally {
                nccl.commDestroy(comm);
            }
        }
    }
}
