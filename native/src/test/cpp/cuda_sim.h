// A CPU simulator for the subset of CUDA that native/kernels/*.cu use, so the kernels' own code runs in
// the tests on machines without a GPU (KernelSimulator.java compiles sim_runner.cpp with g++).
//
// Each block runs on its own: every CUDA thread of the block is a fiber (ucontext) with its own stack,
// switched only at __syncthreads, __syncwarp and warp shuffles, so shared memory is plain static
// storage and a block's threads interleave deterministically. A barrier releases when every thread
// of its scope (block, or warp) that has not returned is waiting at it; a thread waiting at a block
// barrier while a lane of its warp waits at a warp barrier (divergent barriers) is reported as a
// deadlock. __trap() and launch contract violations end the process with exit status 42.
//
// What it cannot show: races between blocks (blocks run one after another), memory-model effects,
// timing, and the exact results of the GPU's approximate instructions (exp2f, rsqrtf, expf here are
// the host's). Results match a GPU to the rounding of those few functions.
#pragma once

#define YALIS_CPU_SIMULATION 1

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ucontext.h>
#include <algorithm>
#include <memory>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__
#define __shared__ static
#define __align__(n) __attribute__((aligned(n)))

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};
struct uint4 {
    unsigned x, y, z, w;
};
struct float4 {
    float x, y, z, w;
};
struct float2 {
    float x, y;
};
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline float2 make_float2(float x, float y) { return {x, y}; }

struct __nv_bfloat16 {
    uint16_t bits;
};
struct __half {
    uint16_t bits;
};

using std::max;
using std::min;

inline float __uint_as_float(unsigned u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline unsigned __float_as_uint(float f) {
    unsigned u;
    std::memcpy(&u, &f, 4);
    return u;
}
inline float __int_as_float(int i) { return __uint_as_float((unsigned)i); }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline __half __ushort_as_half(unsigned short bits) { return __half{bits}; }
inline float __half2float(__half h) {
    const unsigned sign = (h.bits & 0x8000u) << 16;
    const unsigned exponent = (h.bits >> 10) & 0x1fu;
    unsigned mantissa = h.bits & 0x3ffu;
    unsigned bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13);  // inf, NaN (payload kept)
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else {  // subnormal: normalise
        int e = 113;
        while ((mantissa & 0x400u) == 0) {
            mantissa <<= 1;
            e--;
        }
        bits = sign | ((unsigned)e << 23) | ((mantissa & 0x3ffu) << 13);
    }
    return __uint_as_float(bits);
}

namespace sim {

enum Wait { RUNNING = 0, AT_BLOCK = 1, AT_WARP = 2, DONE = 3 };

struct Fiber {
    ucontext_t context;
    std::unique_ptr<char[]> stack;  // left uninitialised: only the pages a fiber touches are committed
    dim3 index;
    int linear = 0;
    Wait state = RUNNING;
};

struct Block {
    std::vector<Fiber> fibers;
    ucontext_t scheduler;
    int current = -1;
    unsigned long long shuffle_slots[32][32];  // [warp][lane]
    void (*body)() = nullptr;
};

inline Block*& block() {
    static Block* b = nullptr;
    return b;
}
inline unsigned& dynamic_smem_bytes() {
    static unsigned n = 0;
    return n;
}
inline std::vector<unsigned char>& dynamic_smem() {
    static std::vector<unsigned char> memory;
    return memory;
}
inline const char*& kernel_name() {
    static const char* name = "";
    return name;
}

}  // namespace sim

// The CUDA built-ins. threadIdx is switched with the running fiber.
inline dim3 threadIdx, blockIdx, blockDim, gridDim;

inline unsigned yalis_sim_dynamic_smem_size() { return sim::dynamic_smem_bytes(); }

#define YALIS_DYNAMIC_SMEM(type, name) type* name = reinterpret_cast<type*>(sim::dynamic_smem().data())

[[noreturn]] inline void __trap() {
    std::fprintf(stderr, "trap in %s at block (%u,%u,%u) thread (%u,%u,%u)\n", sim::kernel_name(), blockIdx.x,
                 blockIdx.y, blockIdx.z, threadIdx.x, threadIdx.y, threadIdx.z);
    std::fflush(stderr);
    std::_Exit(42);
}

namespace sim {

inline void wait(Wait kind) {
    Block* b = block();
    Fiber& f = b->fibers[b->current];
    f.state = kind;
    swapcontext(&f.context, &b->scheduler);
}

inline int lane_of(const Fiber& f) { return f.linear & 31; }
inline int warp_of(const Fiber& f) { return f.linear >> 5; }

}  // namespace sim

inline void __syncthreads() { sim::wait(sim::AT_BLOCK); }
inline void __syncwarp(unsigned = 0xffffffffu) { sim::wait(sim::AT_WARP); }

template <typename T>
inline T __shfl_xor_sync(unsigned, T value, int lane_mask) {
    static_assert(sizeof(T) <= 8, "shuffle of a value wider than 8 bytes");
    sim::Block* b = sim::block();
    const sim::Fiber& f = b->fibers[b->current];
    const int lane = sim::lane_of(f);
    const int warp = sim::warp_of(f);
    unsigned long long slot = 0;
    std::memcpy(&slot, &value, sizeof(T));
    b->shuffle_slots[warp][lane] = slot;
    __syncwarp();
    const int source = lane ^ lane_mask;
    const int lanes = std::min<int>(32, (int)(blockDim.x * blockDim.y * blockDim.z) - warp * 32);
    if (source >= lanes) {
        std::fprintf(stderr, "shuffle from lane %d of a %d-lane warp in %s\n", source, lanes, sim::kernel_name());
        std::_Exit(42);
    }
    T result;
    std::memcpy(&result, &b->shuffle_slots[warp][source], sizeof(T));
    __syncwarp();
    return result;
}

namespace sim {

inline void fiber_entry() {
    Block* b = block();
    b->body();
    b->fibers[b->current].state = DONE;
    swapcontext(&b->fibers[b->current].context, &b->scheduler);
}

/** Runs one block of `body` (which calls the kernel) with every thread as a fiber. */
inline void run_block(void (*body)(), dim3 block_index) {
    const int threads = (int)(blockDim.x * blockDim.y * blockDim.z);
    Block b;
    b.body = body;
    b.fibers.resize(threads);
    block() = &b;
    blockIdx = block_index;
    for (int t = 0; t < threads; t++) {
        Fiber& f = b.fibers[t];
        f.linear = t;
        f.index.x = t % blockDim.x;
        f.index.y = (t / blockDim.x) % blockDim.y;
        f.index.z = t / (blockDim.x * blockDim.y);
        constexpr size_t stack_bytes = 256 * 1024;
        f.stack.reset(new char[stack_bytes]);
        getcontext(&f.context);
        f.context.uc_stack.ss_sp = f.stack.get();
        f.context.uc_stack.ss_size = stack_bytes;
        f.context.uc_link = nullptr;
        makecontext(&f.context, fiber_entry, 0);
    }
    const int warps = (threads + 31) / 32;
    while (true) {
        bool ran = false;
        for (int t = 0; t < threads; t++) {
            if (b.fibers[t].state != RUNNING) continue;
            b.current = t;
            threadIdx = b.fibers[t].index;
            swapcontext(&b.scheduler, &b.fibers[t].context);
            ran = true;
        }
        bool released = false;
        int done = 0, at_block = 0;
        for (const Fiber& f : b.fibers) {
            done += f.state == DONE;
            at_block += f.state == AT_BLOCK;
        }
        if (done == threads) break;
        // A warp barrier opens when every live lane of the warp waits at it.
        for (int w = 0; w < warps; w++) {
            int live = 0, waiting = 0;
            for (int t = w * 32; t < std::min(threads, w * 32 + 32); t++) {
                live += b.fibers[t].state != DONE;
                waiting += b.fibers[t].state == AT_WARP;
            }
            if (waiting > 0 && waiting == live) {
                for (int t = w * 32; t < std::min(threads, w * 32 + 32); t++) b.fibers[t].state = RUNNING;
                released = true;
            }
        }
        // The block barrier opens when every live thread waits at it.
        if (!released && at_block > 0 && at_block == threads - done) {
            for (Fiber& f : b.fibers) {
                if (f.state == AT_BLOCK) f.state = RUNNING;
            }
            released = true;
        }
        if (!ran && !released) {
            std::fprintf(stderr, "deadlock in %s at block (%u,%u,%u): divergent barriers\n", kernel_name(),
                         block_index.x, block_index.y, block_index.z);
            std::_Exit(42);
        }
    }
    block() = nullptr;
}

}  // namespace sim
