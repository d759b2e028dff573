package org.yalis.engine.cuda;

import java.lang.foreign.MemorySegment;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;
import org.yalis.nativelib.KernelLaunch;
import org.yalis.nativelib.YalisKernels;

/**
 * The CUDA backend's operations as launches of our kernels: each method is one kernel, its
 * parameters in the C order and types of native/kernels/KERNELS.md, its configuration from
 * {@link KernelLaunch}. Shapes, dtypes and index ranges are the caller's to check
 * ({@link CudaBackend} does); kept apart so the tests run exactly these launches in the kernel
 * simulator.
 */
final class KernelOps {
    private KernelOps() {
    }

    /** {@code out[t] = table[ids[t]]} for the {@code out.rows()} tokens. */
    static void embedding(KernelDevice device, Tensor table, Tensor tokenIds, Tensor out) {
        int tokens = out.rows();
        device.launch(YalisKernels.EMBEDDING_BF16, KernelLaunch.perRow(tokens), a -> a.pointer(table.data())
                .pointer(tokenIds.data()).pointer(out.data()).int32(tokens).int32(table.cols()).int32(table.rows()));
    }

    static void rmsnorm(KernelDevice device, Tensor x, Tensor weight, float eps, Tensor out) {
        device.launch(YalisKernels.RMSNORM_BF16, KernelLaunch.rmsnorm(x.rows(), x.cols()), a -> a.pointer(x.data())
                .pointer(weight.data()).pointer(out.data()).int32(x.rows()).int32(x.cols()).float32(eps));
    }

    /** f32 {@code out[r]} = the sum of squares of row r of bf16 x. */
    static void sumOfSquares(KernelDevice device, Tensor x, Tensor out) {
        device.launch(YalisKernels.SUM_OF_SQUARES_BF16, KernelLaunch.rmsnorm(x.rows(), x.cols()),
                a -> a.pointer(x.data()).pointer(out.data()).int32(x.rows()).int32(x.cols()));
    }

    static void rmsnormFromSumOfSquares(KernelDevice device, Tensor x, Tensor sumOfSquares, int width, Tensor weight,
                                        float eps, Tensor out) {
        device.launch(YalisKernels.RMSNORM_FROM_SUM_OF_SQUARES_BF16, KernelLaunch.rmsnorm(x.rows(), x.cols()),
                a -> a.pointer(x.data()).pointer(sumOfSquares.data()).pointer(weight.data()).pointer(out.data())
                        .int32(x.rows()).int32(x.cols()).int32(width).float32(eps));
    }

    /** RoPE in place on every head of x (the kernel's k operand unused: NULL, 0 heads). */
    static void rope(KernelDevice device, Tensor x, int headDim, Tensor positions, Tensor cos, Tensor sin) {
        device.launch(YalisKernels.ROPE_QK_BF16, KernelLaunch.perRow(x.rows()), a -> a.pointer(x.data())
                .int32(x.cols() / headDim).int64(x.cols()).pointer(MemorySegment.NULL).int32(0).int64(0)
                .int32(x.rows()).int32(headDim).pointer(positions.data()).pointer(cos.data()).pointer(sin.data())
                .int32(cos.rows()));
    }

    /** RoPE in place on the queries and the keys, one launch for both. */
    static void ropeQk(KernelDevice device, Tensor q, Tensor k, int headDim, Tensor positions, Tensor cos,
                       Tensor sin) {
        device.launch(YalisKernels.ROPE_QK_BF16, KernelLaunch.perRow(q.rows()), a -> a.pointer(q.data())
                .int32(q.cols() / headDim).int64(q.cols()).pointer(k.data()).int32(k.cols() / headDim).int64(k.cols())
                .int32(q.rows()).int32(headDim).pointer(positions.data()).pointer(cos.data()).pointer(sin.data())
                .int32(cos.rows()));
    }

    /** {@code residual += addend} (stored in bf16), then {@code out = rmsnorm(residual) * weight}. */
    static void addRmsnorm(KernelDevice device, Tensor residual, Tensor addend, Tensor weight, float eps, Tensor out) {
        device.launch(YalisKernels.ADD_RMSNORM_BF16, KernelLaunch.rmsnorm(residual.rows(), residual.cols()),
                a -> a.pointer(residual.data()).pointer(addend.data()).pointer(weight.data()).pointer(out.data())
                        .int32(residual.rows()).int32(residual.cols()).float32(eps));
    }

    static void siluMul(KernelDevice device, Tensor gate, Tensor up, Tensor out) {
        long n = gate.elementCount();
        device.launch(YalisKernels.SILU_MUL_BF16, KernelLaunch.elementwise(n), a -> a.pointer(gate.data())
                .pointer(up.data()).pointer(out.data()).int64(n));
    }

    static void add(KernelDevice device, Tensor accumulator, Tensor addend) {
        long n = accumulator.elementCount();
        device.launch(YalisKernels.ADD_BF16, KernelLaunch.elementwise(n), a -> a.pointer(accumulator.data())
                .pointer(addend.data()).int64(n));
    }

    /** {@code out[i] = x[rowIndices[i]]}, rows of any dtype. */
    static void gatherRows(KernelDevice device, Tensor x, Tensor rowIndices, Tensor out) {
        device.launch(YalisKernels.GATHER_ROWS, KernelLaunch.perRow(out.rows()), a -> a.pointer(x.data())
                .pointer(rowIndices.data()).pointer(out.data()).int32(out.rows()).int64(x.rowBytes()).int32(x.rows()));
    }

    /** {@code out[r]} = the lowest index of the largest value of f32 row {@code r} (no values written back). */
    static void argmaxRows(KernelDevice device, Tensor logits, Tensor out) {
        int rows = logits.rows();
        int vocab = logits.cols();
        device.launch(YalisKernels.ARGMAX_F32, KernelLaunch.rowReduction(rows, vocab), a -> a.pointer(logits.data())
                .int32(rows).int32(vocab).pointer(out.data()).pointer(MemorySegment.NULL));
    }

    /** Converts {@code elements} f32 or f16 values at {@code source} to bf16 at {@code destination}. */
    static void castToBf16(KernelDevice device, DType sourceType, MemorySegment source, MemorySegment destination,
                           long elements) {
        device.launch(WeightUpload.castKernel(sourceType), KernelLaunch.elementwise(elements),
                a -> a.pointer(source).pointer(destination).int64(elements));
    }
}
