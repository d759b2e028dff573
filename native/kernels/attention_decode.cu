// Paged attention, decode: one new token per sequence attending over all of its positions, grouped-
// query heads, split along the sequence for long contexts (concern: Attention.decode). The per-block
// algorithm is in attention_common.cuh; this file adds the split-K pass and its reduction.
//
// Sequence s has one query row, query_starts[s], at position context_lengths[s] - 1 (context >= 1),
// and attends to positions 0 .. context - 1 through its block table row, like prefill. Query head h
// reads KV head h / (heads / kv_heads).
//
// yalis_paged_attention_decode_bf16
//   Launch: grid = (max_splits, kv_heads, sequences), block = 128, dynamic shared memory =
//   160 * head_dim + 512 bytes (as prefill) plus 2 KiB static. A block handles every query head of
//   its KV head (in rounds of 16 when the group is larger) over the positions of its split.
//   max_splits == 1: no split; the kernel writes out directly (the partial_* pointers are unused
//     and may be NULL) and the reduction must not run.
//   max_splits > 1: split i covers positions [i * partition_size, min((i+1) * partition_size, context));
//     sequence s uses n_s = ceil(context_s / partition_size) splits, which must be <= max_splits
//     (so max_splits >= ceil(max_s context_s / partition_size)); blocks with i >= n_s exit. Each
//     (s, h, i < n_s) writes, at index x = (s * heads + h) * max_splits + i:
//       partial_max[x]  m = max over the split of score * scale * log2(e)   (base-2 units)
//       partial_sum[x]  l = sum over the split of 2^(score * scale * log2(e) - m)
//       partial_out[x * head_dim + d] = sum over the split of 2^(...) * v[d]  (not divided by l)
//     and out is untouched until yalis_paged_attention_decode_reduce_bf16 runs.
//   Workspace: sequences * heads * max_splits * (head_dim + 2) * 4 bytes, f32, 16-byte aligned for
//   partial_out; nothing needs zeroing.
//   Requirements: as prefill (checked: blockDim 128, head_dim, heads % kv_heads, shared memory);
//   partition_size >= 1 (a multiple of 32 wastes nothing; 512 is a good default).
//
// yalis_paged_attention_decode_reduce_bf16
//   out[query_starts[s], h] = sum_i 2^(m_i - M) * o_i / sum_i 2^(m_i - M) * l_i over i < n_s, M = max m_i.
//   Launch: grid = (heads, sequences), block = 128 (any size works; threads stride over head_dim),
//   no shared memory. Must use the same partition_size and max_splits as the first pass.
#include "attention_common.cuh"

YALIS_KERNEL void __launch_bounds__(128)
yalis_paged_attention_decode_bf16(const __nv_bfloat16* q, long long q_stride,
                                  const __nv_bfloat16* k_cache, const __nv_bfloat16* v_cache,
                                  __nv_bfloat16* out, long long out_stride,
                                  float* partial_max, float* partial_sum, float* partial_out,
                                  const int* query_starts, const int* context_lengths,
                                  const int* block_tables, int block_table_stride,
                                  int heads, int kv_heads, int head_dim, int block_size, float scale,
                                  int partition_size, int max_splits) {
    using namespace yalis;
    using namespace yalis::attention;
    check_launch(heads, kv_heads, head_dim);
    require(max_splits >= 1 && (max_splits == 1 || partition_size >= 1));
    YALIS_DYNAMIC_SMEM(uint16_t, smem);
    const int s = blockIdx.z;
    const int kv_head = blockIdx.y;
    const int split = blockIdx.x;
    const int group = heads / kv_heads;
    const int context = context_lengths[s];
    int kv_lo = 0;
    int kv_hi = context;
    if (max_splits > 1) {
        kv_lo = split * partition_size;
        kv_hi = min(context, kv_lo + partition_size);
    }
    if (kv_lo >= kv_hi) return;  // block-uniform: a split past the context, or an empty context
    const int row = query_starts[s];
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    for (int round = 0; round < group; round += ITEMS) {
        Items items;
#pragma unroll
        for (int r = 0; r < ITEMS_PER_WARP; r++) {
            const int g = round + r * WARPS + warp;  // interleaved: warps share the heads
            items.row[r] = g < group ? row : -1;
            items.head[r] = kv_head * group + g;
            items.qpos[r] = context - 1;
        }
        State st;
        attend(reinterpret_cast<const uint16_t*>(q), q_stride, reinterpret_cast<const uint16_t*>(k_cache),
               reinterpret_cast<const uint16_t*>(v_cache), block_tables + (long long)s * block_table_stride,
               block_size, kv_heads * head_dim, kv_head, head_dim, scale * LOG2E, items, kv_lo, kv_hi, st, smem);
#pragma unroll
        for (int r = 0; r < ITEMS_PER_WARP; r++) {
            if (items.row[r] < 0) continue;
            const int h = items.head[r];
            if (max_splits == 1) {
                store_normalised(st, r, head_dim,
                                 reinterpret_cast<uint16_t*>(out) + (long long)row * out_stride + (long long)h * head_dim);
            } else {
                const long long x = ((long long)s * heads + h) * max_splits + split;
                if (lane == 0) {
                    partial_max[x] = st.m[r];
                    partial_sum[x] = st.l[r];
                }
                float2* o = reinterpret_cast<float2*>(partial_out + x * head_dim);
#pragma unroll
                for (int i = 0; i < MAX_PAIRS; i++) {
                    const int pair = lane + 32 * i;
                    if (pair < head_dim / 2) o[pair] = st.o[r][i];
                }
            }
        }
    }
}

YALIS_KERNEL void __launch_bounds__(1024)
yalis_paged_attention_decode_reduce_bf16(const float* partial_max, const float* partial_sum,
                                         const float* partial_out, const int* query_starts,
                                         const int* context_lengths, __nv_bfloat16* out, long long out_stride,
                                         int heads, int head_dim, int partition_size, int max_splits) {
    using namespace yalis;
    const int h = blockIdx.x;
    const int s = blockIdx.y;
    const int context = context_lengths[s];
    if (context <= 0) return;
    const int splits = min(max_splits, (context + partition_size - 1) / partition_size);
    const long long base = ((long long)s * heads + h) * max_splits;
    float m = -INFINITY;
    for (int i = 0; i < splits; i++) m = fmaxf(m, partial_max[base + i]);
    float total = 0.0f;
    for (int i = 0; i < splits; i++) total += partial_sum[base + i] * exp2f(partial_max[base + i] - m);
    const float inverse = 1.0f / total;
    uint16_t* o = reinterpret_cast<uint16_t*>(out) + (long long)query_starts[s] * out_stride + (long long)h * head_dim;
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float acc = 0.0f;
        for (int i = 0; i < splits; i++) {
            acc = fmaf(exp2f(partial_max[base + i] - m), partial_out[(base + i) * head_dim + d], acc);
        }
        o[d] = (uint16_t)f32_to_bf16_bits(acc * inverse);
    }
}
