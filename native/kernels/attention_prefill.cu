// Paged attention, prefill: causal attention of each sequence's new tokens over its cached prefix
// and the new tokens themselves, grouped-query heads, online softmax, block tables (concern:
// Attention.prefill). The algorithm is in attention_common.cuh.
//
// Sequence s owns rows query_starts[s] .. + query_lengths[s] of q and out; its new token i sits at
// position context_lengths[s] - query_lengths[s] + i and attends to positions 0..that position,
// whose keys and values are in k_cache/v_cache at slot block_tables[s * block_table_stride + pos /
// block_size] * block_size + pos % block_size (the step's own keys must already be written:
// yalis_kv_cache_write_bf16 first). Query head h reads KV head h / (heads / kv_heads).
// A block takes 16 consecutive (token, head) items of the flattened list token * G + g of one
// (sequence, KV head), G = heads / kv_heads, and visits positions up to its last token's position.
//
// Launch: grid = (ceil(max_s(query_lengths[s]) * G / 16), kv_heads, sequences), block = 128,
// dynamic shared memory = 160 * head_dim + 512 bytes (yalis::attention::smem_bytes; 20992 for
// head_dim 128, 41472 for 256: under the 48 KiB default, no opt-in needed) plus 2 KiB static.
// Blocks past a sequence's items exit at once.
// Requirements (checked, a violation traps): blockDim 128; head_dim % 8 == 0 and 8..256; heads a
// multiple of kv_heads; enough dynamic shared memory. Not checked: q, k_cache, v_cache 16-byte
// aligned, q_stride and head_dim multiples of 8, out 4-byte aligned with out_stride even, block ids
// valid for every position < context length.
#include "attention_common.cuh"

YALIS_KERNEL void __launch_bounds__(128)
yalis_paged_attention_prefill_bf16(const __nv_bfloat16* q, long long q_stride,
                                   const __nv_bfloat16* k_cache, const __nv_bfloat16* v_cache,
                                   __nv_bfloat16* out, long long out_stride,
                                   const int* query_starts, const int* query_lengths, const int* context_lengths,
                                   const int* block_tables, int block_table_stride,
                                   int heads, int kv_heads, int head_dim, int block_size, float scale) {
    using namespace yalis;
    using namespace yalis::attention;
    check_launch(heads, kv_heads, head_dim);
    YALIS_DYNAMIC_SMEM(uint16_t, smem);
    const int s = blockIdx.z;
    const int kv_head = blockIdx.y;
    const int group = heads / kv_heads;
    const int query_length = query_lengths[s];
    const int context = context_lengths[s];
    const int first_row = query_starts[s];
    const int total = query_length * group;
    const int first = blockIdx.x * ITEMS;
    if (first >= total) return;  // block-uniform
    const int last = min(first + ITEMS, total) - 1;
    const int first_position = context - query_length;

    const int warp = threadIdx.x >> 5;
    Items items;
#pragma unroll
    for (int r = 0; r < ITEMS_PER_WARP; r++) {
        const int flat = first + r * WARPS + warp;  // interleaved: warps share the work
        if (flat < total) {
            const int token = flat / group;
            items.row[r] = first_row + token;
            items.head[r] = kv_head * group + (flat - token * group);
            items.qpos[r] = first_position + token;
        } else {
            items.row[r] = -1;
            items.head[r] = 0;
            items.qpos[r] = -1;
        }
    }
    const int kv_hi = min(context, first_position + last / group + 1);
    State st;
    attend(reinterpret_cast<const uint16_t*>(q), q_stride, reinterpret_cast<const uint16_t*>(k_cache),
           reinterpret_cast<const uint16_t*>(v_cache), block_tables + (long long)s * block_table_stride, block_size,
           kv_heads * head_dim, kv_head, head_dim, scale * LOG2E, items, 0, kv_hi, st, smem);
#pragma unroll
    for (int r = 0; r < ITEMS_PER_WARP; r++) {
        if (items.row[r] >= 0) {
            store_normalised(st, r, head_dim, reinterpret_cast<uint16_t*>(out) + (long long)items.row[r] * out_stride
                                                  + (long long)items.head[r] * head_dim);
        }
    }
}
