// RMS normalisation of a hidden state split over ranks (concern: ComputeBackend.sumOfSquares and
// ComputeBackend.rmsnormFromSumOfSquares, the norm of 2D tensor parallelism): every rank sums the
// squares of its own columns, the sums are all-reduced over the ranks that share a row, and every
// rank then normalises its columns with the whole row's mean square.
//
// yalis_sum_of_squares_bf16:              out[r] = sum_i x[r][i]^2                              (f32)
// yalis_rmsnorm_from_sum_of_squares_bf16: out[r] = x[r] * rsqrt(sum_of_squares[r] / width + eps) * weight
//
// Arithmetic is yalis_rmsnorm_bf16's (rmsnorm.cu): f32 sum of squares (fma, per-thread partial sums,
// then warp shuffles), scale = rsqrtf(sum / width + eps) (2 ulp), out = bf16((v * scale) * weight).
// So with one rank (cols == width), the same block size and 16-byte aligned rows, sum_of_squares
// followed by rmsnorm_from_sum_of_squares gives yalis_rmsnorm_bf16's bits exactly (same partial sums).
// Aliasing: out may be x (rmsnorm_from_sum_of_squares). weight and sum_of_squares are read-only.
// Launch (both): grid = (rows), block = a multiple of 32 up to 1024 (KernelLaunch.rmsnorm(rows, cols));
// no dynamic shared memory (128 bytes static). 16-byte accesses when the pointers are 16-byte aligned
// and cols % 8 == 0, else one element per step.
#include "common.cuh"

namespace yalis { namespace rmsnorm_split {

/** Sum of squares of one row, every thread of the block gets it. */
__device__ __forceinline__ float row_squares(const uint16_t* x, int cols, bool vector, float* scratch) {
    float squares = 0.0f;
    if (vector) {
        for (int v = threadIdx.x; v < cols / 8; v += blockDim.x) {
            float a[8];
            unpack_bf16x8(reinterpret_cast<const uint4*>(x)[v], a);
#pragma unroll
            for (int k = 0; k < 8; k++) squares = fmaf(a[k], a[k], squares);
        }
    } else {
        for (int i = threadIdx.x; i < cols; i += blockDim.x) {
            const float a = bf16_bits_to_f32(x[i]);
            squares = fmaf(a, a, squares);
        }
    }
    return block_sum(squares, scratch);
}

}}  // namespace yalis::rmsnorm_split

YALIS_KERNEL void __launch_bounds__(1024)
yalis_sum_of_squares_bf16(const __nv_bfloat16* x, float* out, int rows, int cols) {
    using namespace yalis;
    __shared__ float scratch[32];
    const int r = blockIdx.x;
    if (r >= rows) return;
    const uint16_t* row = reinterpret_cast<const uint16_t*>(x) + (long long)r * cols;
    const float squares = rmsnorm_split::row_squares(row, cols, aligned16(x) && cols % 8 == 0, scratch);
    if (threadIdx.x == 0) out[r] = squares;
}

YALIS_KERNEL void __launch_bounds__(1024)
yalis_rmsnorm_from_sum_of_squares_bf16(const __nv_bfloat16* x, const float* sum_of_squares,
                                       const __nv_bfloat16* weight, __nv_bfloat16* out, int rows, int cols,
                                       int width, float eps) {
    using namespace yalis;
    const int r = blockIdx.x;
    if (r >= rows) return;
    const long long offset = (long long)r * cols;
    const uint16_t* in = reinterpret_cast<const uint16_t*>(x) + offset;
    const uint16_t* w = reinterpret_cast<const uint16_t*>(weight);
    uint16_t* o = reinterpret_cast<uint16_t*>(out) + offset;
    const float scale = rsqrtf(sum_of_squares[r] / (float)width + eps);
    // Each thread reads only the elements it writes, so out == x is safe without a barrier.
    if (aligned16(in) && aligned16(w) && aligned16(o) && cols % 8 == 0) {
        for (int v = threadIdx.x; v < cols / 8; v += blockDim.x) {
            float a[8], ww[8];
            unpack_bf16x8(reinterpret_cast<const uint4*>(in)[v], a);
            unpack_bf16x8(reinterpret_cast<const uint4*>(w)[v], ww);
#pragma unroll
            for (int k = 0; k < 8; k++) a[k] = __fmul_rn(__fmul_rn(a[k], scale), ww[k]);
            reinterpret_cast<uint4*>(o)[v] = pack_bf16x8(a);
        }
    } else {
        for (int i = threadIdx.x; i < cols; i += blockDim.x) {
            const float a = bf16_bits_to_f32(in[i]);
            o[i] = (uint16_t)f32_to_bf16_bits(__fmul_rn(__fmul_rn(a, scale), bf16_bits_to_f32(w[i])));
        }
    }
}
