package org.yalis.engine.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

import org.yalis.bindings.cuda.KernelArguments;
import org.yalis.engine.cpu.CpuBackend;
import org.yalis.engine.cpu.Numerics;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.StepGraph;
import org.yalis.engine.tensor.Tensor;
import org.yalis.engine.testing.SimulatedKernelDevice;
import org.yalis.nativelib.KernelLaunch;

/**
 * The CUDA backend's device path without a GPU: every operation that {@link CudaBackend} runs as one of
 * our kernels goes through the same {@link KernelOps} launch into the kernel simulator, on bf16
 * activations and weights; the matrix products, which cuBLAS does on a GPU, are computed on the host
 * (bf16 inputs, f32 sums) as host steps of the simulated stream. So the model's forward, the cuda
 * attention and {@code --cuda-graphs} run end to end here, launch by launch; what this leaves to the GPU
 * tests is cuBLAS and the CUDA runtime itself.
 */
public final class SimulatedCudaBackend implements ComputeBackend, KernelDevice {
    private final SimulatedKernelDevice device;

    private SimulatedCudaBackend(SimulatedKernelDevice device) {
        this.device = device;
    }

    /** A backend over a new simulated device (or the test is skipped, saying why, without the simulator). */
    public static SimulatedCudaBackend create() {
        return new SimulatedCudaBackend(SimulatedKernelDevice.create());
    }

    /** Launches run so far (replays included). */
    public int launches() {
        return device.launches();
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public DType activationDType() {
        return DType.BF16;
    }

    // ---- memory and copies -----------------------------------------------------------------------

    @Override
    public Tensor allocate(DType dtype, int rows, int cols) {
        return device.allocateScratch(dtype, rows, cols);
    }

    @Override
    public Tensor allocateScratch(DType dtype, int rows, int cols) {
        return device.allocateScratch(dtype, rows, cols);
    }

    @Override
    public void releaseScratch(Tensor scratch) {
        device.releaseScratch(scratch);
    }

    @Override
    public Tensor loadWeight(Tensor hostSource) {
        return loadWeightColumns(hostSource, 0, hostSource.cols());
    }

    /** bf16 on the device whatever the checkpoint holds, rounded as the device's cast kernels round. */
    @Override
    public Tensor loadWeightColumns(Tensor hostSource, int firstColumn, int columns) {
        ByteBuffer bits = little(hostSource.rows() * columns * 2);
        for (int r = 0; r < hostSource.rows(); r++) {
            for (int c = 0; c < columns; c++) {
                long index = (long) r * hostSource.cols() + firstColumn + c;
                bits.putShort(Numerics.floatToBf16(Numerics.load(hostSource, index)));
            }
        }
        return device.upload(DType.BF16, hostSource.rows(), columns, bits.array());
    }

    @Override
    public void copyFromHost(int[] source, Tensor destination) {
        device.copyFromHost(source, destination);
    }

    @Override
    public void copyFromHost(float[] source, Tensor destination) {
        device.write(destination, encode(source, destination.dtype()));
    }

    @Override
    public void copyToHost(Tensor source, float[] destination) {
        float[] values = decode(device.bytes(source), source.dtype());
        System.arraycopy(values, 0, destination, 0, values.length);
    }

    @Override
    public void copyToHost(Tensor source, int[] destination) {
        ByteBuffer.wrap(device.bytes(source)).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer()
                .get(destination, 0, (int) source.elementCount());
    }

    // ---- our kernels, launched as CudaBackend launches them ----------------------------------------

    @Override
    public void embedding(Tensor table, Tensor tokenIds, Tensor out) {
        KernelOps.embedding(this, table, tokenIds, out);
    }

    @Override
    public void rmsnorm(Tensor x, Tensor weight, float eps, Tensor out) {
        KernelOps.rmsnorm(this, x, weight, eps, out);
    }

    @Override
    public void sumOfSquares(Tensor x, Tensor out) {
        KernelOps.sumOfSquares(this, x, out);
    }

    @Override
    public void rmsnormFromSumOfSquares(Tensor x, Tensor sumOfSquares, int width, Tensor weight, float eps,
                                        Tensor out) {
        KernelOps.rmsnormFromSumOfSquares(this, x, sumOfSquares, width, weight, eps, out);
    }

    @Override
    public void rope(Tensor x, int headDim, Tensor positions, Tensor cos, Tensor sin) {
        KernelOps.rope(this, x, headDim, positions, cos, sin);
    }

    @Override
    public void ropeQk(Tensor q, Tensor k, int headDim, Tensor positions, Tensor cos, Tensor sin) {
        KernelOps.ropeQk(this, q, k, headDim, positions, cos, sin);
    }

    @Override
    public void siluMul(Tensor gate, Tensor up, Tensor out) {
        KernelOps.siluMul(this, gate, up, out);
    }

    @Override
    public void add(Tensor accumulator, Tensor addend) {
        KernelOps.add(this, accumulator, addend);
    }

    @Override
    public void addRmsnorm(Tensor residual, Tensor addend, Tensor weight, float eps, Tensor out) {
        KernelOps.addRmsnorm(this, residual, addend, weight, eps, out);
    }

    @Override
    public void gatherRows(Tensor x, Tensor rowIndices, Tensor out) {
        KernelOps.gatherRows(this, x, rowIndices, out);
    }

    @Override
    public void argmaxRows(Tensor logits, Tensor out) {
        KernelOps.argmaxRows(this, logits, out);
    }

    // ---- what cuBLAS and cudaMemcpyAsync do on a GPU: host steps --------------------------------

    /** {@code out = x · weightᵀ}: bf16 inputs, f32 sums, out in bf16 (rounded) or f32, as cuBLAS's linear. */
    @Override
    public void matmul(Tensor x, Tensor weight, Tensor out) {
        device.hostStep(() -> {
            float[] xs = decode(device.read(x), x.dtype());
            float[] ws = decode(device.read(weight), weight.dtype());
            int in = x.cols();
            float[] ys = new float[out.rows() * out.cols()];
            for (int t = 0; t < out.rows(); t++) {
                for (int o = 0; o < out.cols(); o++) {
                    float sum = 0;
                    for (int i = 0; i < in; i++) {
                        sum += xs[t * in + i] * ws[o * in + i];
                    }
                    ys[t * out.cols() + o] = sum;
                }
            }
            device.store(out, encode(ys, out.dtype()));
        });
    }

    @Override
    public void copyIntoColumns(Tensor source, Tensor destination, int firstColumn) {
        CpuBackend.checkColumnBlock(source, destination, firstColumn);
        device.hostStep(() -> {
            byte[] from = device.read(source);
            byte[] to = device.read(destination);
            long offset = (long) firstColumn * destination.dtype().byteSize();
            for (int row = 0; row < source.rows(); row++) {
                System.arraycopy(from, (int) (row * source.rowBytes()), to,
                        (int) (row * destination.rowBytes() + offset), (int) source.rowBytes());
            }
            device.store(destination, to);
        });
    }

    // ---- the rest ------------------------------------------------------------------------------

    @Override
    public void launch(String kernel, KernelLaunch config, Consumer<KernelArguments> arguments) {
        device.launch(kernel, config, arguments);
    }

    @Override
    public boolean owns(Tensor tensor) {
        return device.owns(tensor);
    }

    @Override
    public boolean isOpen() {
        return device.isOpen();
    }

    @Override
    public void synchronize() {
        device.waitForLaunches();
    }

    @Override
    public long allocatedBytes() {
        return 0;
    }

    @Override
    public boolean capturesGraphs() {
        return true;
    }

    @Override
    public StepGraph capture(Runnable work) {
        return device.capture(work);
    }

    @Override
    public void close() {
        device.close();
    }

    private static byte[] encode(float[] values, DType dtype) {
        ByteBuffer bytes = little(values.length * dtype.byteSize());
        for (float value : values) {
            switch (dtype) {
                case F32 -> bytes.putFloat(value);
                case BF16 -> bytes.putShort(Numerics.floatToBf16(value));
                default -> throw new IllegalArgumentException("floats into " + dtype);
            }
        }
        return bytes.array();
    }

    private static float[] decode(byte[] raw, DType dtype) {
        ByteBuffer bytes = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[raw.length / dtype.byteSize()];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (dtype) {
                case F32 -> bytes.getFloat();
                case BF16 -> Numerics.bf16ToFloat(bytes.getShort());
                default -> throw new IllegalArgumentException(dtype + " does not hold floats");
            };
        }
        return values;
    }

    private static ByteBuffer little(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
