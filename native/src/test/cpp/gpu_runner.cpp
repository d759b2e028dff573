// Runs a launch script (launch_script.h) on a real GPU with the shipped fatbin, so the tests' recorded
// launches can be replayed on a device machine that has no JDK (gpu-check.sh drives it):
//
//   gpu_runner FATBIN IN OUT
//
// The driver API is loaded with dlopen("libcuda.so.1") and only cuda.h's types are used, so this
// builds with g++ and the toolkit headers alone: g++ -std=c++20 -O2 -I $CUDA/include gpu_runner.cpp -ldl
// Each buffer gets its own cuMemAlloc (256-byte aligned) with 64-byte guard zones filled with 0xA5 on
// both sides, checked after every launch. Kernels are looked up by name in the module of FATBIN and
// launched on the legacy stream, one after another, each followed by cuCtxSynchronize.
// Exit status as launch_script.h: 2 usage, I/O or no driver; 3 the launch was refused (bad
// parameters, unknown kernel); 4 an illegal or misaligned address, or a write outside a buffer;
// 42 the kernel trapped or failed otherwise. Signature checks against the C declarations happen in
// the simulator (sim_runner), not here: replay only scripts the simulator accepted.
#include <cuda.h>
#include <dlfcn.h>

#include "launch_script.h"

namespace {

using script::fail;

struct Driver {
    CUresult (*init)(unsigned);
    CUresult (*device_get)(CUdevice*, int);
    CUresult (*device_get_name)(char*, int, CUdevice);
    CUresult (*primary_ctx_retain)(CUcontext*, CUdevice);
    CUresult (*ctx_set_current)(CUcontext);
    CUresult (*module_load_data)(CUmodule*, const void*);
    CUresult (*module_get_function)(CUfunction*, CUmodule, const char*);
    CUresult (*mem_alloc)(CUdeviceptr*, size_t);
    CUresult (*memcpy_htod)(CUdeviceptr, const void*, size_t);
    CUresult (*memcpy_dtoh)(void*, CUdeviceptr, size_t);
    CUresult (*memset_d8)(CUdeviceptr, unsigned char, size_t);
    CUresult (*launch_kernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                              CUstream, void**, void**);
    CUresult (*ctx_synchronize)();
    CUresult (*get_error_name)(CUresult, const char**);
};

template <typename F>
void bind(void* library, F& target, const char* symbol) {
    target = reinterpret_cast<F>(dlsym(library, symbol));
    if (target == nullptr) fail(2, std::string("libcuda.so.1 has no ") + symbol);
}

Driver load() {
    void* library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) fail(2, std::string("cannot load the CUDA driver: ") + dlerror());
    Driver d;
    bind(library, d.init, "cuInit");
    bind(library, d.device_get, "cuDeviceGet");
    bind(library, d.device_get_name, "cuDeviceGetName");
    bind(library, d.primary_ctx_retain, "cuDevicePrimaryCtxRetain");
    bind(library, d.ctx_set_current, "cuCtxSetCurrent");
    bind(library, d.module_load_data, "cuModuleLoadData");
    bind(library, d.module_get_function, "cuModuleGetFunction");
    bind(library, d.mem_alloc, "cuMemAlloc_v2");
    bind(library, d.memcpy_htod, "cuMemcpyHtoD_v2");
    bind(library, d.memcpy_dtoh, "cuMemcpyDtoH_v2");
    bind(library, d.memset_d8, "cuMemsetD8_v2");
    bind(library, d.launch_kernel, "cuLaunchKernel");
    bind(library, d.ctx_synchronize, "cuCtxSynchronize");
    bind(library, d.get_error_name, "cuGetErrorName");
    return d;
}

const Driver* driver = nullptr;

std::string name_of(CUresult r) {
    const char* name = nullptr;
    if (driver->get_error_name(r, &name) != CUDA_SUCCESS || name == nullptr) return "CUresult " + std::to_string(r);
    return std::string(name) + " (" + std::to_string(r) + ")";
}

void check(CUresult r, int status, const std::string& what) {
    if (r != CUDA_SUCCESS) fail(status, what + ": " + name_of(r));
}

constexpr size_t GUARD = 64;
constexpr size_t LEAD = 256;
constexpr unsigned char GUARD_BYTE = 0xA5;

struct Buffer {
    CUdeviceptr base = 0;
    CUdeviceptr data = 0;  // base + LEAD: 256-byte aligned
    uint64_t size = 0;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) fail(2, "usage: gpu_runner FATBIN IN OUT");
    std::ifstream file(argv[1], std::ios::binary);
    if (!file) fail(2, std::string("cannot read ") + argv[1]);
    const std::vector<char> image{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    script::Script input = script::read(argv[2]);

    static const Driver d = load();
    driver = &d;
    check(d.init(0), 2, "cuInit");
    CUdevice device;
    check(d.device_get(&device, 0), 2, "cuDeviceGet");
    CUcontext context;
    check(d.primary_ctx_retain(&context, device), 2, "cuDevicePrimaryCtxRetain");
    check(d.ctx_set_current(context), 2, "cuCtxSetCurrent");
    CUmodule module;
    check(d.module_load_data(&module, image.data()), 2, "cuModuleLoadData of the fatbin");

    std::vector<Buffer> buffers(input.buffers.size());
    for (size_t id = 0; id < buffers.size(); id++) {
        Buffer& b = buffers[id];
        b.size = input.buffers[id].size();
        const size_t bytes = LEAD + (b.size + GUARD + 255) / 256 * 256;
        check(d.mem_alloc(&b.base, bytes), 2, "cuMemAlloc");
        check(d.memset_d8(b.base, GUARD_BYTE, bytes), 2, "cuMemsetD8");
        b.data = b.base + LEAD;
        if (b.size > 0) check(d.memcpy_htod(b.data, input.buffers[id].data(), b.size), 2, "cuMemcpyHtoD");
    }
    for (script::Launch& launch : input.launches) {
        CUfunction function;
        check(d.module_get_function(&function, module, launch.name.c_str()), 3, "no kernel " + launch.name);
        // cuLaunchKernel takes a pointer to each argument's value.
        std::vector<CUdeviceptr> pointers(launch.params.size());
        std::vector<void*> params(launch.params.size());
        for (size_t i = 0; i < launch.params.size(); i++) {
            script::Param& p = launch.params[i];
            switch (p.tag) {
                case script::POINTER: pointers[i] = buffers[p.buffer].data + p.offset; params[i] = &pointers[i]; break;
                case script::NUL: pointers[i] = 0; params[i] = &pointers[i]; break;
                case script::I32: params[i] = &p.i32; break;
                case script::I64: params[i] = &p.i64; break;
                case script::F32: params[i] = &p.f32; break;
            }
        }
        check(d.launch_kernel(function, launch.grid[0], launch.grid[1], launch.grid[2], launch.block[0],
                              launch.block[1], launch.block[2], launch.shared_bytes, nullptr, params.data(), nullptr),
              3, "cuLaunchKernel " + launch.name);
        const CUresult done = d.ctx_synchronize();
        if (done != CUDA_SUCCESS) {
            const bool address = done == CUDA_ERROR_ILLEGAL_ADDRESS || done == CUDA_ERROR_MISALIGNED_ADDRESS
                                 || done == CUDA_ERROR_INVALID_ADDRESS_SPACE;
            fail(address ? 4 : 42, launch.name + " failed: " + name_of(done));
        }
        for (size_t id = 0; id < buffers.size(); id++) {
            unsigned char before[GUARD], after[GUARD];
            check(d.memcpy_dtoh(before, buffers[id].data - GUARD, GUARD), 2, "cuMemcpyDtoH");
            check(d.memcpy_dtoh(after, buffers[id].data + buffers[id].size, GUARD), 2, "cuMemcpyDtoH");
            for (size_t i = 0; i < GUARD; i++) {
                if (before[i] != GUARD_BYTE || after[i] != GUARD_BYTE) {
                    fail(4, launch.name + " wrote outside buffer " + std::to_string(id));
                }
            }
        }
    }
    std::vector<std::vector<unsigned char>> results(buffers.size());
    std::vector<std::pair<const unsigned char*, uint64_t>> views;
    for (size_t id = 0; id < buffers.size(); id++) {
        results[id].resize(buffers[id].size);
        if (buffers[id].size > 0) {
            check(d.memcpy_dtoh(results[id].data(), buffers[id].data, buffers[id].size), 2, "cuMemcpyDtoH");
        }
        views.emplace_back(results[id].data(), buffers[id].size);
    }
    script::write(argv[3], views);
    return 0;
}
