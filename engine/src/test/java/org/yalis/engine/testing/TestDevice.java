package org.yalis.engine.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.yalis.engine.cuda.KernelDevice;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.StepGraph;
import org.yalis.engine.tensor.Tensor;

/**
 * A {@link KernelDevice} that tests can fill and read: the kernel simulator here
 * ({@link SimulatedKernelDevice}), a GPU on a machine with one ({@link CudaTestDevice}). Tests written
 * against it run the same bodies on both. {@link #allocateScratch} memory starts as 0xFF bytes (NaN in
 * every float type) on both, so an element a kernel fails to write shows.
 */
public interface TestDevice extends KernelDevice, AutoCloseable {

    /** "simulator" or "gpu N", for messages. */
    String name();

    /** A device tensor holding {@code bytes} (the dtype's bit patterns, little-endian). */
    Tensor upload(DType dtype, int rows, int cols, byte[] bytes);

    /** The tensor's bytes once every launch queued so far has run. */
    byte[] bytes(Tensor tensor);

    /**
     * Records the launches {@code work} queues, without running them, as a graph that replays them with
     * the same parameters (a CUDA graph on a GPU; the simulator keeps the argument bytes). Nothing but
     * launches may happen while recording.
     */
    StepGraph capture(Runnable work);

    /** Tensors allocated (scratch and uploads) and not released: what a leak check counts. */
    int liveAllocations();

    @Override
    void close();

    default Tensor uploadBf16(short[] bits, int rows, int cols) {
        ByteBuffer buffer = little(bits.length * 2);
        buffer.asShortBuffer().put(bits);
        return upload(DType.BF16, rows, cols, buffer.array());
    }

    default Tensor uploadF16(short[] bits, int rows, int cols) {
        ByteBuffer buffer = little(bits.length * 2);
        buffer.asShortBuffer().put(bits);
        return upload(DType.F16, rows, cols, buffer.array());
    }

    default Tensor uploadF32(float[] values, int rows, int cols) {
        ByteBuffer buffer = little(values.length * 4);
        buffer.asFloatBuffer().put(values);
        return upload(DType.F32, rows, cols, buffer.array());
    }

    default Tensor uploadI32(int[] values, int rows, int cols) {
        ByteBuffer buffer = little(values.length * 4);
        buffer.asIntBuffer().put(values);
        return upload(DType.I32, rows, cols, buffer.array());
    }

    default short[] shorts(Tensor tensor) {
        short[] out = new short[Math.toIntExact(tensor.byteSize() / 2)];
        ByteBuffer.wrap(bytes(tensor)).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(out);
        return out;
    }

    default float[] floats(Tensor tensor) {
        float[] out = new float[Math.toIntExact(tensor.byteSize() / 4)];
        ByteBuffer.wrap(bytes(tensor)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    default int[] ints(Tensor tensor) {
        int[] out = new int[Math.toIntExact(tensor.byteSize() / 4)];
        ByteBuffer.wrap(bytes(tensor)).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
        return out;
    }

    private static ByteBuffer little(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
