// Runs launches of Yalis-J's CUDA kernels on the CPU simulator (cuda_sim.h); driven by
// KernelSimulator.java. Build: g++ -std=c++20 -O2 -ffp-contract=off -I native/kernels sim_runner.cpp
//
//   sim_runner --list        prints the kernels it knows, one a line
//   sim_runner IN OUT        runs the launch script IN, writes every buffer's final bytes to OUT
//
// Launch script (little-endian): "YSIM", u32 version 1; u32 buffers, each u64 size + bytes; u32
// launches, each: u16 name length + name, u32 grid[3], u32 block[3], u32 dynamic shared bytes,
// u32 parameters, each a u8 tag + value: 0 pointer (u32 buffer, u64 byte offset), 1 NULL,
// 2 int (i32), 3 long long (i64), 4 float (f32).
// Output: u32 buffers, each u64 size + bytes.
//
// Checks, each ending the run with a message on stderr and exit status 3 (bad launch) or 4 (memory):
// the kernel exists; the parameters match its C signature in number and type (the ABI); CUDA's launch
// limits (1..1024 threads, grid y and z <= 65535, dynamic shared memory <= 48 KiB without an opt-in);
// no write past either end of any buffer (64-byte guard zones). A kernel's __trap() exits with 42.
// Buffers start 256-byte aligned; dynamic shared memory starts filled with 0xFF bytes (NaN), so a
// kernel that reads shared memory it did not write shows it.
#include "cuda_sim.h"

#include "add.cu"
#include "argmax.cu"
#include "attention_decode.cu"
#include "attention_prefill.cu"
#include "cast.cu"
#include "embedding.cu"
#include "gather_rows.cu"
#include "kv_cache_write.cu"
#include "rmsnorm.cu"
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

enum Tag : uint8_t { POINTER = 0, NUL = 1, I32 = 2, I64 = 3, F32 = 4 };

struct Arg {
    uint8_t tag = NUL;
    void* pointer = nullptr;
    int32_t i32 = 0;
    int64_t i64 = 0;
    float f32 = 0;
};

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
    if constexpr (std::is_pointer_v<T>) return tag == POINTER || tag == NUL;
    else if constexpr (std::is_same_v<T, int>) return tag == I32;
    else if constexpr (std::is_same_v<T, long long>) return tag == I64;
    else if constexpr (std::is_same_v<T, float>) return tag == F32;
    else return false;
}

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
        KERNEL(yalis_rope_qk_bf16),
        KERNEL(yalis_row_max_sumexp_f32),
        KERNEL(yalis_silu_mul_bf16),
        KERNEL(yalis_silu_mul_fused_bf16),
        KERNEL(yalis_softmax_f32),
    };
    return table;
}

[[noreturn]] void fail(int status, const std::string& message) {
    std::cerr << message << std::endl;
    std::exit(status);
}

struct Reader {
    std::vector<char> bytes;
    size_t at = 0;
    template <typename T>
    T get() {
        if (at + sizeof(T) > bytes.size()) fail(3, "launch script truncated");
        T v;
        std::memcpy(&v, bytes.data() + at, sizeof(T));
        at += sizeof(T);
        return v;
    }
    std::string string(size_t n) {
        if (at + n > bytes.size()) fail(3, "launch script truncated");
        std::string s(bytes.data() + at, n);
        at += n;
        return s;
    }
};

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
    if (argc == 2 && std::string(argv[1]) == "--list") {
        for (const auto& entry : kernels()) std::cout << entry.first << "\n";
        return 0;
    }
    if (argc != 3) fail(2, "usage: sim_runner --list | sim_runner IN OUT");
    Reader in;
    {
        std::ifstream file(argv[1], std::ios::binary);
        if (!file) fail(2, std::string("cannot read ") + argv[1]);
        in.bytes.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    }
    if (in.string(4) != "YSIM" || in.get<uint32_t>() != 1) fail(3, "not a version 1 launch script");
    std::vector<Buffer> buffers(in.get<uint32_t>());
    for (Buffer& b : buffers) {
        b.size = in.get<uint64_t>();
        const size_t padded = (b.size + GUARD + 255) / 256 * 256;
        b.base = static_cast<unsigned char*>(std::aligned_alloc(256, 256 + padded));
        b.data = b.base + 256;
        std::memset(b.base, GUARD_BYTE, 256 + padded);
        if (in.at + b.size > in.bytes.size()) fail(3, "launch script truncated");
        std::memcpy(b.data, in.bytes.data() + in.at, b.size);
        in.at += b.size;
    }
    const uint32_t launches = in.get<uint32_t>();
    for (uint32_t l = 0; l < launches; l++) {
        const std::string name = in.string(in.get<uint16_t>());
        dim3 grid, block;
        grid.x = in.get<uint32_t>();
        grid.y = in.get<uint32_t>();
        grid.z = in.get<uint32_t>();
        block.x = in.get<uint32_t>();
        block.y = in.get<uint32_t>();
        block.z = in.get<uint32_t>();
        const uint32_t smem = in.get<uint32_t>();
        std::vector<Arg> args(in.get<uint32_t>());
        for (Arg& a : args) {
            a.tag = in.get<uint8_t>();
            switch (a.tag) {
                case POINTER: {
                    const uint32_t id = in.get<uint32_t>();
                    const uint64_t offset = in.get<uint64_t>();
                    if (id >= buffers.size() || offset > buffers[id].size) fail(3, "bad pointer argument for " + name);
                    a.pointer = buffers[id].data + offset;
                    break;
                }
                case NUL: break;
                case I32: a.i32 = in.get<int32_t>(); break;
                case I64: a.i64 = in.get<int64_t>(); break;
                case F32: a.f32 = in.get<float>(); break;
                default: fail(3, "bad argument tag");
            }
        }
        const auto found = kernels().find(name);
        if (found == kernels().end()) fail(3, "no kernel named " + name);
        const Kernel& kernel = found->second;
        if (args.size() != kernel.types.size()) {
            fail(3, name + " takes " + std::to_string(kernel.types.size()) + " parameters, the launch passed "
                        + std::to_string(args.size()));
        }
        for (size_t i = 0; i < args.size(); i++) {
            if (!kernel.accept[i](args[i].tag)) {
                fail(3, name + ": parameter " + std::to_string(i) + " is a C " + kernel.types[i]
                            + ", the launch passed tag " + std::to_string(args[i].tag));
            }
        }
        const unsigned long long threads = (unsigned long long)block.x * block.y * block.z;
        if (threads == 0 || threads > 1024 || block.z > 64) fail(3, name + ": bad block size");
        if (grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.y > 65535 || grid.z > 65535 || grid.x > 2147483647u) {
            fail(3, name + ": bad grid size");
        }
        if (smem > 48 * 1024) fail(3, name + ": more than 48 KiB of dynamic shared memory needs an opt-in");
        sim::kernel_name() = found->first.c_str();
        sim::dynamic_smem_bytes() = smem;
        sim::dynamic_smem().assign(smem + 16, 0xff);
        gridDim = grid;
        blockDim = block;
        current_call() = [&kernel, &args] { kernel.call(args); };
        for (unsigned z = 0; z < grid.z; z++) {
            for (unsigned y = 0; y < grid.y; y++) {
                for (unsigned x = 0; x < grid.x; x++) {
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
    std::ofstream out(argv[2], std::ios::binary);
    const uint32_t count = (uint32_t)buffers.size();
    out.write(reinterpret_cast<const char*>(&count), 4);
    for (const Buffer& b : buffers) {
        out.write(reinterpret_cast<const char*>(&b.size), 8);
        out.write(reinterpret_cast<const char*>(b.data), (std::streamsize)b.size);
    }
    if (!out) fail(2, std::string("cannot write ") + argv[2]);
    return 0;
}
