// Sampling helpers over f32 logits (concern: temperature / top-k / top-p sampling). The draw itself
// stays on the host: copy the sampled rows' f32 logits back and call Sampler.sample, which keeps GPU
// and CPU runs token-for-token identical (its softmax is in double). These kernels serve a future
// on-device sampler and host-side shortcuts (a row's max and normaliser, the mass above a threshold)
// and are checked against SamplingReference in f32 accuracy, not bit for bit.
//
// All: logits rows x vocab, row-major, contiguous; temperature > 0; p_i = exp((x_i - max) / T) / sum
// with max = the row's largest logit (NaN ignored) and sum = sum_i exp((x_i - max) / T); IEEE
// division, accurate expf (2 ulp); sums in f32 per thread, then warp shuffles.
// Launch (all): grid = (rows), block = a multiple of 32 up to 1024 (recommended 1024 for vocab >=
// 32K), except yalis_count_above_f32: up to 512 (recommended 512; its 16 thresholds' counters live
// in registers); static shared memory only (<= 256 bytes).
//
// yalis_softmax_f32:        probs[r][i] = p_i (probs may be logits: in place).
// yalis_row_max_sumexp_f32: row_max[r] = max, row_sum[r] = sum.
// yalis_count_above_f32:    with row_max/row_sum from yalis_row_max_sumexp_f32 (same temperature) and
//   thresholds[r * num_thresholds + k] (probabilities), counts[r * num_thresholds + k] = #{i : p_i >=
//   threshold} and masses[...] = sum of those p_i; num_thresholds in 1..16. One pass answers "how many
//   tokens / how much mass lies above t" for several t: enough to bracket top-k and top-p cut-offs
//   the way Sampler.mostLikelyFirst lowers its threshold.
#include "common.cuh"

namespace yalis { namespace sampling {

constexpr int MAX_THRESHOLDS = 16;

__device__ __forceinline__ float row_max(const float* row, int vocab, float* scratch) {
    float m = -INFINITY;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) m = fmaxf(m, row[i]);
    return block_max(m, scratch);
}

__device__ __forceinline__ float row_sumexp(const float* row, int vocab, float m, float temperature, float* scratch) {
    float sum = 0.0f;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) sum += expf(__fdiv_rn(row[i] - m, temperature));
    return block_sum(sum, scratch);
}

__device__ __forceinline__ int block_sum_int(int v, int* scratch) {
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    int total = lane < (int)(blockDim.x >> 5) ? scratch[lane] : 0;
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) total += __shfl_xor_sync(0xffffffffu, total, offset);
    __syncthreads();
    return total;
}

}}  // namespace yalis::sampling

YALIS_KERNEL void __launch_bounds__(1024)
yalis_softmax_f32(const float* logits, float* probs, int rows, int vocab, float temperature) {
    using namespace yalis;
    __shared__ float scratch[32];
    const int r = blockIdx.x;
    if (r >= rows) return;
    const float* row = logits + (long long)r * vocab;
    float* out = probs + (long long)r * vocab;
    const float m = sampling::row_max(row, vocab, scratch);
    const float sum = sampling::row_sumexp(row, vocab, m, temperature, scratch);
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        out[i] = __fdiv_rn(expf(__fdiv_rn(row[i] - m, temperature)), sum);
    }
}

YALIS_KERNEL void __launch_bounds__(1024)
yalis_row_max_sumexp_f32(const float* logits, int rows, int vocab, float temperature, float* row_max,
                         float* row_sum) {
    using namespace yalis;
    __shared__ float scratch[32];
    const int r = blockIdx.x;
    if (r >= rows) return;
    const float* row = logits + (long long)r * vocab;
    const float m = sampling::row_max(row, vocab, scratch);
    const float sum = sampling::row_sumexp(row, vocab, m, temperature, scratch);
    if (threadIdx.x == 0) {
        row_max[r] = m;
        row_sum[r] = sum;
    }
}

YALIS_KERNEL void __launch_bounds__(512)
yalis_count_above_f32(const float* logits, int rows, int vocab, float temperature, const float* row_max,
                      const float* row_sum, const float* thresholds, int num_thresholds, int* counts,
                      float* masses) {
    using namespace yalis;
    using namespace yalis::sampling;
    __shared__ float scratch[32];
    __shared__ int int_scratch[32];
    require(num_thresholds >= 1 && num_thresholds <= MAX_THRESHOLDS);
    const int r = blockIdx.x;
    if (r >= rows) return;
    const float* row = logits + (long long)r * vocab;
    const float m = row_max[r];
    const float sum = row_sum[r];
    float limit[MAX_THRESHOLDS];
    int count[MAX_THRESHOLDS];
    float mass[MAX_THRESHOLDS];
#pragma unroll
    for (int k = 0; k < MAX_THRESHOLDS; k++) {
        limit[k] = k < num_thresholds ? thresholds[(long long)r * num_thresholds + k] : INFINITY;
        count[k] = 0;
        mass[k] = 0.0f;
    }
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        const float p = __fdiv_rn(expf(__fdiv_rn(row[i] - m, temperature)), sum);
#pragma unroll
        for (int k = 0; k < MAX_THRESHOLDS; k++) {
            if (p >= limit[k]) {
                count[k]++;
                mass[k] += p;
            }
        }
    }
#pragma unroll
    for (int k = 0; k < MAX_THRESHOLDS; k++) {
        if (k < num_thresholds) {  // block-uniform
            const int c = block_sum_int(count[k], int_scratch);
            const float total = block_sum(mass[k], scratch);
            if (threadIdx.x == 0) {
                counts[(long long)r * num_thresholds + k] = c;
                masses[(long long)r * num_thresholds + k] = total;
            }
        }
    }
}
