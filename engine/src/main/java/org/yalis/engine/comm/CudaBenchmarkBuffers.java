package org.yalis.engine.comm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.yalis.bindings.cuda.CudaMemcpyKind;
import org.yalis.bindings.cuda.CudaRuntime;
import org.yalis.engine.tensor.DType;

/**
 * Benchmark buffers in GPU memory ({@code cudaMalloc}), filled and read through host copies on the
 * stream the collectives are queued on (the one given to {@link Communicator#useDeviceStream}).
 */
public final class CudaBenchmarkBuffers implements BenchmarkBuffers {
    private final CurrentDevice device;
    private final DeviceStream stream;
    private final Arena arena = Arena.ofShared();

    public CudaBenchmarkBuffers(CudaRuntime cuda, DeviceStream stream) {
        this.device = new CurrentDevice(cuda, stream.device());
        this.stream = stream;
    }

    @Override
    public String memory() {
        return "device";
    }

    /**
     * A device allocation seen as a segment of {@code bytes} (what a tensor needs to know its size).
     * Its address is a device pointer: only CUDA, NCCL or a CUDA-aware MPI may touch it.
     */
    @Override
    public MemorySegment allocate(long bytes) {
        device.ensureCurrent();
        return device.cuda().malloc(bytes, arena).reinterpret(bytes);
    }

    @Override
    public void fill(MemorySegment buffer, DType dtype, long count, float value) {
        long bytes = count * dtype.byteSize();
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment host = staging.allocate(bytes, 64);
            BenchmarkBuffers.encode(host, dtype, count, value);
            copy(buffer, host, bytes, CudaMemcpyKind.HOST_TO_DEVICE);
        }
    }

    @Override
    public float read(MemorySegment buffer, DType dtype, long index) {
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment host = staging.allocate(dtype.byteSize(), 8);
            MemorySegment element = MemorySegment.ofAddress(buffer.address() + index * dtype.byteSize());
            copy(host, element, dtype.byteSize(), CudaMemcpyKind.DEVICE_TO_HOST);
            return BenchmarkBuffers.decode(host, dtype, 0);
        }
    }

    @Override
    public void synchronize() {
        device.ensureCurrent();
        device.cuda().streamSynchronize(stream.stream());
    }

    /** Frees the device buffers once the stream has finished with them. */
    @Override
    public void close() {
        synchronize();
        arena.close();
    }

    /** On the collectives' stream, so the copy is ordered with them (a non-blocking stream ignores cudaMemcpy's). */
    private void copy(MemorySegment destination, MemorySegment source, long bytes, CudaMemcpyKind kind) {
        device.ensureCurrent();
        device.cuda().memcpyAsync(destination, source, bytes, kind, stream.stream());
        device.cuda().streamSynchronize(stream.stream());
    }
}
