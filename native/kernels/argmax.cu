// Greedy decoding: the index of the largest logit of each row (concern: temperature-0 sampling;
// Sampler.argmax).
//
// Semantics are Sampler.argmax's sequential scan (best starts at index 0, replaced only by a
// strictly greater value): the lowest index among the largest values; NaN never wins, except that a
// NaN at index 0 gives 0 (the scan can never leave it), and a row of only NaN gives 0; -0.0 and 0.0
// tie. The kernel gets there with an order-independent reduction (greater value, or equal value and
// lower index), so the result is deterministic. Bit-exact against ArgmaxReference.
// out_index[r] = that index; out_value[r] = logits[r][index] when out_value is not NULL.
// logits is rows x vocab, row-major and contiguous.
// Launch: grid = (rows), block = a multiple of 32 up to 1024 (recommended 1024 for vocab >= 32K);
// 256 bytes of static shared memory. 16-byte loads when the row start is 16-byte aligned (vocab % 4
// == 0 for f32, % 8 for bf16, and an aligned base), else scalar loads.
#include "common.cuh"

namespace yalis { namespace argmax {

__device__ __forceinline__ void offer(float& best, int& best_index, float value, int index) {
    if (value > best || (value == best && index < best_index)) {
        best = value;
        best_index = index;
    }
}

__device__ __forceinline__ float load(const float* row, int i) { return row[i]; }
__device__ __forceinline__ float load(const uint16_t* row, int i) { return bf16_bits_to_f32(row[i]); }

template <typename T>
__device__ __forceinline__ void row_argmax(const T* row, int vocab, int* out_index, float* out_value) {
    __shared__ float values[32];
    __shared__ int indices[32];
    float best = -INFINITY;
    int best_index = INT_MAX;
    constexpr int per_vector = 16 / sizeof(T);
    int done = 0;
    if (aligned16(row)) {
        const int vectors = vocab / per_vector;
        for (int v = threadIdx.x; v < vectors; v += blockDim.x) {
            const uint4 w = reinterpret_cast<const uint4*>(row)[v];
            const int base = v * per_vector;
            if constexpr (sizeof(T) == 4) {
                offer(best, best_index, __uint_as_float(w.x), base);
                offer(best, best_index, __uint_as_float(w.y), base + 1);
                offer(best, best_index, __uint_as_float(w.z), base + 2);
                offer(best, best_index, __uint_as_float(w.w), base + 3);
            } else {
                float f[8];
                unpack_bf16x8(w, f);
#pragma unroll
                for (int e = 0; e < 8; e++) offer(best, best_index, f[e], base + e);
            }
        }
        done = vectors * per_vector;
    }
    for (int i = done + threadIdx.x; i < vocab; i += blockDim.x) offer(best, best_index, load(row, i), i);
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        const float other = __shfl_xor_sync(0xffffffffu, best, offset);
        const int other_index = __shfl_xor_sync(0xffffffffu, best_index, offset);
        offer(best, best_index, other, other_index);
    }
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    if (lane == 0) {
        values[warp] = best;
        indices[warp] = best_index;
    }
    __syncthreads();
    if (warp == 0) {
        const int warps = blockDim.x >> 5;
        best = lane < warps ? values[lane] : -INFINITY;
        best_index = lane < warps ? indices[lane] : INT_MAX;
#pragma unroll
        for (int offset = 16; offset > 0; offset >>= 1) {
            const float other = __shfl_xor_sync(0xffffffffu, best, offset);
            const int other_index = __shfl_xor_sync(0xffffffffu, best_index, offset);
            offer(best, best_index, other, other_index);
        }
        if (lane == 0) {
            const float first = load(row, 0);
            if (best_index == INT_MAX || first != first) best_index = 0;  // only NaN, or NaN at index 0
            *out_index = best_index;
            if (out_value != nullptr) *out_value = load(row, best_index);
        }
    }
}

}}  // namespace yalis::argmax

YALIS_KERNEL void __launch_bounds__(1024)
yalis_argmax_f32(const float* logits, int rows, int vocab, int* out_index, float* out_value) {
    using namespace yalis;
    const int r = blockIdx.x;
    if (r >= rows || vocab <= 0) return;
    argmax::row_argmax(logits + (long long)r * vocab, vocab, out_index + r, out_value ? out_value + r : nullptr);
}

YALIS_KERNEL void __launch_bounds__(1024)
yalis_argmax_bf16(const __nv_bfloat16* logits, int rows, int vocab, int* out_index, float* out_value) {
    using namespace yalis;
    const int r = blockIdx.x;
    if (r >= rows || vocab <= 0) return;
    argmax::row_argmax(reinterpret_cast<const uint16_t*>(logits) + (long long)r * vocab, vocab, out_index + r,
                       out_value ? out_value + r : nullptr);
}
