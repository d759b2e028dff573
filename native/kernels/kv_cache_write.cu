// Paged KV cache write (concern: storing a step's new keys and values in their slots;
// Attention.writeKv).
//
// Cache layout, per layer: k_cache and v_cache are each [num_slots, kv_dim] bf16 row-major with
// num_slots = blocks * block_size and kv_dim = kv_heads * head_dim; slot = block * block_size +
// offset holds one token (CpuAttention's layout; per block it is FlashInfer's NHD
// [page, page_size, heads, dim] and vLLM v1's per-layer K or V slab).
// For every row t < tokens: slot = slot_mapping[t]; k_cache[slot] = k[t]; v_cache[slot] = v[t].
// k and v rows are k_stride / v_stride elements apart (column ranges of a fused qkv matrix work).
// A slot < 0 (padding) or >= num_slots is skipped: nothing is written for that row.
// Launch: grid = (tokens), block = 128 (any size works); no dynamic shared memory. 16-byte copies
// when every pointer and row is 16-byte aligned (kv_dim and strides multiples of 8).
#include "common.cuh"

YALIS_KERNEL void __launch_bounds__(1024)
yalis_kv_cache_write_bf16(const __nv_bfloat16* k, long long k_stride, const __nv_bfloat16* v, long long v_stride,
                          __nv_bfloat16* k_cache, __nv_bfloat16* v_cache, const int* slot_mapping,
                          int tokens, int kv_dim, long long num_slots) {
    using namespace yalis;
    const int t = blockIdx.x;
    if (t >= tokens) return;
    const long long slot = slot_mapping[t];
    if (slot < 0 || slot >= num_slots) return;
    const long long bytes = (long long)kv_dim * 2;
    block_copy_bytes(k + (long long)t * k_stride, k_cache + slot * kv_dim, bytes);
    block_copy_bytes(v + (long long)t * v_stride, v_cache + slot * kv_dim, bytes);
}
