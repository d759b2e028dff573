// Dtype casts between f32, bf16 and f16 (concern: conversions at the edges of the bf16 compute path:
// uploading f32 tables or f16 weights, reading bf16 activations back as f32).
//
// f32 -> bf16 rounds to nearest even and keeps NaN a NaN (the bits of Numerics.floatToBf16);
// bf16 -> f32 and f16 -> f32 are exact; f16 -> bf16 goes through the exact f32 value.
//
// Launch (all three): 1D grid-stride loop, any grid and block; recommended block 256,
// grid = min(ceil(n / (8 * 256)), 32 * SMs). Each thread handles 8 elements per step with 16-byte
// accesses when every pointer is 16-byte aligned, else one element per step.
#include "common.cuh"

YALIS_KERNEL void __launch_bounds__(1024)
yalis_cast_f32_to_bf16(const float* in, __nv_bfloat16* out, long long n) {
    using namespace yalis;
    uint16_t* o = reinterpret_cast<uint16_t*>(out);
    const long long stride = (long long)gridDim.x * blockDim.x;
    const long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long done = 0;
    if (aligned16(in) && aligned16(out)) {
        const long long vectors = n / 8;
        const float4* in4 = reinterpret_cast<const float4*>(in);
        uint4* o8 = reinterpret_cast<uint4*>(o);
        for (long long v = first; v < vectors; v += stride) {
            const float4 a = in4[2 * v];
            const float4 b = in4[2 * v + 1];
            uint4 r;
            r.x = pack_bf16x2(a.x, a.y);
            r.y = pack_bf16x2(a.z, a.w);
            r.z = pack_bf16x2(b.x, b.y);
            r.w = pack_bf16x2(b.z, b.w);
            o8[v] = r;
        }
        done = vectors * 8;
    }
    for (long long i = done + first; i < n; i += stride) o[i] = (uint16_t)f32_to_bf16_bits(in[i]);
}

YALIS_KERNEL void __launch_bounds__(1024)
yalis_cast_bf16_to_f32(const __nv_bfloat16* in, float* out, long long n) {
    using namespace yalis;
    const uint16_t* x = reinterpret_cast<const uint16_t*>(in);
    const long long stride = (long long)gridDim.x * blockDim.x;
    const long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long done = 0;
    if (aligned16(in) && aligned16(out)) {
        const long long vectors = n / 8;
        const uint4* x8 = reinterpret_cast<const uint4*>(x);
        float4* out4 = reinterpret_cast<float4*>(out);
        for (long long v = first; v < vectors; v += stride) {
            const uint4 w = x8[v];
            out4[2 * v] = make_float4(bf16_lo(w.x), bf16_hi(w.x), bf16_lo(w.y), bf16_hi(w.y));
            out4[2 * v + 1] = make_float4(bf16_lo(w.z), bf16_hi(w.z), bf16_lo(w.w), bf16_hi(w.w));
        }
        done = vectors * 8;
    }
    for (long long i = done + first; i < n; i += stride) out[i] = bf16_bits_to_f32(x[i]);
}

YALIS_KERNEL void __launch_bounds__(1024)
yalis_cast_f16_to_bf16(const __half* in, __nv_bfloat16* out, long long n) {
    using namespace yalis;
    const uint16_t* x = reinterpret_cast<const uint16_t*>(in);
    uint16_t* o = reinterpret_cast<uint16_t*>(out);
    const long long stride = (long long)gridDim.x * blockDim.x;
    const long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long done = 0;
    if (aligned16(in) && aligned16(out)) {
        const long long vectors = n / 8;
        const uint4* x8 = reinterpret_cast<const uint4*>(x);
        uint4* o8 = reinterpret_cast<uint4*>(o);
        for (long long v = first; v < vectors; v += stride) {
            const uint4 w = x8[v];
            const uint32_t words[4] = {w.x, w.y, w.z, w.w};
            uint32_t packed[4];
#pragma unroll
            for (int k = 0; k < 4; k++) {
                const float lo = __half2float(__ushort_as_half((unsigned short)(words[k] & 0xffffu)));
                const float hi = __half2float(__ushort_as_half((unsigned short)(words[k] >> 16)));
                packed[k] = pack_bf16x2(lo, hi);
            }
            o8[v] = make_uint4(packed[0], packed[1], packed[2], packed[3]);
        }
        done = vectors * 8;
    }
    for (long long i = done + first; i < n; i += stride) {
        o[i] = (uint16_t)f32_to_bf16_bits(__half2float(__ushort_as_half(x[i])));
    }
}
