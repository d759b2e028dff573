package org.yalis.attention.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

import org.yalis.engine.attention.Attention;
import org.yalis.engine.attention.AttentionBatch;
import org.yalis.engine.attention.AttentionSpec;
import org.yalis.engine.cuda.KernelDevice;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;
import org.yalis.nativelib.KernelLaunch;
import org.yalis.nativelib.YalisKernels;

/**
 * Paged attention in our CUDA kernels over the same block tables as the CPU backend. The cache of
 * each layer is two {@code slots x kvHeads*headDim} bf16 matrices in device memory (keys, values),
 * slot {@code block * blockSize + offset} holding one token: {@code yalis_kv_cache_write_bf16} fills
 * them, {@code yalis_paged_attention_prefill_bf16} and the split-K decode pair
 * ({@code yalis_paged_attention_decode_bf16}, {@code ..._decode_reduce_bf16}, see {@link DecodePlan})
 * read them. The step's layout ({@link StepLayout}) is uploaded once per {@link #beginStep}; every
 * launch is queued on the compute backend's stream, so nothing here waits for the GPU. The device is
 * the cuda compute backend, or in tests the kernel simulator ({@link KernelDevice}).
 */
final class CudaAttention implements Attention {
    private final AttentionSpec spec;
    private final KernelDevice device;
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int kvDim;
    private final long slots;
    /** The step's packed layout on the device; grown (from the pool) when a step needs more. */
    private Tensor layoutBuffer;
    /** The split decode's f32 partials; grown when a step needs more. */
    private Tensor workspace;
    private StepLayout layout;
    /** The step's decode launches, planned in {@link #beginStep} when every sequence brings one token. */
    private DecodePlan decodePlan;

    /**
     * Everything a step's launches depend on besides the cache and the callers' tensors: the layout's
     * shape (its offsets), the decode split, and the addresses of the two buffers that may move.
     */
    private record LaunchShape(int sequences, int tokens, int blockTableStride, int maxQueryLength,
                               int decodeSplits, long layoutAddress, long workspaceAddress) {
    }

    CudaAttention(AttentionSpec spec, KernelDevice device) {
        this.spec = spec;
        this.device = device;
        this.kvDim = spec.kvHeads() * spec.headDim();
        this.slots = (long) spec.blocks() * spec.blockSize();
        this.keys = new Tensor[spec.layers()];
        this.values = new Tensor[spec.layers()];
        try {
            for (int layer = 0; layer < spec.layers(); layer++) {
                keys[layer] = device.allocateScratch(DType.BF16, Math.toIntExact(slots), kvDim);
                values[layer] = device.allocateScratch(DType.BF16, Math.toIntExact(slots), kvDim);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public void beginStep(AttentionBatch batch) {
        layout = StepLayout.of(batch, spec.blocks(), spec.blockSize());
        int[] packed = layout.packed();
        if (layoutBuffer == null || layoutBuffer.elementCount() < packed.length) {
            if (layoutBuffer != null) {
                device.releaseScratch(layoutBuffer);
            }
            layoutBuffer = null;
            layoutBuffer = device.allocateScratch(DType.I32, Math.max(packed.length, 1024), 1);
        }
        device.copyFromHost(packed, layoutBuffer);
        // The split decode's workspace is taken here, not in decode(): a graph captures decode's launches,
        // and nothing may allocate while it does.
        decodePlan = null;
        if (layout.singleTokens()) {
            decodePlan = DecodePlan.of(layout.sequences(), spec.heads(), spec.kvHeads(), spec.headDim(),
                    layout.maxContextLength());
            if (decodePlan.splits() > 1) {
                workspace(decodePlan.workspaceBytes());
            }
        }
    }

    @Override
    public Optional<Record> graphKey() {
        requireStep();
        return Optional.of(new LaunchShape(layout.sequences(), layout.tokens(), layout.blockTableStride(),
                layout.maxQueryLength(), decodePlan == null ? 0 : decodePlan.splits(),
                layoutBuffer.data().address(),
                // Unsplit decode reads no workspace: its growth must not force new captures of unsplit shapes.
                decodePlan != null && decodePlan.splits() > 1 ? workspace.data().address() : 0));
    }

    @Override
    public void writeKv(int layer, Tensor newKeys, Tensor newValues) {
        requireStep();
        requireRows(newKeys, kvDim, "keys");
        requireRows(newValues, kvDim, "values");
        int tokens = layout.tokens();
        device.launch(YalisKernels.KV_CACHE_WRITE_BF16, KernelLaunch.perRow(tokens), a -> a.pointer(newKeys.data())
                .int64(newKeys.cols()).pointer(newValues.data()).int64(newValues.cols()).pointer(keys[layer].data())
                .pointer(values[layer].data()).pointer(layoutAt(layout.slotMappingOffset())).int32(tokens)
                .int32(kvDim).int64(slots));
    }

    @Override
    public void prefill(int layer, Tensor queries, Tensor out) {
        requireStep();
        requireQueriesAndOut(queries, out);
        KernelLaunch launch = KernelLaunch.prefill(layout.sequences(), layout.maxQueryLength(), spec.heads(),
                spec.kvHeads(), spec.headDim());
        device.launch(YalisKernels.PAGED_ATTENTION_PREFILL_BF16, launch, a -> a.pointer(queries.data())
                .int64(queries.cols()).pointer(keys[layer].data()).pointer(values[layer].data()).pointer(out.data())
                .int64(out.cols()).pointer(layoutAt(layout.queryStartsOffset()))
                .pointer(layoutAt(layout.queryLengthsOffset())).pointer(layoutAt(layout.contextLengthsOffset()))
                .pointer(layoutAt(layout.blockTablesOffset())).int32(layout.blockTableStride()).int32(spec.heads())
                .int32(spec.kvHeads()).int32(spec.headDim()).int32(spec.blockSize()).float32(spec.scale()));
    }

    @Override
    public void decode(int layer, Tensor queries, Tensor out) {
        requireStep();
        requireQueriesAndOut(queries, out);
        if (decodePlan == null) {
            throw new IllegalStateException("decode takes one new token per sequence; this step has up to "
                    + layout.maxQueryLength() + " (run it as prefill)");
        }
        int sequences = layout.sequences();
        DecodePlan plan = decodePlan;
        MemorySegment partialMax = MemorySegment.NULL;
        MemorySegment partialSum = MemorySegment.NULL;
        MemorySegment partialOut = MemorySegment.NULL;
        if (plan.splits() > 1) {
            long partials = DecodePlan.partials(sequences, spec.heads(), plan.splits());
            long base = workspace.data().address();
            partialMax = MemorySegment.ofAddress(base);
            partialSum = MemorySegment.ofAddress(base + partials * Float.BYTES);
            partialOut = MemorySegment.ofAddress(base + 2 * partials * Float.BYTES);
        }
        MemorySegment max = partialMax;
        MemorySegment sum = partialSum;
        MemorySegment partialOutputs = partialOut;
        device.launch(YalisKernels.PAGED_ATTENTION_DECODE_BF16, plan.decode(), a -> a.pointer(queries.data())
                .int64(queries.cols()).pointer(keys[layer].data()).pointer(values[layer].data()).pointer(out.data())
                .int64(out.cols()).pointer(max).pointer(sum).pointer(partialOutputs)
                .pointer(layoutAt(layout.queryStartsOffset())).pointer(layoutAt(layout.contextLengthsOffset()))
                .pointer(layoutAt(layout.blockTablesOffset())).int32(layout.blockTableStride()).int32(spec.heads())
                .int32(spec.kvHeads()).int32(spec.headDim()).int32(spec.blockSize()).float32(spec.scale())
                .int32(DecodePlan.PARTITION_SIZE).int32(plan.splits()));
        if (plan.splits() > 1) {
            device.launch(YalisKernels.PAGED_ATTENTION_DECODE_REDUCE_BF16, plan.reduce(), a -> a.pointer(max)
                    .pointer(sum).pointer(partialOutputs).pointer(layoutAt(layout.queryStartsOffset()))
                    .pointer(layoutAt(layout.contextLengthsOffset())).pointer(out.data()).int64(out.cols())
                    .int32(spec.heads()).int32(spec.headDim()).int32(DecodePlan.PARTITION_SIZE).int32(plan.splits()));
        }
    }

    /** The split decode's workspace, grown to {@code bytes} if smaller (earlier launches keep theirs: stream order). */
    private Tensor workspace(long bytes) {
        long floats = Math.ceilDiv(bytes, Float.BYTES);
        if (workspace == null || workspace.elementCount() < floats) {
            if (workspace != null) {
                device.releaseScratch(workspace);
            }
            workspace = null;
            workspace = device.allocateScratch(DType.F32, Math.toIntExact(floats), 1);
        }
        return workspace;
    }

    private MemorySegment layoutAt(int intOffset) {
        return MemorySegment.ofAddress(layoutBuffer.data().address() + (long) intOffset * Integer.BYTES);
    }

    private void requireStep() {
        if (layout == null) {
            throw new IllegalStateException("no step begun: call beginStep first");
        }
    }

    private void requireRows(Tensor tensor, int cols, String what) {
        if (!device.owns(tensor) || tensor.dtype() != DType.BF16 || tensor.cols() != cols
                || tensor.rows() < layout.tokens()) {
            throw new IllegalArgumentException(what + " " + tensor + ": the cuda attention takes " + layout.tokens()
                    + " x " + cols + " BF16 device tensors");
        }
    }

    /** The kernels' unchecked requirements (KERNELS.md): 16-byte aligned queries, 4-byte aligned output. */
    private void requireQueriesAndOut(Tensor queries, Tensor out) {
        int width = spec.heads() * spec.headDim();
        requireRows(queries, width, "queries");
        requireRows(out, width, "out");
        if (queries.data().address() % 16 != 0 || out.data().address() % 4 != 0) {
            throw new IllegalArgumentException("the attention kernels need 16-byte aligned queries and 4-byte aligned"
                    + " output rows; got " + queries + " at 0x" + Long.toHexString(queries.data().address()));
        }
    }

    @Override
    public long kvCacheBytes() {
        long bytes = 0;
        for (int layer = 0; layer < spec.layers(); layer++) {
            bytes += (keys[layer] == null ? 0 : keys[layer].byteSize())
                    + (values[layer] == null ? 0 : values[layer].byteSize());
        }
        return bytes;
    }

    /** Gives the cache and buffers back to the backend's pool (nothing to do once the backend is closed). */
    @Override
    public void close() {
        if (!device.isOpen()) {
            return;
        }
        for (Tensor[] caches : new Tensor[][] {keys, values}) {
            for (int layer = 0; layer < caches.length; layer++) {
                if (caches[layer] != null) {
                    device.releaseScratch(caches[layer]);
                    caches[layer] = null;
                }
            }
        }
        for (Tensor buffer : new Tensor[] {layoutBuffer, workspace}) {
            if (buffer != null) {
                device.releaseScratch(buffer);
            }
        }
        layoutBuffer = null;
        workspace = null;
    }
}
