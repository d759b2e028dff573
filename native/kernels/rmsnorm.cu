// RMS normalisation, plain and fused with the residual add (concern: the norms around attention and
// MLP; ComputeBackend.rmsnorm, ComputeBackend.add).
//
// yalis_rmsnorm_bf16:     out[r] = x[r] * rsqrt(mean(x[r]^2) + eps) * weight
// yalis_add_rmsnorm_bf16: residual[r] = bf16(residual[r] + x[r]);            (stored)
//                         out[r] = residual[r] * rsqrt(mean(residual[r]^2) + eps) * weight
//   The norm reads the rounded (stored) residual, so the fused kernel equals yalis_add_bf16 followed
//   by yalis_rmsnorm_bf16 up to the order of the f32 sum of squares.
// Arithmetic: sum of squares in f32 (fma, per-thread partial sums, then warp shuffles), scale =
// rsqrtf(sum / hidden + eps) (2 ulp), out = bf16((v * scale) * weight).
// Aliasing: out may be x (both kernels). out must not overlap residual; weight is read-only.
// Launch: grid = (rows), block = a multiple of 32 up to 1024 (recommended 256 for hidden >= 2048,
// else 128); no dynamic shared memory (128 bytes static). 16-byte accesses when every pointer is
// 16-byte aligned and hidden % 8 == 0, else one element per step.
#include "common.cuh"

namespace yalis { namespace rmsnorm {

template <bool ADD>
__device__ __forceinline__ void row(uint16_t* residual, const uint16_t* x, const uint16_t* weight, uint16_t* out,
                                    int hidden, float eps) {
    __shared__ float scratch[32];
    const bool vector = aligned16(x) && aligned16(weight) && aligned16(out) && (!ADD || aligned16(residual))
                        && hidden % 8 == 0;
    // Pass 1: (residual += x) and the sum of squares of the normalised input.
    const uint16_t* source = ADD ? residual : x;
    float squares = 0.0f;
    if (vector) {
        for (int v = threadIdx.x; v < hidden / 8; v += blockDim.x) {
            float a[8];
            unpack_bf16x8(reinterpret_cast<const uint4*>(ADD ? residual : x)[v], a);
            if (ADD) {
                float b[8];
                unpack_bf16x8(reinterpret_cast<const uint4*>(x)[v], b);
                uint4 sum;
#pragma unroll
                for (int k = 0; k < 8; k++) a[k] = __fadd_rn(a[k], b[k]);
                sum = pack_bf16x8(a);
                reinterpret_cast<uint4*>(residual)[v] = sum;
                unpack_bf16x8(sum, a);  // the norm reads the rounded value
            }
#pragma unroll
            for (int k = 0; k < 8; k++) squares = fmaf(a[k], a[k], squares);
        }
    } else {
        for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
            float a = bf16_bits_to_f32(source[i]);
            if (ADD) {
                const uint32_t bits = f32_to_bf16_bits(__fadd_rn(a, bf16_bits_to_f32(x[i])));
                residual[i] = (uint16_t)bits;
                a = bf16_bits_to_f32(bits);
            }
            squares = fmaf(a, a, squares);
        }
    }
    squares = block_sum(squares, scratch);
    const float scale = rsqrtf(squares / (float)hidden + eps);
    // Pass 2: each thread reads back only the elements it wrote or read in pass 1.
    if (vector) {
        for (int v = threadIdx.x; v < hidden / 8; v += blockDim.x) {
            float a[8], w[8];
            unpack_bf16x8(reinterpret_cast<const uint4*>(source)[v], a);
            unpack_bf16x8(reinterpret_cast<const uint4*>(weight)[v], w);
#pragma unroll
            for (int k = 0; k < 8; k++) a[k] = __fmul_rn(__fmul_rn(a[k], scale), w[k]);
            reinterpret_cast<uint4*>(out)[v] = pack_bf16x8(a);
        }
    } else {
        for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
            const float a = bf16_bits_to_f32(source[i]);
            out[i] = (uint16_t)f32_to_bf16_bits(__fmul_rn(__fmul_rn(a, scale), bf16_bits_to_f32(weight[i])));
        }
    }
}

}}  // namespace yalis::rmsnorm

YALIS_KERNEL void __launch_bounds__(1024)
yalis_rmsnorm_bf16(const __nv_bfloat16* x, const __nv_bfloat16* weight, __nv_bfloat16* out,
                   int rows, int hidden, float eps) {
    using namespace yalis;
    const int r = blockIdx.x;
    if (r >= rows) return;
    const long long offset = (long long)r * hidden;
    rmsnorm::row<false>(nullptr, reinterpret_cast<const uint16_t*>(x) + offset,
                        reinterpret_cast<const uint16_t*>(weight), reinterpret_cast<uint16_t*>(out) + offset,
                        hidden, eps);
}

YALIS_KERNEL void __launch_bounds__(1024)
yalis_add_rmsnorm_bf16(__nv_bfloat16* residual, const __nv_bfloat16* x, const __nv_bfloat16* weight,
                       __nv_bfloat16* out, int rows, int hidden, float eps) {
    using namespace yalis;
    const int r = blockIdx.x;
    if (r >= rows) return;
    const long long offset = (long long)r * hidden;
    rmsnorm::row<true>(reinterpret_cast<uint16_t*>(residual) + offset, reinterpret_cast<const uint16_t*>(x) + offset,
                       reinterpret_cast<const uint16_t*>(weight), reinterpret_cast<uint16_t*>(out) + offset,
                       hidden, eps);
}
