// Runs launches of Yalis-J's CUDA kernels on the CPU simulator (cuda_sim.h); driven by
// KernelSimulator.java. Build: g++ -std=c++20 -O2 -ffp-contract=off -I native/kernels sim_runner.cpp
//
//   sim_runner --list        prints the kernels it knows, one a line
//   sim_runner IN OUT        runs the launch script IN, writes every buffer's final bytes to OUT
//
// The launch script and result formats are in launch_script.h.
//
// Checks, each ending the run with a message on stderr and exit status 3 (bad launch) or 4 (memory):
// the kernel exists; the parameters match its C signature in number and type (the ABI); CUDA's launch
// limits (1..1024 threads, grid y and z <= 65535, dynamic shared memory <= 48 KiB without an opt-in);
// no write past either end of any buffer (64-byte guard zones). A kernel's __trap() exits with 42.
// Buffers start 256-byte aligned; dynamic shared memory starts filled with 0xFF bytes (NaN), so a
// kernel that reads shared memory it did not write shows it.
#include "cuda_sim.h"
#include "launch_script.h"

#include "add.cu"
#include "argmax.cu"
#include "attention_decode.cu"
#include "attention_prefill.cu"
#include "cast.cu"
#include "embedding.cu"
#include "gather_rows.cu"
#include "kv_cache_write.cu"
#include "rmsnorm.cu"
#include "rmsnorm_split.cu"
#include "rope.cu"
#include "sampling.cu"
#include "silu_mul.cu"

#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <type_traits>
#include <utility>

namespace runner {

using script::Tag;

template <typename T>
const char* c_type() {
    if constexpr (std::is_pointer_v<T>) return "pointer";
    else if constexpr (std::is_same_v<T, int>) return "int";
    else if constexpr (std::is_same_v<T, long long>) return "long long";
    else if constexpr (std::is_same_v<T, float>) return "float";
    else return "unsupported";
}

template <typename T>
bool accepts(uint8_t tag) {
    if constexpr (std::is_pointer_v<T>) return tag == script::POINTER || tag == script::NUL;
    else if constexpr (std::is_same_v<T, int>) return tag == script::I32;
    else if constexpr (std::is_same_v<T, long long>) return tag == script::I64;
    else if constexpr (std::is_same_v<T, float>) return tag == script::F32;
    else return false;
}

/** A parameter resolved for the call: the pointer already points into the simulated buffer. */
struct Arg {
    void* pointer = nullptr;
    int32_t i32 = 0;
    int64_t i64 = 0;
    float f32 = 0;
};

template <typename T>
T value(const Arg& a) {
    if constexpr (std::is_pointer_v<T>) return reinterpret_cast<T>(a.pointer);
    else if constexpr (std::is_same_v<T, int>) return a.i32;
    else if constexpr (std::is_same_v<T, long long>) return a.i64;
    else return a.f32;
}

struct Kernel {
    std::vector<const char*> types;
    std::vector<bool (*)(uint8_t)> accept;
    std::function<void(const std::vector<Arg>&)> call;
};

template <typename... A, size_t... I>
void call_with(void (*f)(A...), const std::vector<Arg>& args, std::index_sequence<I...>) {
    f(value<A>(args[I])...);
}

template <typename... A>
Kernel make_kernel(void (*f)(A...)) {
    Kernel k;
    k.types = {c_type<A>()...};
    k.accept = {&accepts<A>...};
    k.call = [f](const std::vector<Arg>& args) { call_with(f, args, std::index_sequence_for<A...>{}); };
    return k;
}

#define KERNEL(name) {#name, make_kernel(name)}

const std::map<std::string, Kernel>& kernels() {
    static const std::map<std::string, Kernel> table = {
        KERNEL(yalis_add_bf16),
        KERNEL(yalis_add_rmsnorm_bf16),
        KERNEL(yalis_argmax_bf16),
        KERNEL(yalis_argmax_f32),
        KERNEL(yalis_cast_bf16_to_f32),
        KERNEL(yalis_cast_f16_to_bf16),
        KERNEL(yalis_cast_f32_to_bf16),
        KERNEL(yalis_count_above_f32),
        KERNEL(yalis_embedding_bf16),
        KERNEL(yalis_gather_rows),
        KERNEL(yalis_kv_cache_write_bf16),
        KERNEL(yalis_paged_attention_decode_bf16),
        KERNEL(yalis_paged_attention_decode_reduce_bf16),
        KERNEL(yalis_paged_attention_prefill_bf16),
        KERNEL(yalis_rmsnorm_bf16),
        KERNEL(yalis_rmsnorm_from_sum_of_squares_bf16),
        KERNEL(yalis_rope_qk_bf16),
        KERNEL(yalis_row_max_sumexp_f32),
        KERNEL(yalis_silu_mul_bf16),
        KERNEL(yalis_silu_mul_fused_bf16),
        KERNEL(yalis_softmax_f32),
        KERNEL(yalis_sum_of_squares_bf16),
    };
    return table;
}

constexpr size_t GUARD = 64;
constexpr unsigned char GUARD_BYTE = 0xA5;

struct Buffer {
    unsigned char* base = nullptr;  // allocation
    unsigned char* data = nullptr;  // 256-byte aligned, GUARD bytes of guard before and after
    uint64_t size = 0;
};

std::function<void()>& current_call() {
    static std::function<void()> call;
    return call;
}

void body() { current_call()(); }

}  // namespace runner

int main(int argc, char** argv) {
    using namespace runner;
    using script::fail;
    if (argc == 2 && std::string(argv[1]) == "--list") {
        for (const auto& entry : kernels()) std::cout << entry.first << "\n";
        return 0;
    }
    if (argc != 3) fail(2, "usage: sim_runner --list | sim_runner IN OUT");
    const script::Script input = script::read(argv[1]);
    std::vector<Buffer> buffers(input.buffers.size());
    for (size_t id = 0; id < buffers.size(); id++) {
        Buffer& b = buffers[id];
        b.size = input.buffers[id].size();
        const size_t padded = (b.size + GUARD + 255) / 256 * 256;
        b.base = static_cast<unsigned char*>(std::aligned_alloc(256, 256 + padded));
        b.data = b.base + 256;
        std::memset(b.base, GUARD_BYTE, 256 + padded);
        std::memcpy(b.data, input.buffers[id].data(), b.size);
    }
    for (const script::Launch& launch : input.launches) {
        const std::string& name = launch.name;
        const auto found = kernels().find(name);
        if (found == kernels().end()) fail(3, "no kernel named " + name);
        const Kernel& kernel = found->second;
        if (launch.params.size() != kernel.types.size()) {
            fail(3, name + " takes " + std::to_string(kernel.types.size()) + " parameters, the launch passed "
                        + std::to_string(launch.params.size()));
        }
        std::vector<Arg> args(launch.params.size());
        for (size_t i = 0; i < args.size(); i++) {
            const script::Param& p = launch.params[i];
            if (!kernel.accept[i](p.tag)) {
                fail(3, name + ": parameter " + std::to_string(i) + " is a C " + kernel.types[i]
                            + ", the launch passed tag " + std::to_string(p.tag));
            }
            if (p.tag == script::POINTER) args[i].pointer = buffers[p.buffer].data + p.offset;
            args[i].i32 = p.i32;
            args[i].i64 = p.i64;
            args[i].f32 = p.f32;
        }
        sim::kernel_name() = found->first.c_str();
        sim::dynamic_smem_bytes() = launch.shared_bytes;
        sim::dynamic_smem().assign(launch.shared_bytes + 16, 0xff);
        gridDim.x = launch.grid[0];
        gridDim.y = launch.grid[1];
        gridDim.z = launch.grid[2];
        blockDim.x = launch.block[0];
        blockDim.y = launch.block[1];
        blockDim.z = launch.block[2];
        current_call() = [&kernel, &args] { kernel.call(args); };
        for (unsigned z = 0; z < gridDim.z; z++) {
            for (unsigned y = 0; y < gridDim.y; y++) {
                for (unsigned x = 0; x < gridDim.x; x++) {
                    dim3 index;
                    index.x = x;
                    index.y = y;
                    index.z = z;
                    sim::run_block(body, index);
                }
            }
        }
        for (size_t id = 0; id < buffers.size(); id++) {
            const Buffer& b = buffers[id];
            for (size_t i = 0; i < GUARD; i++) {
                if (b.data[-1 - (long)i] != GUARD_BYTE || b.data[b.size + i] != GUARD_BYTE) {
                    fail(4, name + " wrote outside buffer " + std::to_string(id));
                }
            }
        }
    }
    std::vector<std::pair<const unsigned char*, uint64_t>> results;
    for (const Buffer& b : buffers) results.emplace_back(b.data, b.size);
    script::write(argv[2], results);
    return 0;
}
