package org.yalis.attention.cuda;

import java.util.Set;
import java.util.TreeSet;

import org.yalis.engine.attention.Attention;
import org.yalis.engine.attention.AttentionBackend;
import org.yalis.engine.attention.AttentionCapabilities;
import org.yalis.engine.attention.AttentionSpec;
import org.yalis.engine.cuda.KernelDevice;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.nativelib.KernelLaunch;

/** Paged attention in our CUDA kernels on the cuda compute backend: bf16 KV cache, head_dim 8..256 in steps of 8. */
public final class CudaAttentionBackend implements AttentionBackend {

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        return "paged attention in Yalis-J's CUDA kernels, bf16 KV cache, head_dim 8.." + KernelLaunch.ATTENTION_MAX_HEAD_DIM
                + " (multiples of 8), any block size, split-K decode in partitions of " + DecodePlan.PARTITION_SIZE;
    }

    @Override
    public AttentionCapabilities capabilities() {
        return new AttentionCapabilities(Set.of("cuda"), Set.of(DType.BF16), headDims(), 0);
    }

    /** The widths the kernels take: multiples of 8 up to {@link KernelLaunch#ATTENTION_MAX_HEAD_DIM}. */
    static Set<Integer> headDims() {
        Set<Integer> dims = new TreeSet<>();
        for (int d = 8; d <= KernelLaunch.ATTENTION_MAX_HEAD_DIM; d += 8) {
            dims.add(d);
        }
        return dims;
    }

    @Override
    public Attention create(AttentionSpec spec, ComputeBackend device) {
        // What it needs of the compute backend is an interface (scratch memory, kernel launches), not its class.
        if (!(device instanceof KernelDevice kernels)) {
            throw new IllegalArgumentException("the cuda attention backend needs the cuda compute backend (a "
                    + "KernelDevice), got " + device.name());
        }
        return new CudaAttention(spec, kernels);
    }
}
