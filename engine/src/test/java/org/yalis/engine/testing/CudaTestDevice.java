package org.yalis.engine.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;

import org.yalis.bindings.cuda.KernelArguments;
import org.yalis.engine.cuda.CudaBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.StepGraph;
import org.yalis.engine.tensor.Tensor;
import org.yalis.nativelib.KernelLaunch;

/** A {@link TestDevice} on a real GPU: a {@link CudaBackend} whose scratch memory starts as 0xFF bytes. */
public final class CudaTestDevice implements TestDevice {
    private final CudaBackend backend;
    private int live;

    private CudaTestDevice(CudaBackend backend) {
        this.backend = backend;
    }

    /** GPU 0, or the test is skipped with the reason there is none. */
    public static CudaTestDevice open() {
        return new CudaTestDevice(Gpu.backend());
    }

    public CudaBackend backend() {
        return backend;
    }

    @Override
    public String name() {
        return "gpu " + backend.deviceOrdinal();
    }

    @Override
    public Tensor allocateScratch(DType dtype, int rows, int cols) {
        Tensor tensor = backend.allocateScratch(dtype, rows, cols);
        live++;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment poison = arena.allocate(tensor.byteSize());
            poison.fill((byte) 0xFF);
            backend.copyBytesFromHost(poison, tensor);   // staged: the arena may close at once
        }
        return tensor;
    }

    @Override
    public Tensor upload(DType dtype, int rows, int cols, byte[] bytes) {
        Tensor tensor = backend.allocateScratch(dtype, rows, cols);
        live++;
        if (bytes.length != tensor.byteSize()) {
            throw new IllegalArgumentException(bytes.length + " bytes for " + tensor);
        }
        backend.copyBytesFromHost(MemorySegment.ofArray(bytes), tensor);   // staged: the array may go at once
        return tensor;
    }

    @Override
    public byte[] bytes(Tensor tensor) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(tensor.byteSize());
            backend.copyBytesToHost(tensor, host);
            return host.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Override
    public StepGraph capture(Runnable work) {
        return backend.capture(work);
    }

    @Override
    public void releaseScratch(Tensor scratch) {
        backend.releaseScratch(scratch);
        live--;
    }

    @Override
    public int liveAllocations() {
        return live;
    }

    @Override
    public void copyFromHost(int[] values, Tensor destination) {
        backend.copyFromHost(values, destination);
    }

    @Override
    public void launch(String kernel, KernelLaunch config, Consumer<KernelArguments> arguments) {
        backend.launch(kernel, config, arguments);
    }

    @Override
    public boolean owns(Tensor tensor) {
        return backend.owns(tensor);
    }

    @Override
    public boolean isOpen() {
        return backend.isOpen();
    }

    @Override
    public void close() {
        backend.close();
    }
}
