package org.yalis.engine.cuda;

import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.ComputeBackendProvider;

/** {@code --device cuda}: one NVIDIA GPU per rank (the launcher's local rank's), cuBLAS and our kernels, bf16. */
public final class CudaBackendProvider implements ComputeBackendProvider {
    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        return "one NVIDIA GPU per rank (the local rank's): cuBLAS and our kernels, bf16 with f32 accumulation, "
                + "decode steps as CUDA graphs";
    }

    @Override
    public boolean deviceMemory() {
        return true;
    }

    @Override
    public boolean capturesGraphs() {
        return true;
    }

    @Override
    public ComputeBackend open(Settings settings) {
        return CudaBackend.open(CudaBackend.deviceForThisProcess());
    }
}
