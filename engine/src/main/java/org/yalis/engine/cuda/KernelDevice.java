package org.yalis.engine.cuda;

import java.util.function.Consumer;

import org.yalis.bindings.cuda.KernelArguments;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;
import org.yalis.nativelib.KernelLaunch;

/**
 * What code that launches our kernels needs from a device: scratch memory, index uploads and
 * launches queued in order. {@link CudaBackend} is the GPU; the tests' simulated device runs the same
 * launches through the CPU kernel simulator, so the argument lists and offsets of {@link KernelOps}
 * and of the cuda attention backend are checked against the kernels' own source without a GPU.
 */
public interface KernelDevice {

    /** A device tensor that goes back to the device's pool with {@link #releaseScratch}; contents unspecified. */
    Tensor allocateScratch(DType dtype, int rows, int cols);

    /** Gives back a tensor from {@link #allocateScratch} (after the work queued on it, in stream order). */
    void releaseScratch(Tensor scratch);

    /** Copies indices into a device I32 tensor, in order with the launches. */
    void copyFromHost(int[] values, Tensor destination);

    /**
     * Queues {@code kernel} with the parameters {@code arguments} adds, in the kernel's C order and
     * types (native/kernels/KERNELS.md).
     */
    void launch(String kernel, KernelLaunch config, Consumer<KernelArguments> arguments);

    /** Whether {@code tensor} is memory of this device. */
    boolean owns(Tensor tensor);

    /** False once the device is closed (its memory is gone with it). */
    boolean isOpen();
}
