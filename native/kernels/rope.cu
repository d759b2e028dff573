// Rotary position embedding in place on q and k, Hugging Face's "rotate half" convention, from
// precomputed f32 cos/sin tables (concern: RoPE; ComputeBackend.rope). Llama-3 frequency scaling,
// linear scaling or none are all just different tables (RotaryEmbedding.tables).
//
// For every row t, every head of q (q_heads of them) and of k (k_heads), and j < head_dim/2, with
// p = positions[t], c = cos[p * head_dim/2 + j], s = sin[p * head_dim/2 + j]:
//   x[j]          = x[j] * c - x[j + half] * s
//   x[j + half]   = x[j + half] * c + x[j] * s
// in f32 with separately rounded products (no fma, as Java evaluates CpuBackend.rope), rounded
// once to bf16: bit-exact against RopeReference.
// q rows are q_stride elements apart, k rows k_stride (so q and k may be column ranges of one fused
// qkv matrix); pass k = NULL and k_heads = 0 to rotate q only. A position outside
// [0, max_positions) writes bf16 NaN into that row's heads.
// Launch: grid = (rows), block = 128 (any size works); no dynamic shared memory. Scalar 2-byte
// accesses, coalesced across j.
#include "common.cuh"

YALIS_KERNEL void __launch_bounds__(1024)
yalis_rope_qk_bf16(__nv_bfloat16* q, int q_heads, long long q_stride,
                   __nv_bfloat16* k, int k_heads, long long k_stride,
                   int rows, int head_dim, const int* positions,
                   const float* cos_table, const float* sin_table, int max_positions) {
    using namespace yalis;
    const int t = blockIdx.x;
    if (t >= rows) return;
    const int half = head_dim / 2;
    const int p = positions[t];
    const bool valid = p >= 0 && p < max_positions;
    const float* c_row = cos_table + (long long)(valid ? p : 0) * half;
    const float* s_row = sin_table + (long long)(valid ? p : 0) * half;
    uint16_t* q_row = reinterpret_cast<uint16_t*>(q) + (long long)t * q_stride;
    uint16_t* k_row = k_heads > 0 ? reinterpret_cast<uint16_t*>(k) + (long long)t * k_stride : nullptr;
    const int pairs = (q_heads + k_heads) * half;
    for (int i = threadIdx.x; i < pairs; i += blockDim.x) {
        const int head = i / half;
        const int j = i - head * half;
        uint16_t* x = head < q_heads ? q_row + (long long)head * head_dim
                                     : k_row + (long long)(head - q_heads) * head_dim;
        if (!valid) {
            x[j] = BF16_POISON;
            x[j + half] = BF16_POISON;
            continue;
        }
        const float c = c_row[j];
        const float s = s_row[j];
        const float first = bf16_bits_to_f32(x[j]);
        const float second = bf16_bits_to_f32(x[j + half]);
        x[j] = (uint16_t)f32_to_bf16_bits(__fsub_rn(__fmul_rn(first, c), __fmul_rn(second, s)));
        x[j + half] = (uint16_t)f32_to_bf16_bits(__fadd_rn(__fmul_rn(second, c), __fmul_rn(first, s)));
    }
}
