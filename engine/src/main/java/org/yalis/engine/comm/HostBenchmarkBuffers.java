package org.yalis.engine.comm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.yalis.engine.tensor.DType;

/** Benchmark buffers in host memory, shared between threads (in-process ranks read each other's). */
public final class HostBenchmarkBuffers implements BenchmarkBuffers {
    private final Arena arena = Arena.ofShared();

    @Override
    public String memory() {
        return "host";
    }

    @Override
    public MemorySegment allocate(long bytes) {
        return arena.allocate(bytes, 64);
    }

    @Override
    public void fill(MemorySegment buffer, DType dtype, long count, float value) {
        BenchmarkBuffers.encode(buffer, dtype, count, value);
    }

    @Override
    public float read(MemorySegment buffer, DType dtype, long index) {
        return BenchmarkBuffers.decode(buffer, dtype, index);
    }

    @Override
    public void synchronize() {
        // Host collectives are done when they return.
    }

    @Override
    public void close() {
        arena.close();
    }
}
