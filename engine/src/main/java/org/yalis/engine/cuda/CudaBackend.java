package org.yalis.engine.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.OptionalLong;
import java.util.function.Consumer;

import org.yalis.bindings.NativeLibraryLoadException;
import org.yalis.bindings.NativeLibraryNotFoundException;
import org.yalis.bindings.cuda.Cublas;
import org.yalis.bindings.cuda.CublasComputeType;
import org.yalis.bindings.cuda.CublasHandle;
import org.yalis.bindings.cuda.CudaDataType;
import org.yalis.bindings.cuda.CudaDriver;
import org.yalis.bindings.cuda.CudaException;
import org.yalis.bindings.cuda.CudaGraph;
import org.yalis.bindings.cuda.CudaGraphExec;
import org.yalis.bindings.cuda.CudaMemcpyKind;
import org.yalis.bindings.cuda.CudaRuntime;
import org.yalis.bindings.cuda.CudaStream;
import org.yalis.bindings.cuda.CudaStreamCaptureMode;
import org.yalis.bindings.cuda.CudaStreamFlag;
import org.yalis.bindings.cuda.GpuProbe;
import org.yalis.bindings.cuda.KernelArguments;
import org.yalis.engine.YalisException;
import org.yalis.engine.comm.DeviceStream;
import org.yalis.engine.comm.DeviceStreamSource;
import org.yalis.engine.comm.LaunchEnvironment;
import org.yalis.engine.cpu.Numerics;
import org.yalis.engine.metrics.StepClock;
import org.yalis.engine.cpu.CpuBackend;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.StepGraph;
import org.yalis.engine.tensor.Tensor;
import org.yalis.nativelib.KernelLaunch;
import org.yalis.nativelib.YalisKernels;

/**
 * The CUDA compute backend ({@code --device cuda}): one GPU, one non-blocking stream that every
 * operation is queued on in order, bf16 weights and activations with f32 accumulation.
 *
 * <ul>
 *   <li>Matmuls are cuBLAS ({@code y = x·Wᵀ} through {@link Cublas#linear}, bf16 in, f32 compute); the
 *       output type follows the output tensor: bf16 activations, or f32 (the engine's logits).</li>
 *   <li>Everything else is our kernels ({@code native/kernels}, loaded once per backend).</li>
 *   <li>Weights are uploaded once and converted to bf16 on the device (see {@link WeightUpload}).</li>
 *   <li>Memory comes from a {@link PooledDeviceAllocator}; {@link #close} returns every byte.</li>
 *   <li>Host-device copies go through pinned staging ({@link PinnedStaging}); {@link #copyToHost} and
 *       {@link #synchronize} wait for the stream, nothing else does.</li>
 * </ul>
 *
 * <p>Device tensors are segments over device addresses, sized (a {@link Tensor} needs its byte size)
 * and scoped to this backend: after {@link #close} using one throws instead of touching freed memory.
 * Host code must never read their bytes; every operation checks that its tensors belong to this
 * backend. The engine may call from any thread (one at a time): each call binds the thread to this
 * GPU's context first.
 */
public final class CudaBackend implements ComputeBackend, KernelDevice, DeviceStreamSource {
    /** Pinned staging to start with; a larger copy grows it. */
    static final long STAGING_BYTES = 64L << 20;
    /** Weight bytes per staged chunk (in the checkpoint's dtype). */
    static final long UPLOAD_CHUNK_BYTES = 16L << 20;
    /** cuBLAS's workspace (NVIDIA's recommendation for Hopper), given so cuBLAS never allocates on its own. */
    static final long CUBLAS_WORKSPACE_BYTES = 32L << 20;

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private final CudaRuntime cuda;
    private final Cublas cublas;
    private final Arena tensorScope = Arena.ofShared();
    private final UploadedIndices indices = new UploadedIndices();
    /** Scratch blocks handed out by {@link #allocateScratch}, by address, until released. */
    private final Map<Long, PooledDeviceAllocator.Block> scratchBlocks = new HashMap<>();
    private final CudaContext context;
    private final CudaStream stream;
    private final PooledDeviceAllocator pool;
    private final PinnedStaging staging;
    private final CudaKernels kernels;
    private final CublasHandle blas;
    private final PooledDeviceAllocator.Block blasWorkspace;
    private EventStepClock clock;
    /** Graphs captured and not closed yet; {@link #close} destroys them before the stream. */
    private final Set<CudaStepGraph> graphs = new LinkedHashSet<>();
    /** True while {@link #capture} records: everything but queued device work is refused then. */
    private boolean capturing;
    /** Device scratch that f32/f16 weight chunks land in before their cast to bf16. */
    private PooledDeviceAllocator.Block conversionScratch;
    private boolean closed;

    private CudaBackend(int ordinal, CudaRuntime cuda, CudaDriver driver, Cublas cublas) {
        this.cuda = cuda;
        this.cublas = cublas;
        try {
            context = CudaContext.retain(cuda, driver, ordinal);
            stream = cuda.streamCreateWithFlags(CudaStreamFlag.NON_BLOCKING);
            pool = new PooledDeviceAllocator(new CudaDeviceMemory(cuda));
            staging = new PinnedStaging(cuda, STAGING_BYTES, this::waitForStream);
            kernels = CudaKernels.load(driver);
            blas = cublas.create();
            cublas.setStream(blas, stream);
            blasWorkspace = pool.allocate(CUBLAS_WORKSPACE_BYTES);
            cublas.setWorkspace(blas, MemorySegment.ofAddress(blasWorkspace.address()), blasWorkspace.bytes());
        } catch (RuntimeException | Error e) {
            try {
                close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * A backend on GPU {@code ordinal}. Everything that can be missing (driver, GPU, cuBLAS, our
     * kernels) is a {@link YalisException} whose one-line message names the cause.
     */
    public static CudaBackend open(int ordinal) {
        CudaRuntime cuda;
        int gpus;
        try {
            cuda = CudaRuntime.shared();
            gpus = cuda.getDeviceCount();
        } catch (CudaException | NativeLibraryNotFoundException | NativeLibraryLoadException e) {
            // The probe words every "no GPU" case for a user (no runtime, no driver, a stub driver, no device).
            throw new YalisException("--device cuda: " + reasonForNoGpu(e));
        }
        if (ordinal < 0 || ordinal >= gpus) {
            throw new YalisException("--device cuda: this process was given GPU " + ordinal + " (its local rank) but "
                    + "sees " + gpus + " GPU(s); start at most " + gpus + " ranks per node or check CUDA_VISIBLE_DEVICES");
        }
        if (YalisKernels.fatbin().isEmpty()) {
            throw new YalisException("--device cuda: this build of Yalis-J has no CUDA kernels (nvcc was not found when "
                    + "native/ was built); rebuild with nvcc on the PATH");
        }
        CudaDriver driver = library(CudaDriver::shared);
        Cublas cublas = library(Cublas::shared);
        return new CudaBackend(ordinal, cuda, driver, cublas);
    }

    /** The GPU of this process: its local rank under a launcher (one GPU per rank on a node), else GPU 0. */
    public static int deviceForThisProcess() {
        return LaunchEnvironment.detect().map(LaunchEnvironment::localRank).orElse(0);
    }

    private static String reasonForNoGpu(RuntimeException failure) {
        try {
            String reason = GpuProbe.probe().reason();
            return reason.isEmpty() ? failure.getMessage() : reason;
        } catch (RuntimeException | LinkageError e) {
            return failure.getMessage();
        }
    }

    private static <T> T library(java.util.function.Supplier<T> loader) {
        try {
            return loader.get();
        } catch (NativeLibraryNotFoundException | NativeLibraryLoadException e) {
            throw new YalisException("--device cuda: " + e.getMessage());
        }
    }

    // ---- identity and memory ---------------------------------------------------------------------

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public DType activationDType() {
        return DType.BF16;
    }

    /** The GPU this backend runs on. */
    public int deviceOrdinal() {
        return context.ordinal();
    }

    /** The stream every operation of this backend is queued on (for NCCL and tests). */
    public CudaStream stream() {
        return stream;
    }

    /**
     * This backend's stream and GPU, for device collectives to queue on: an {@code nccl} all-reduce is
     * then ordered after the kernels that made its input and before those that read its result, with no
     * device-wide synchronization, and a decode step captured as a CUDA graph captures it too.
     */
    @Override
    public DeviceStream deviceStream() {
        return new DeviceStream(context.ordinal(), stream);
    }

    /** Whether {@link #close} has not run yet. */
    @Override
    public boolean isOpen() {
        return !closed;
    }

    /** Binds the calling thread to this backend's GPU; every operation does it, callers of raw CUDA need it too. */
    public void makeCurrent() {
        if (closed) {
            throw new IllegalStateException("the cuda backend is closed");
        }
        context.makeCurrent();
    }

    @Override
    public Tensor allocate(DType dtype, int rows, int cols) {
        makeCurrent();
        refuseWhileCapturing("allocating device memory");
        return tensorOn(pool.allocate(bytesOf(dtype, rows, cols)), dtype, rows, cols);
    }

    /**
     * A device tensor from the pool that goes back to it with {@link #releaseScratch} (per-step and
     * workspace buffers of attention backends); contents unspecified.
     */
    @Override
    public Tensor allocateScratch(DType dtype, int rows, int cols) {
        makeCurrent();
        refuseWhileCapturing("allocating device memory");
        PooledDeviceAllocator.Block block = pool.allocate(bytesOf(dtype, rows, cols));
        scratchBlocks.put(block.address(), block);
        indices.forget(block.address());
        return tensorOn(block, dtype, rows, cols);
    }

    /** Gives a tensor from {@link #allocateScratch} back (after the work queued on it: stream order). */
    @Override
    public void releaseScratch(Tensor scratch) {
        makeCurrent();
        refuseWhileCapturing("releasing device memory");
        PooledDeviceAllocator.Block block = scratchBlocks.remove(scratch.data().address());
        if (block == null) {
            throw new IllegalArgumentException(scratch + " is not scratch of this backend, or was released already");
        }
        pool.release(block);
    }

    private static long bytesOf(DType dtype, int rows, int cols) {
        return Math.max(1, (long) rows * cols * dtype.byteSize());
    }

    private Tensor tensorOn(PooledDeviceAllocator.Block block, DType dtype, int rows, int cols) {
        MemorySegment memory = MemorySegment.ofAddress(block.address()).reinterpret(block.requested(), tensorScope, null);
        return new Tensor(memory, dtype, rows, cols);
    }

    /** Device bytes held: every tensor, weight, cache and cached pool block (0 after {@link #close}). */
    @Override
    public long allocatedBytes() {
        return pool.reservedBytes();
    }

    /** Pinned host bytes of the staging buffer. */
    public long pinnedStagingBytes() {
        return staging == null ? 0 : staging.bytes();
    }

    /** Free device memory plus this backend's cached blocks: what the KV pool can still take. */
    @Override
    public OptionalLong freeDeviceMemoryBytes() {
        makeCurrent();
        return OptionalLong.of(cuda.memGetInfo().freeBytes() + pool.cachedBytes());
    }

    @Override
    public StepClock stepClock() {
        makeCurrent();
        if (clock == null) {
            clock = new EventStepClock(cuda, stream, this::makeCurrent);
        }
        return clock;
    }

    // ---- weights ---------------------------------------------------------------------------------

    @Override
    public Tensor loadWeight(Tensor hostSource) {
        return loadWeightColumns(hostSource, 0, hostSource.cols());
    }

    /** Uploads the columns as bf16, whatever the checkpoint's float type ({@link WeightUpload}). */
    @Override
    public Tensor loadWeightColumns(Tensor hostSource, int firstColumn, int columns) {
        makeCurrent();
        refuseWhileCapturing("loading a weight");
        requireHost(hostSource, "weight source");
        Tensor weight = allocate(DType.BF16, hostSource.rows(), columns);
        WeightUpload.upload(hostSource, firstColumn, columns, UPLOAD_CHUNK_BYTES, staging::reserve,
                (staged, type, elements, offset) -> sendWeightChunk(staged, type, elements, weight, offset));
        return weight;
    }

    private void sendWeightChunk(MemorySegment staged, DType type, long elements, Tensor weight, long offset) {
        MemorySegment destination = MemorySegment.ofAddress(weight.data().address() + offset);
        if (type == DType.BF16) {
            cuda.memcpyAsync(destination, staged, staged.byteSize(), CudaMemcpyKind.HOST_TO_DEVICE, stream);
            return;
        }
        if (conversionScratch == null || conversionScratch.bytes() < staged.byteSize()) {
            if (conversionScratch != null) {
                pool.release(conversionScratch);   // stream order: the next user queues after the last cast
            }
            conversionScratch = pool.allocate(Math.max(staged.byteSize(), UPLOAD_CHUNK_BYTES));
        }
        MemorySegment scratch = MemorySegment.ofAddress(conversionScratch.address());
        cuda.memcpyAsync(scratch, staged, staged.byteSize(), CudaMemcpyKind.HOST_TO_DEVICE, stream);
        KernelOps.castToBf16(this, type, scratch, destination, elements);
    }

    // ---- copies ----------------------------------------------------------------------------------

    @Override
    public void copyFromHost(int[] source, Tensor destination) {
        makeCurrent();
        refuseWhileCapturing("a copy from the host");
        requireDevice(destination, "destination");
        requireType(destination, DType.I32, "destination");
        requireFits(source.length, destination);
        MemorySegment staged = staging.reserve((long) source.length * Integer.BYTES);
        MemorySegment.copy(source, 0, staged, INT, 0, source.length);
        cuda.memcpyAsync(destination.data(), staged, staged.byteSize(), CudaMemcpyKind.HOST_TO_DEVICE, stream);
        indices.remember(destination, source);
    }

    /** Into an f32 tensor as is, or a bf16 one rounded to nearest even ({@link Numerics#floatToBf16}). */
    @Override
    public void copyFromHost(float[] source, Tensor destination) {
        makeCurrent();
        refuseWhileCapturing("a copy from the host");
        requireDevice(destination, "destination");
        requireFits(source.length, destination);
        MemorySegment staged;
        switch (destination.dtype()) {
            case F32 -> {
                staged = staging.reserve((long) source.length * Float.BYTES);
                MemorySegment.copy(source, 0, staged, FLOAT, 0, source.length);
            }
            case BF16 -> {
                staged = staging.reserve((long) source.length * Short.BYTES);
                for (int i = 0; i < source.length; i++) {
                    staged.setAtIndex(SHORT, i, Numerics.floatToBf16(source[i]));
                }
            }
            default -> throw new IllegalArgumentException("floats cannot be copied into " + destination);
        }
        cuda.memcpyAsync(destination.data(), staged, staged.byteSize(), CudaMemcpyKind.HOST_TO_DEVICE, stream);
    }

    /** From an f32 tensor as is, or a bf16 one widened exactly; waits for the work queued before. */
    @Override
    public void copyToHost(Tensor source, float[] destination) {
        makeCurrent();
        refuseWhileCapturing("a copy to the host");
        requireDevice(source, "source");
        if (destination.length < source.elementCount()) {
            throw new IndexOutOfBoundsException(source + " into " + destination.length + " floats");
        }
        int count = (int) source.elementCount();
        MemorySegment staged = download(source);
        switch (source.dtype()) {
            case F32 -> MemorySegment.copy(staged, FLOAT, 0, destination, 0, count);
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    destination[i] = Numerics.bf16ToFloat(staged.getAtIndex(SHORT, i));
                }
            }
            default -> throw new IllegalArgumentException(source + " does not hold floats");
        }
    }

    @Override
    public void copyToHost(Tensor source, int[] destination) {
        makeCurrent();
        refuseWhileCapturing("a copy to the host");
        requireDevice(source, "source");
        requireType(source, DType.I32, "source");
        if (destination.length < source.elementCount()) {
            throw new IndexOutOfBoundsException(source + " into " + destination.length + " ints");
        }
        MemorySegment.copy(download(source), INT, 0, destination, 0, (int) source.elementCount());
    }

    /** The tensor's raw bytes (its dtype's bit patterns) into host memory; waits for the work queued before. */
    public void copyBytesToHost(Tensor source, MemorySegment hostDestination) {
        makeCurrent();
        refuseWhileCapturing("a copy to the host");
        requireDevice(source, "source");
        requireHost(hostDestination, "destination");
        MemorySegment.copy(download(source), 0, hostDestination, 0, source.byteSize());
    }

    /** Raw bytes (the tensor's dtype's bit patterns) from host memory into the tensor; queued, not waited for. */
    public void copyBytesFromHost(MemorySegment hostSource, Tensor destination) {
        makeCurrent();
        refuseWhileCapturing("a copy from the host");
        requireDevice(destination, "destination");
        requireHost(hostSource, "source");
        MemorySegment staged = staging.reserve(destination.byteSize());
        MemorySegment.copy(hostSource, 0, staged, 0, destination.byteSize());
        cuda.memcpyAsync(destination.data(), staged, staged.byteSize(), CudaMemcpyKind.HOST_TO_DEVICE, stream);
        indices.forget(destination.data().address());
    }

    /** Queues the copy into staging and waits for it (and so for everything before it). */
    private MemorySegment download(Tensor source) {
        MemorySegment staged = staging.reserve(source.byteSize());
        cuda.memcpyAsync(staged, source.data(), source.byteSize(), CudaMemcpyKind.DEVICE_TO_HOST, stream);
        waitForStream();
        return staged;
    }

    // ---- operations ------------------------------------------------------------------------------

    @Override
    public void embedding(Tensor table, Tensor tokenIds, Tensor out) {
        makeCurrent();
        requireDevice(table, "table");
        requireDevice(tokenIds, "token ids");
        requireDevice(out, "out");
        requireType(table, DType.BF16, "table");
        requireType(tokenIds, DType.I32, "token ids");
        requireType(out, DType.BF16, "out");
        int tokens = out.rows();
        if (out.cols() != table.cols() || tokenIds.elementCount() < tokens) {
            throw new IllegalArgumentException("embedding shapes: table " + table + ", ids " + tokenIds + ", out " + out);
        }
        indices.check(tokenIds, tokens, table.rows(), "token id");
        KernelOps.embedding(this, table, tokenIds, out);
    }

    @Override
    public void rmsnorm(Tensor x, Tensor weight, float eps, Tensor out) {
        makeCurrent();
        requireBf16Device(x, "x");
        requireBf16Device(weight, "weight");
        requireBf16Device(out, "out");
        int width = x.cols();
        if (weight.elementCount() != width || out.cols() != width || out.rows() != x.rows()) {
            throw new IllegalArgumentException("rmsnorm shapes: x " + x + ", weight " + weight + ", out " + out);
        }
        KernelOps.rmsnorm(this, x, weight, eps, out);
    }

    @Override
    public void sumOfSquares(Tensor x, Tensor out) {
        makeCurrent();
        requireBf16Device(x, "x");
        requireDevice(out, "out");
        requireType(out, DType.F32, "out");
        if (out.elementCount() < x.rows()) {
            throw new IllegalArgumentException("sumOfSquares shapes: x " + x + ", out " + out);
        }
        KernelOps.sumOfSquares(this, x, out);
    }

    @Override
    public void rmsnormFromSumOfSquares(Tensor x, Tensor sumOfSquares, int width, Tensor weight, float eps,
                                        Tensor out) {
        makeCurrent();
        requireBf16Device(x, "x");
        requireDevice(sumOfSquares, "sum of squares");
        requireType(sumOfSquares, DType.F32, "sum of squares");
        requireBf16Device(weight, "weight");
        requireBf16Device(out, "out");
        int cols = x.cols();
        if (weight.elementCount() != cols || out.cols() != cols || out.rows() != x.rows()
                || sumOfSquares.elementCount() < x.rows() || width < cols) {
            throw new IllegalArgumentException("rmsnormFromSumOfSquares shapes: x " + x + ", sums " + sumOfSquares
                    + ", width " + width + ", weight " + weight + ", out " + out);
        }
        KernelOps.rmsnormFromSumOfSquares(this, x, sumOfSquares, width, weight, eps, out);
    }

    /** {@code y = x·Wᵀ} in cuBLAS: bf16 x and W, f32 accumulation, bf16 or f32 out as the out tensor is. */
    @Override
    public void matmul(Tensor x, Tensor weight, Tensor out) {
        makeCurrent();
        requireBf16Device(x, "x");
        requireBf16Device(weight, "weight");
        requireDevice(out, "out");
        if (x.cols() != weight.cols() || out.rows() != x.rows() || out.cols() != weight.rows()) {
            throw new IllegalArgumentException("matmul shapes: x " + x + ", weight " + weight + ", out " + out);
        }
        CudaDataType outputType = switch (out.dtype()) {
            case BF16 -> CudaDataType.R_16BF;
            case F32 -> CudaDataType.R_32F;
            default -> throw new IllegalArgumentException("matmul writes bf16 or f32, not " + out);
        };
        if (x.rows() == 0) {
            return;
        }
        cublas.linear(blas, x.data(), weight.data(), out.data(), x.rows(), weight.rows(), weight.cols(),
                CudaDataType.R_16BF, outputType, CublasComputeType.COMPUTE_32F);
    }

    @Override
    public void rope(Tensor x, int headDim, Tensor positions, Tensor cos, Tensor sin) {
        makeCurrent();
        requireRope(x, headDim, positions, cos, sin);
        KernelOps.rope(this, x, headDim, positions, cos, sin);
    }

    @Override
    public void ropeQk(Tensor q, Tensor k, int headDim, Tensor positions, Tensor cos, Tensor sin) {
        makeCurrent();
        requireRope(q, headDim, positions, cos, sin);
        requireRope(k, headDim, positions, cos, sin);
        if (k.rows() != q.rows()) {
            throw new IllegalArgumentException("rope shapes: q " + q + " and k " + k + " differ in rows");
        }
        KernelOps.ropeQk(this, q, k, headDim, positions, cos, sin);
    }

    /** What the rope kernel leaves unchecked, and the position values (host copies) inside the tables. */
    private void requireRope(Tensor x, int headDim, Tensor positions, Tensor cos, Tensor sin) {
        requireBf16Device(x, "x");
        requireDevice(positions, "positions");
        requireType(positions, DType.I32, "positions");
        for (Tensor table : new Tensor[] {cos, sin}) {
            requireDevice(table, "rope table");
            requireType(table, DType.F32, "rope table");
        }
        int half = headDim / 2;
        if (headDim < 2 || headDim % 2 != 0 || x.cols() % headDim != 0 || cos.cols() != half || sin.cols() != half
                || sin.rows() != cos.rows() || positions.elementCount() < x.rows()) {
            throw new IllegalArgumentException("rope shapes: x " + x + ", head_dim " + headDim + ", positions "
                    + positions + ", cos " + cos + ", sin " + sin);
        }
        indices.check(positions, x.rows(), cos.rows(), "position");
    }

    @Override
    public void addRmsnorm(Tensor residual, Tensor addend, Tensor weight, float eps, Tensor out) {
        makeCurrent();
        requireBf16Device(residual, "residual");
        requireBf16Device(addend, "addend");
        requireBf16Device(weight, "weight");
        requireBf16Device(out, "out");
        requireSameShape(residual, addend);
        requireSameShape(residual, out);
        if (weight.elementCount() != residual.cols()) {
            throw new IllegalArgumentException("addRmsnorm shapes: residual " + residual + ", weight " + weight);
        }
        if (out.data().address() == residual.data().address()) {
            throw new IllegalArgumentException("addRmsnorm writes out and residual both: they must be different tensors");
        }
        KernelOps.addRmsnorm(this, residual, addend, weight, eps, out);
    }

    @Override
    public void siluMul(Tensor gate, Tensor up, Tensor out) {
        makeCurrent();
        requireBf16Device(gate, "gate");
        requireBf16Device(up, "up");
        requireBf16Device(out, "out");
        requireSameShape(gate, up);
        requireSameShape(gate, out);
        KernelOps.siluMul(this, gate, up, out);
    }

    @Override
    public void add(Tensor accumulator, Tensor addend) {
        makeCurrent();
        requireBf16Device(accumulator, "accumulator");
        requireBf16Device(addend, "addend");
        requireSameShape(accumulator, addend);
        KernelOps.add(this, accumulator, addend);
    }

    @Override
    public void gatherRows(Tensor x, Tensor rowIndices, Tensor out) {
        makeCurrent();
        requireDevice(x, "x");
        requireDevice(rowIndices, "row indices");
        requireDevice(out, "out");
        requireType(rowIndices, DType.I32, "row indices");
        if (x.dtype() != out.dtype() || x.cols() != out.cols() || rowIndices.elementCount() < out.rows()) {
            throw new IllegalArgumentException("gatherRows shapes: x " + x + ", indices " + rowIndices + ", out " + out);
        }
        indices.check(rowIndices, out.rows(), x.rows(), "row");
        KernelOps.gatherRows(this, x, rowIndices, out);
    }

    @Override
    public void argmaxRows(Tensor logits, Tensor out) {
        makeCurrent();
        requireDevice(logits, "logits");
        requireDevice(out, "out");
        requireType(logits, DType.F32, "logits");
        requireType(out, DType.I32, "out");
        if (out.elementCount() < logits.rows()) {
            throw new IllegalArgumentException("argmaxRows: " + logits.rows() + " rows into " + out);
        }
        if (logits.rows() > 0) {
            KernelOps.argmaxRows(this, logits, out);
        }
        indices.forget(out.data().address());
    }

    /** One device-to-device copy per row on the stream (the logits' vocabulary blocks: a few rows). */
    @Override
    public void copyIntoColumns(Tensor source, Tensor destination, int firstColumn) {
        makeCurrent();
        requireDevice(source, "source");
        requireDevice(destination, "destination");
        CpuBackend.checkColumnBlock(source, destination, firstColumn);
        long offset = (long) firstColumn * destination.dtype().byteSize();
        for (int row = 0; row < source.rows(); row++) {
            cuda.memcpyAsync(MemorySegment.ofAddress(destination.data().address() + row * destination.rowBytes() + offset),
                    MemorySegment.ofAddress(source.data().address() + row * source.rowBytes()), source.rowBytes(),
                    CudaMemcpyKind.DEVICE_TO_DEVICE, stream);
        }
    }

    /**
     * Queues one of our kernels on this backend's stream: {@code arguments} adds the kernel's parameters
     * in its C order (KERNELS.md). For attention backends and tests.
     */
    @Override
    public void launch(String kernel, KernelLaunch config, Consumer<KernelArguments> arguments) {
        makeCurrent();
        KernelArguments values = kernels.arguments();
        arguments.accept(values);
        kernels.launch(kernel, config, stream, values);
    }

    @Override
    public void synchronize() {
        makeCurrent();
        refuseWhileCapturing("waiting for the GPU");
        waitForStream();
    }

    private void waitForStream() {
        cuda.streamSynchronize(stream);
        staging.deviceCaughtUp();
    }

    /** Frees the pool's cached blocks back to the device (after a measurement that used large scratch). */
    public void trimCache() {
        makeCurrent();
        refuseWhileCapturing("freeing cached device memory");
        synchronize();
        pool.trim();
    }

    CudaRuntime runtime() {
        return cuda;
    }

    Cublas cublas() {
        return cublas;
    }

    CublasHandle blas() {
        return blas;
    }

    // ---- checks ----------------------------------------------------------------------------------

    /** Whether {@code tensor} is device memory of this backend (its segment carries this backend's scope). */
    @Override
    public boolean owns(Tensor tensor) {
        return tensor.data().scope().equals(tensorScope.scope());
    }

    private void requireDevice(Tensor tensor, String what) {
        if (!owns(tensor)) {
            throw new IllegalArgumentException(what + " " + tensor + " is not device memory of this cuda backend");
        }
    }

    private void requireHost(Tensor tensor, String what) {
        requireHost(tensor.data(), what);
    }

    private void requireHost(MemorySegment segment, String what) {
        if (segment.scope().equals(tensorScope.scope())) {
            throw new IllegalArgumentException("the " + what + " must be host memory, not a device tensor");
        }
    }

    private void requireBf16Device(Tensor tensor, String what) {
        requireDevice(tensor, what);
        requireType(tensor, DType.BF16, what);
    }

    private static void requireType(Tensor tensor, DType dtype, String what) {
        if (tensor.dtype() != dtype) {
            throw new IllegalArgumentException("the cuda backend takes " + what + " in " + dtype + ", got " + tensor);
        }
    }

    private static void requireFits(int values, Tensor destination) {
        if (values > destination.elementCount()) {
            throw new IndexOutOfBoundsException(values + " values into " + destination);
        }
    }

    private static void requireSameShape(Tensor a, Tensor b) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException("shapes differ: " + a + " and " + b);
        }
    }

    // ---- CUDA graphs -----------------------------------------------------------------------------

    @Override
    public boolean capturesGraphs() {
        return true;
    }

    /**
     * Captures {@code work} from this backend's stream into a CUDA graph and instantiates it. Capture is
     * thread-local: other ranks' threads of this JVM may go on allocating and copying meanwhile. cuBLAS
     * captures because its workspace was set at start-up (it would otherwise allocate); our kernels
     * capture their parameters by value. Anything else {@code work} tries (an allocation, a host copy,
     * a wait) throws before it reaches CUDA, and the half-made graph is discarded.
     */
    @Override
    public StepGraph capture(Runnable work) {
        makeCurrent();
        refuseWhileCapturing("capturing another graph");
        cuda.streamBeginCapture(stream, CudaStreamCaptureMode.THREAD_LOCAL);
        capturing = true;
        CudaGraph graph;
        try {
            work.run();
        } catch (RuntimeException | Error e) {
            try {
                cuda.graphDestroy(cuda.streamEndCapture(stream));
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);   // an invalidated capture ends with an error and no graph
            }
            cuda.getLastError();   // the refused call's error must not surface in the next, unrelated check
            throw e;
        } finally {
            capturing = false;
        }
        graph = cuda.streamEndCapture(stream);
        try {
            CudaStepGraph captured = new CudaStepGraph(cuda.graphInstantiate(graph));
            graphs.add(captured);
            return captured;
        } finally {
            cuda.graphDestroy(graph);   // the executable graph keeps what it needs
        }
    }

    private void refuseWhileCapturing(String what) {
        if (capturing) {
            throw new IllegalStateException(what + " while a CUDA graph is being captured: captured work may only "
                    + "queue device operations (upload a step's inputs before capturing or replaying)");
        }
    }

    /** An instantiated graph, launched on this backend's stream. */
    private final class CudaStepGraph implements StepGraph {
        private final CudaGraphExec exec;

        CudaStepGraph(CudaGraphExec exec) {
            this.exec = exec;
        }

        @Override
        public void replay() {
            makeCurrent();
            refuseWhileCapturing("replaying a graph");
            if (!graphs.contains(this)) {
                throw new IllegalStateException("this CUDA graph was closed");
            }
            cuda.graphLaunch(exec, stream);
        }

        @Override
        public void close() {
            if (closed || !graphs.remove(this)) {
                return;   // closing the backend destroyed it already
            }
            makeCurrent();
            cuda.graphExecDestroy(exec);
        }
    }

    // ---- closing ---------------------------------------------------------------------------------

    /**
     * Waits for the stream, then frees everything in reverse order of acquisition: cuBLAS, the kernels'
     * module, the profiling events, every device block ({@link #allocatedBytes} is then 0), the pinned
     * staging, the stream, and the context retain. Each step runs even if an earlier one failed (a
     * kernel fault makes the context unusable); the first failure is thrown at the end.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (context != null) {
            context.makeCurrent();
        }
        closed = true;
        Cleanup cleanup = new Cleanup();
        if (stream != null) {
            cleanup.run(() -> cuda.streamSynchronize(stream));
        }
        for (CudaStepGraph graph : new ArrayList<>(graphs)) {
            cleanup.run(() -> cuda.graphExecDestroy(graph.exec));
        }
        graphs.clear();
        if (blas != null) {
            cleanup.run(() -> cublas.destroy(blas));
        }
        if (kernels != null) {
            cleanup.run(kernels::close);
        }
        if (clock != null) {
            cleanup.run(clock::close);
        }
        cleanup.run(tensorScope::close);
        if (pool != null) {
            cleanup.run(pool::close);
        }
        if (staging != null) {
            cleanup.run(staging::close);
        }
        if (stream != null) {
            cleanup.run(() -> cuda.streamDestroy(stream));
        }
        if (context != null) {
            cleanup.run(context::close);
        }
        cleanup.rethrow();
    }

    /** Runs every step of a close, keeping the first failure. */
    private static final class Cleanup {
        private RuntimeException failure;

        void run(Runnable step) {
            try {
                step.run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }

        void rethrow() {
            if (failure != null) {
                throw failure;
            }
        }
    }
}
