// Embedding gather: out[t] = table[token_ids[t]] for a bf16 table (concern: the first op of the
// forward pass).
//
// Launch: grid = (tokens), block = 128 (any size works; 128 moves a 4096-wide bf16 row with one
// 16-byte access per thread and two steps). No dynamic shared memory.
// 16-byte copies when table, out and hidden*2 bytes are 16-byte aligned (hidden % 8 == 0), else
// 4-byte or 2-byte copies. A token id outside [0, vocab) gives a row of 0xFFFF (bf16 NaN), so a bad
// id shows up downstream; the backend should still check ids on the host, as CpuBackend does.
#include "common.cuh"

YALIS_KERNEL void __launch_bounds__(1024)
yalis_embedding_bf16(const __nv_bfloat16* table, const int* token_ids, __nv_bfloat16* out,
                     int tokens, int hidden, int vocab) {
    using namespace yalis;
    const int t = blockIdx.x;
    if (t >= tokens) return;
    const int id = token_ids[t];
    const long long row_bytes = (long long)hidden * 2;
    void* destination = reinterpret_cast<uint8_t*>(out) + (long long)t * row_bytes;
    if (id < 0 || id >= vocab) {
        block_poison_bytes(destination, row_bytes);
        return;
    }
    block_copy_bytes(reinterpret_cast<const uint8_t*>(table) + (long long)id * row_bytes, destination, row_bytes);
}
