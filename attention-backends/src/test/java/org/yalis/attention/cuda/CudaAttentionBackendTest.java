package org.yalis.attention.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.yalis.engine.YalisException;
import org.yalis.engine.attention.AttentionBackend;
import org.yalis.engine.attention.AttentionBackends;
import org.yalis.engine.attention.AttentionSpec;
import org.yalis.engine.cpu.CpuBackend;
import org.yalis.engine.cpu.WeightPlacement;
import org.yalis.engine.tensor.DType;

/** The cuda attention backend is found by ServiceLoader, says what it serves, and refuses the rest clearly. */
class CudaAttentionBackendTest {
    private static AttentionSpec spec(int headDim, DType kv) {
        return new AttentionSpec(2, 8, 4, headDim, 0.125f, 16, 100, kv);
    }

    @Test
    void registeredNextToTheCpuBackend() {
        List<String> names = AttentionBackends.available().stream().map(AttentionBackend::name).toList();
        assertTrue(names.containsAll(List.of("cpu", "cuda")), names.toString());
        AttentionBackend cuda = AttentionBackends.select("cuda", "cuda", spec(64, DType.BF16));
        assertEquals(Set.of("cuda"), cuda.capabilities().devices());
        assertEquals(Set.of(DType.BF16), cuda.capabilities().kvDTypes());
        assertEquals(32, cuda.capabilities().headDims().size());
        assertTrue(cuda.capabilities().headDims().containsAll(Set.of(8, 64, 128, 256)));
    }

    @Test
    void mismatchesAreClearErrorsListingWhatExists() {
        YalisException cudaOnCpu = assertThrows(YalisException.class,
                () -> AttentionBackends.select("cuda", "cpu", spec(64, DType.F32)));
        assertTrue(cudaOnCpu.getMessage().contains("attention backend 'cuda' cannot serve this run: it runs on [cuda], "
                + "not on device 'cpu'"), cudaOnCpu.getMessage());
        assertTrue(cudaOnCpu.getMessage().contains("cpu (devices cpu)"), cudaOnCpu.getMessage());
        assertTrue(cudaOnCpu.getMessage().contains("cuda (devices cuda)"), cudaOnCpu.getMessage());

        YalisException cpuOnCuda = assertThrows(YalisException.class,
                () -> AttentionBackends.select("cpu", "cuda", spec(64, DType.BF16)));
        assertTrue(cpuOnCuda.getMessage().contains("it runs on [cpu], not on device 'cuda'"), cpuOnCuda.getMessage());
        assertTrue(cpuOnCuda.getMessage().contains("cuda (devices cuda)"), cpuOnCuda.getMessage());

        YalisException oddHead = assertThrows(YalisException.class,
                () -> AttentionBackends.select("cuda", "cuda", spec(100, DType.BF16)));
        assertTrue(oddHead.getMessage().contains("not 100"), oddHead.getMessage());
        YalisException f32Cache = assertThrows(YalisException.class,
                () -> AttentionBackends.select("cuda", "cuda", spec(64, DType.F32)));
        assertTrue(f32Cache.getMessage().contains("keeps the KV cache in [BF16], not F32"), f32Cache.getMessage());
    }

    @Test
    void createNeedsTheCudaComputeBackend() {
        try (CpuBackend cpu = new CpuBackend(1, WeightPlacement.COPY)) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> new CudaAttentionBackend().create(spec(64, DType.BF16), cpu));
            assertTrue(error.getMessage().contains("needs the cuda compute backend"), error.getMessage());
        }
    }
}
