// Source of scale_add_index.ptx, which KernelLaunchGpuTest loads with cuModuleLoadData.
// Regenerate: nvcc -ptx -arch=compute_75 scale_add_index.cu -o scale_add_index.ptx
// (compute_75: the oldest target nvcc 13 accepts, so the driver JIT-compiles it for any newer GPU.)
extern "C" __global__ void scale_add_index(float *out, const float *in, float scale, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[i] = in[i] * scale + (float) i;
    }
}
