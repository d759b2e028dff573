package org.yalis.attention.cpu;

import java.util.Set;

import org.yalis.engine.attention.Attention;
import org.yalis.engine.attention.AttentionBackend;
import org.yalis.engine.attention.AttentionCapabilities;
import org.yalis.engine.attention.AttentionSpec;
import org.yalis.engine.cpu.HostCompute;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.DType;

/** Paged attention on the CPU backend, f32 cache, any head width and block size. */
public final class CpuAttentionBackend implements AttentionBackend {

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return "paged attention in Java (Vector API), f32 KV cache, any head_dim and block size";
    }

    @Override
    public AttentionCapabilities capabilities() {
        return new AttentionCapabilities(Set.of("cpu"), Set.of(DType.F32), Set.of(), 0);
    }

    @Override
    public Attention create(AttentionSpec spec, ComputeBackend device) {
        if (!(device instanceof HostCompute host)) {
            throw new IllegalArgumentException("the cpu attention backend needs a compute backend in host memory "
                    + "(HostCompute), got " + device.name());
        }
        return new CpuAttention(spec, device, host.pool());
    }
}
