// Residual add: acc += addend, bf16 in and out, the sum rounded once from f32 (concern: the
// residual connection; ComputeBackend.add). Bit-exact against AddReference.
//
// Launch: 1D grid-stride loop, any grid and block; recommended block 256,
// grid = min(ceil(n / (8 * 256)), 32 * SMs). 16-byte accesses (8 elements) when both pointers are
// 16-byte aligned, else one element per step. acc and addend may be the same buffer (doubles it).
#include "common.cuh"

YALIS_KERNEL void __launch_bounds__(1024)
yalis_add_bf16(__nv_bfloat16* acc, const __nv_bfloat16* addend, long long n) {
    using namespace yalis;
    uint16_t* a = reinterpret_cast<uint16_t*>(acc);
    const uint16_t* b = reinterpret_cast<const uint16_t*>(addend);
    const long long stride = (long long)gridDim.x * blockDim.x;
    const long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long done = 0;
    if (aligned16(acc) && aligned16(addend)) {
        const long long vectors = n / 8;
        uint4* a8 = reinterpret_cast<uint4*>(a);
        const uint4* b8 = reinterpret_cast<const uint4*>(b);
        for (long long v = first; v < vectors; v += stride) {
            float x[8], y[8];
            unpack_bf16x8(a8[v], x);
            unpack_bf16x8(b8[v], y);
#pragma unroll
            for (int k = 0; k < 8; k++) x[k] = __fadd_rn(x[k], y[k]);
            a8[v] = pack_bf16x8(x);
        }
        done = vectors * 8;
    }
    for (long long i = done + first; i < n; i += stride) {
        a[i] = (uint16_t)f32_to_bf16_bits(__fadd_rn(bf16_bits_to_f32(a[i]), bf16_bits_to_f32(b[i])));
    }
}
