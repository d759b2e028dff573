// The launch script format shared by sim_runner.cpp (CPU simulator) and gpu_runner.cpp (a real GPU),
// written by KernelSimulator.java (little-endian):
//   "YSIM", u32 version 1;
//   u32 buffers, each u64 size + bytes;
//   u32 launches, each: u16 name length + name, u32 grid[3], u32 block[3], u32 dynamic shared bytes,
//     u32 parameters, each a u8 tag + value: 0 pointer (u32 buffer, u64 byte offset), 1 NULL,
//     2 int (i32), 3 long long (i64), 4 float (f32).
// Result file: u32 buffers, each u64 size + bytes (the buffers after every launch ran).
// Exit status of a runner: 0 ok, 2 usage or I/O, 3 bad launch, 4 memory outside a buffer, 42 the
// kernel trapped (or, on a GPU, failed).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace script {

enum Tag : uint8_t { POINTER = 0, NUL = 1, I32 = 2, I64 = 3, F32 = 4 };

struct Param {
    uint8_t tag = NUL;
    uint32_t buffer = 0;
    uint64_t offset = 0;
    int32_t i32 = 0;
    int64_t i64 = 0;
    float f32 = 0;
};

struct Launch {
    std::string name;
    uint32_t grid[3];
    uint32_t block[3];
    uint32_t shared_bytes;
    std::vector<Param> params;
};

struct Script {
    std::vector<std::vector<unsigned char>> buffers;
    std::vector<Launch> launches;
};

[[noreturn]] inline void fail(int status, const std::string& message) {
    std::cerr << message << std::endl;
    std::exit(status);
}

class Reader {
  public:
    explicit Reader(std::vector<char> bytes) : bytes_(std::move(bytes)) {}

    template <typename T>
    T get() {
        need(sizeof(T));
        T v;
        std::memcpy(&v, bytes_.data() + at_, sizeof(T));
        at_ += sizeof(T);
        return v;
    }

    std::string string(size_t n) {
        need(n);
        std::string s(bytes_.data() + at_, n);
        at_ += n;
        return s;
    }

    void bytes(unsigned char* target, size_t n) {
        need(n);
        std::memcpy(target, bytes_.data() + at_, n);
        at_ += n;
    }

  private:
    void need(size_t n) {
        if (at_ + n > bytes_.size()) fail(3, "launch script truncated");
    }
    std::vector<char> bytes_;
    size_t at_ = 0;
};

inline Script read(const char* path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) fail(2, std::string("cannot read ") + path);
    Reader in{std::vector<char>{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()}};
    if (in.string(4) != "YSIM" || in.get<uint32_t>() != 1) fail(3, "not a version 1 launch script");
    Script s;
    s.buffers.resize(in.get<uint32_t>());
    for (auto& b : s.buffers) {
        b.resize(in.get<uint64_t>());
        in.bytes(b.data(), b.size());
    }
    s.launches.resize(in.get<uint32_t>());
    for (Launch& l : s.launches) {
        l.name = in.string(in.get<uint16_t>());
        for (uint32_t& g : l.grid) g = in.get<uint32_t>();
        for (uint32_t& b : l.block) b = in.get<uint32_t>();
        l.shared_bytes = in.get<uint32_t>();
        l.params.resize(in.get<uint32_t>());
        for (Param& p : l.params) {
            p.tag = in.get<uint8_t>();
            switch (p.tag) {
                case POINTER:
                    p.buffer = in.get<uint32_t>();
                    p.offset = in.get<uint64_t>();
                    if (p.buffer >= s.buffers.size() || p.offset > s.buffers[p.buffer].size()) {
                        fail(3, "bad pointer argument for " + l.name);
                    }
                    break;
                case NUL: break;
                case I32: p.i32 = in.get<int32_t>(); break;
                case I64: p.i64 = in.get<int64_t>(); break;
                case F32: p.f32 = in.get<float>(); break;
                default: fail(3, "bad argument tag");
            }
        }
        const unsigned long long threads = (unsigned long long)l.block[0] * l.block[1] * l.block[2];
        if (threads == 0 || threads > 1024 || l.block[2] > 64) fail(3, l.name + ": bad block size");
        if (l.grid[0] == 0 || l.grid[1] == 0 || l.grid[2] == 0 || l.grid[1] > 65535 || l.grid[2] > 65535
            || l.grid[0] > 2147483647u) {
            fail(3, l.name + ": bad grid size");
        }
        if (l.shared_bytes > 48 * 1024) fail(3, l.name + ": more than 48 KiB of dynamic shared memory needs an opt-in");
    }
    return s;
}

/** Writes the result file: every buffer's final bytes. */
inline void write(const char* path, const std::vector<std::pair<const unsigned char*, uint64_t>>& buffers) {
    std::ofstream out(path, std::ios::binary);
    const uint32_t count = (uint32_t)buffers.size();
    out.write(reinterpret_cast<const char*>(&count), 4);
    for (const auto& b : buffers) {
        out.write(reinterpret_cast<const char*>(&b.second), 8);
        out.write(reinterpret_cast<const char*>(b.first), (std::streamsize)b.second);
    }
    if (!out) fail(2, std::string("cannot write ") + path);
}

}  // namespace script
