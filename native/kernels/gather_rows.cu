// Row gather: out[i] = x[row_indices[i]] for a row-major matrix of any dtype (concern: picking the
// positions whose logits are needed; ComputeBackend.gatherRows).
//
// Launch: grid = (out_rows), block = 128 (any size works). No dynamic shared memory.
// row_bytes = cols * element size. 16-byte copies when x, out and row_bytes are 16-byte aligned,
// else 4-byte, else byte copies. An index outside [0, x_rows) gives a row of 0xFF bytes (NaN in
// f32, bf16 and f16).
#include "common.cuh"

YALIS_KERNEL void __launch_bounds__(1024)
yalis_gather_rows(const void* x, const int* row_indices, void* out, int out_rows, long long row_bytes, int x_rows) {
    using namespace yalis;
    const int i = blockIdx.x;
    if (i >= out_rows) return;
    const int row = row_indices[i];
    void* destination = static_cast<uint8_t*>(out) + (long long)i * row_bytes;
    if (row < 0 || row >= x_rows) {
        block_poison_bytes(destination, row_bytes);
        return;
    }
    block_copy_bytes(static_cast<const uint8_t*>(x) + (long long)row * row_bytes, destination, row_bytes);
}
