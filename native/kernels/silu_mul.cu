// SwiGLU activation: out = silu(gate) * up with silu(g) = g / (1 + exp(-g)), bf16 in and out, f32
// arithmetic (concern: the MLP's activation; ComputeBackend.siluMul).
//
// The arithmetic is CpuBackend.siluMul's: g / (1 + expf(-g)) with IEEE division, then times up,
// rounded once to bf16. expf is the accurate libdevice expf (2 ulp), not __expf; no --use_fast_math.
//
// yalis_silu_mul_bf16: gate, up and out are n contiguous elements; out may be gate or up.
// yalis_silu_mul_fused_bf16: gate_up is rows x (2*inter), gate = columns [0, inter), up = columns
//   [inter, 2*inter) (one fused gate/up matmul); out is rows x inter and must not overlap gate_up.
// Launch (both): 1D grid-stride loop, any grid and block; recommended block 256,
// grid = min(ceil(elements / (8 * 256)), 32 * SMs). 16-byte accesses when every pointer is 16-byte
// aligned (and inter % 8 == 0 for the fused form), else one element per step.
#include "common.cuh"

namespace yalis { namespace silu_mul {

__device__ __forceinline__ float silu_times(float g, float u) {
    return __fmul_rn(__fdiv_rn(g, __fadd_rn(1.0f, expf(-g))), u);
}

__device__ __forceinline__ uint4 silu_times8(uint4 gate, uint4 up) {
    float g[8], u[8];
    unpack_bf16x8(gate, g);
    unpack_bf16x8(up, u);
#pragma unroll
    for (int k = 0; k < 8; k++) g[k] = silu_times(g[k], u[k]);
    return pack_bf16x8(g);
}

}}  // namespace yalis::silu_mul

YALIS_KERNEL void __launch_bounds__(1024)
yalis_silu_mul_bf16(const __nv_bfloat16* gate, const __nv_bfloat16* up, __nv_bfloat16* out, long long n) {
    using namespace yalis;
    const uint16_t* g = reinterpret_cast<const uint16_t*>(gate);
    const uint16_t* u = reinterpret_cast<const uint16_t*>(up);
    uint16_t* o = reinterpret_cast<uint16_t*>(out);
    const long long stride = (long long)gridDim.x * blockDim.x;
    const long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long done = 0;
    if (aligned16(gate) && aligned16(up) && aligned16(out)) {
        const long long vectors = n / 8;
        for (long long v = first; v < vectors; v += stride) {
            reinterpret_cast<uint4*>(o)[v] = silu_mul::silu_times8(reinterpret_cast<const uint4*>(g)[v],
                                                                   reinterpret_cast<const uint4*>(u)[v]);
        }
        done = vectors * 8;
    }
    for (long long i = done + first; i < n; i += stride) {
        o[i] = (uint16_t)f32_to_bf16_bits(silu_mul::silu_times(bf16_bits_to_f32(g[i]), bf16_bits_to_f32(u[i])));
    }
}

YALIS_KERNEL void __launch_bounds__(1024)
yalis_silu_mul_fused_bf16(const __nv_bfloat16* gate_up, __nv_bfloat16* out, int rows, int inter) {
    using namespace yalis;
    const uint16_t* gu = reinterpret_cast<const uint16_t*>(gate_up);
    uint16_t* o = reinterpret_cast<uint16_t*>(out);
    const long long stride = (long long)gridDim.x * blockDim.x;
    const long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (aligned16(gate_up) && aligned16(out) && inter % 8 == 0) {
        const long long per_row = inter / 8;
        const long long vectors = (long long)rows * per_row;
        for (long long v = first; v < vectors; v += stride) {
            const long long r = v / per_row;
            const long long c = v - r * per_row;
            const uint4* row = reinterpret_cast<const uint4*>(gu + r * 2 * inter);
            reinterpret_cast<uint4*>(o)[v] = silu_mul::silu_times8(row[c], row[per_row + c]);
        }
    } else {
        const long long n = (long long)rows * inter;
        for (long long i = first; i < n; i += stride) {
            const long long r = i / inter;
            const long long c = i - r * inter;
            const uint16_t* row = gu + r * 2 * inter;
            o[i] = (uint16_t)f32_to_bf16_bits(
                    silu_mul::silu_times(bf16_bits_to_f32(row[c]), bf16_bits_to_f32(row[inter + c])));
        }
    }
}
