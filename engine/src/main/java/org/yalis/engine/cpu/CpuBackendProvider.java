package org.yalis.engine.cpu;

import java.util.Set;

import org.yalis.engine.Quantization;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.ComputeBackendProvider;

/** {@code --device cpu}: the Vector API kernels and oneDNN's GEMM on this process's cores. */
public final class CpuBackendProvider implements ComputeBackendProvider {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return "the CPU's cores: Vector API kernels, oneDNN's GEMM for prefill where libdnnl is installed, "
                + "f32 activations, f32/bf16/f16 or q8 weights";
    }

    @Override
    public boolean deviceMemory() {
        return false;
    }

    @Override
    public Set<Quantization> quantizations() {
        return Set.of(Quantization.Q8);
    }

    @Override
    public ComputeBackend open(Settings settings) {
        return new CpuBackend(new CpuBackend.Settings(settings.threads(), settings.weights(), settings.batchInvariant(),
                settings.quantization()));
    }
}
