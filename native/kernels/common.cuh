// Shared helpers of Yalis-J's CUDA kernels: bf16 bit conversions, 16-byte vector access, warp and
// block reductions. Every kernel file includes this header; all of them are also compiled together
// as one translation unit (build-kernels.sh), so helpers here are inline and file-local helpers live
// in a namespace named after their file.
//
// Conventions (see KERNELS.md):
//  * bf16 tensors are passed as __nv_bfloat16* but handled as raw uint16_t bits, so every kernel
//    rounds f32 -> bf16 exactly like org.yalis.engine.cpu.Numerics.floatToBf16 (round to nearest
//    even; a NaN stays a NaN with its sign and top payload bits and the quiet bit set).
//  * Matrices are row-major. Element counts that can pass 2^31 are long long; offsets are computed
//    in 64 bits.
//  * Nothing here uses --use_fast_math semantics: no denormal flushing, IEEE division and sqrt unless
//    a kernel calls an intrinsic explicitly (documented at the call).
#pragma once

#ifndef YALIS_CPU_SIMULATION
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#endif
#include <limits.h>
#include <math.h>
#include <stdint.h>

#define YALIS_KERNEL extern "C" __global__

// Dynamic shared memory of a kernel: `YALIS_DYNAMIC_SMEM(type, name);` declares `type name[]`.
// (The tests' CPU simulator, native/src/test/cpp/cuda_sim.h, defines YALIS_CPU_SIMULATION and its
// own versions of this macro and of dynamic_smem_size(); nothing else differs.)
#ifndef YALIS_CPU_SIMULATION
#define YALIS_DYNAMIC_SMEM(type, name) extern __shared__ __align__(16) type name[]
#endif

namespace yalis {

typedef __nv_bfloat16 bf16;

// ---------------------------------------------------------------------------------------------
// bf16 <-> f32 bit conversions

__device__ __forceinline__ uint32_t f32_to_bf16_bits(float f) {
    uint32_t u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) {  // NaN: keep sign and payload top, set the quiet bit
        return ((u >> 16) | 0x40u) & 0xffffu;
    }
    return (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;  // round to nearest, ties to even (overflow -> inf)
}

__device__ __forceinline__ float bf16_bits_to_f32(uint32_t bits) {
    return __uint_as_float(bits << 16);
}

/** The low half of a 32-bit word of two bf16 values as f32. */
__device__ __forceinline__ float bf16_lo(uint32_t word) {
    return __uint_as_float(word << 16);
}

/** The high half of a 32-bit word of two bf16 values as f32. */
__device__ __forceinline__ float bf16_hi(uint32_t word) {
    return __uint_as_float(word & 0xffff0000u);
}

/** Two f32 values as one 32-bit word of bf16 (lo at the lower address). */
__device__ __forceinline__ uint32_t pack_bf16x2(float lo, float hi) {
    return f32_to_bf16_bits(lo) | (f32_to_bf16_bits(hi) << 16);
}

/** Eight bf16 values (one 16-byte vector) as f32. */
__device__ __forceinline__ void unpack_bf16x8(const uint4 v, float (&f)[8]) {
    f[0] = bf16_lo(v.x); f[1] = bf16_hi(v.x);
    f[2] = bf16_lo(v.y); f[3] = bf16_hi(v.y);
    f[4] = bf16_lo(v.z); f[5] = bf16_hi(v.z);
    f[6] = bf16_lo(v.w); f[7] = bf16_hi(v.w);
}

__device__ __forceinline__ uint4 pack_bf16x8(const float (&f)[8]) {
    uint4 v;
    v.x = pack_bf16x2(f[0], f[1]);
    v.y = pack_bf16x2(f[2], f[3]);
    v.z = pack_bf16x2(f[4], f[5]);
    v.w = pack_bf16x2(f[6], f[7]);
    return v;
}

/** The bf16 (and f32, f16) NaN every kernel writes where its input was invalid (an index out of range). */
constexpr uint16_t BF16_POISON = 0xffffu;

// ---------------------------------------------------------------------------------------------
// alignment and copies

__device__ __forceinline__ bool aligned16(const void* p) {
    return (reinterpret_cast<uintptr_t>(p) & 15u) == 0;
}

__device__ __forceinline__ bool aligned4(const void* p) {
    return (reinterpret_cast<uintptr_t>(p) & 3u) == 0;
}

/**
 * Copies {@code bytes} from src to dst with the threads of a block (thread t does units t,
 * t + blockDim.x, ...): 16-byte units when both pointers and the length allow, else 4-byte, else bytes.
 */
__device__ __forceinline__ void block_copy_bytes(const void* src, void* dst, long long bytes) {
    if (aligned16(src) && aligned16(dst) && (bytes & 15) == 0) {
        const uint4* s = static_cast<const uint4*>(src);
        uint4* d = static_cast<uint4*>(dst);
        for (long long i = threadIdx.x; i < bytes / 16; i += blockDim.x) d[i] = s[i];
    } else if (aligned4(src) && aligned4(dst) && (bytes & 3) == 0) {
        const uint32_t* s = static_cast<const uint32_t*>(src);
        uint32_t* d = static_cast<uint32_t*>(dst);
        for (long long i = threadIdx.x; i < bytes / 4; i += blockDim.x) d[i] = s[i];
    } else {
        const uint8_t* s = static_cast<const uint8_t*>(src);
        uint8_t* d = static_cast<uint8_t*>(dst);
        for (long long i = threadIdx.x; i < bytes; i += blockDim.x) d[i] = s[i];
    }
}

/** Sets {@code bytes} bytes of dst to 0xFF (NaN in f32, bf16 and f16) with the threads of a block. */
__device__ __forceinline__ void block_poison_bytes(void* dst, long long bytes) {
    uint8_t* d = static_cast<uint8_t*>(dst);
    for (long long i = threadIdx.x; i < bytes; i += blockDim.x) d[i] = 0xffu;
}

// ---------------------------------------------------------------------------------------------
// reductions (every lane of the warp takes part; blockDim.x a multiple of 32, at most 1024)

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

/**
 * Sum over the block; every thread gets the result. {@code scratch} is 32 floats of shared memory,
 * free again when this returns (a barrier at the end protects it from the next use).
 */
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int warps = blockDim.x >> 5;
    v = warp_sum(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float total = lane < warps ? scratch[lane] : 0.0f;
    total = warp_sum(total);
    __syncthreads();
    return total;
}

/** Max over the block (fmaxf: a NaN loses to any number); every thread gets the result. */
__device__ __forceinline__ float block_max(float v, float* scratch) {
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int warps = blockDim.x >> 5;
    v = warp_max(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float total = lane < warps ? scratch[lane] : -INFINITY;
    total = warp_max(total);
    __syncthreads();
    return total;
}

/** Bytes of dynamic shared memory this launch was given. */
__device__ __forceinline__ unsigned dynamic_smem_size() {
#ifndef YALIS_CPU_SIMULATION
    unsigned size;
    asm volatile("mov.u32 %0, %%dynamic_smem_size;" : "=r"(size));
    return size;
#else
    return yalis_sim_dynamic_smem_size();
#endif
}

/** Traps (the launch fails with an error) when a launch contract is broken; see KERNELS.md. */
__device__ __forceinline__ void require(bool condition) {
    if (!condition) __trap();
}

}  // namespace yalis
