package org.yalis.attention.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import org.yalis.engine.attention.Attention;
import org.yalis.engine.attention.AttentionBatch;
import org.yalis.engine.attention.AttentionSpec;
import org.yalis.engine.cpu.ComputePool;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.cpu.Lanes;
import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * Paged attention on the CPU. The cache of each layer is two {@code slots x kvHeads*headDim} f32
 * matrices (keys, values) where slot {@code block * blockSize + offset} holds one token.
 *
 * <p>Prefill and decode run the same per-(token, head) routine: scores over positions 0..p in
 * order, a max-subtracted softmax, and a weighted sum of values in the same order. So a token's
 * output does not depend on the block size, on the batch, or on whether it was computed in a
 * prefill or a decode step: a preempted sequence recomputes to the same values.
 */
final class CpuAttention implements Attention {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final AttentionSpec spec;
    private final ComputePool pool;
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int kvDim;
    private final int groupSize;
    private final ThreadLocal<float[]> scoreBuffers = ThreadLocal.withInitial(() -> new float[256]);
    private AttentionBatch batch;
    /** For each row of the step, the index of its sequence in the batch. */
    private int[] rowSequence = new int[0];

    CpuAttention(AttentionSpec spec, ComputeBackend device, ComputePool pool) {
        this.spec = spec;
        this.pool = pool;
        this.kvDim = spec.kvHeads() * spec.headDim();
        this.groupSize = spec.heads() / spec.kvHeads();
        int slots = Math.multiplyExact(spec.blocks(), spec.blockSize());
        this.keys = new Tensor[spec.layers()];
        this.values = new Tensor[spec.layers()];
        for (int layer = 0; layer < spec.layers(); layer++) {
            keys[layer] = device.allocate(DType.F32, slots, kvDim);
            values[layer] = device.allocate(DType.F32, slots, kvDim);
        }
    }

    @Override
    public void beginStep(AttentionBatch batch) {
        this.batch = batch;
        if (rowSequence.length < batch.tokens()) {
            rowSequence = new int[batch.tokens()];
        }
        for (int s = 0; s < batch.sequences(); s++) {
            for (int i = 0; i < batch.queryLengths()[s]; i++) {
                rowSequence[batch.queryStarts()[s] + i] = s;
            }
        }
    }

    @Override
    public void writeKv(int layer, Tensor newKeys, Tensor newValues) {
        long rowBytes = (long) kvDim * Float.BYTES;
        int capacity = keys[layer].rows();
        for (int row = 0; row < batch.tokens(); row++) {
            int slot = batch.slotMapping()[row];
            if (slot < 0 || slot >= capacity) {
                throw new IllegalArgumentException("KV slot " + slot + " outside the cache of " + capacity);
            }
            MemorySegment.copy(newKeys.data(), row * rowBytes, keys[layer].data(), slot * rowBytes, rowBytes);
            MemorySegment.copy(newValues.data(), row * rowBytes, values[layer].data(), slot * rowBytes, rowBytes);
        }
    }

    @Override
    public void prefill(int layer, Tensor queries, Tensor out) {
        attend(layer, queries, out);
    }

    @Override
    public void decode(int layer, Tensor queries, Tensor out) {
        attend(layer, queries, out);
    }

    private void attend(int layer, Tensor queries, Tensor out) {
        int heads = spec.heads();
        int items = batch.tokens() * heads;
        ComputePool.RangeTask task = (first, end) -> {
            for (int item = first; item < end; item++) {
                attendOne(layer, item / heads, item % heads, queries, out);
            }
        };
        long work = 0;
        for (int s = 0; s < batch.sequences(); s++) {
            work += (long) batch.queryLengths()[s] * batch.contextLengths()[s];
        }
        if (work * heads * spec.headDim() < (1 << 15)) {
            task.run(0, items);
        } else {
            pool.parallelFor(items, task);
        }
    }

    /** One query row and head: softmax(q·K / sqrt(d)) · V over positions 0..p of its sequence. */
    private void attendOne(int layer, int row, int head, Tensor queries, Tensor out) {
        int sequence = rowSequence[row];
        int position = batch.contextLengths()[sequence] - batch.queryLengths()[sequence]
                + (row - batch.queryStarts()[sequence]);
        int[] blockTable = batch.blockTables()[sequence];
        int headDim = spec.headDim();
        int blockSize = spec.blockSize();
        long query = ((long) row * queries.cols() + (long) head * headDim) * Float.BYTES;
        long kvOffset = (long) (head / groupSize) * headDim * Float.BYTES;
        long kvRowBytes = (long) kvDim * Float.BYTES;
        MemorySegment q = queries.data();
        MemorySegment k = keys[layer].data();
        MemorySegment v = values[layer].data();

        float[] scores = scoreBuffers.get();
        if (scores.length < position + 1) {
            scores = new float[Math.max(position + 1, scores.length * 2)];
            scoreBuffers.set(scores);
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j <= position; j++) {
            long slot = (long) blockTable[j / blockSize] * blockSize + j % blockSize;
            float score = dot(q, query, k, slot * kvRowBytes + kvOffset, headDim) * spec.scale();
            scores[j] = score;
            max = Math.max(max, score);
        }
        float sum = softmaxNumerators(scores, position + 1, max);
        long output = ((long) row * out.cols() + (long) head * headDim) * Float.BYTES;
        MemorySegment o = out.data();
        o.asSlice(output, (long) headDim * Float.BYTES).fill((byte) 0);
        for (int j = 0; j <= position; j++) {
            long slot = (long) blockTable[j / blockSize] * blockSize + j % blockSize;
            accumulate(o, output, scores[j], v, slot * kvRowBytes + kvOffset, headDim);
        }
        float inverse = 1f / sum;
        for (int d = 0; d < headDim; d++) {
            o.set(FLOAT, output + d * 4L, o.get(FLOAT, output + d * 4L) * inverse);
        }
    }

    /**
     * {@code scores[j] = exp(scores[j] - max)} for the first {@code count} scores, returning their
     * sum: whole vectors from the start, then the rest, so a position's path depends only on the
     * context length (prefill and decode of a token agree bit for bit).
     */
    private static float softmaxNumerators(float[] scores, int count, float max) {
        int j = 0;
        float sum = 0;
        if (count >= F.length()) {
            FloatVector total = FloatVector.zero(F);
            for (; j + F.length() <= count; j += F.length()) {
                FloatVector weights = FloatVector.fromArray(F, scores, j).sub(max).lanewise(VectorOperators.EXP);
                weights.intoArray(scores, j);
                total = total.add(weights);
            }
            sum = Lanes.sum(total);
        }
        for (; j < count; j++) {
            float weight = (float) Math.exp(scores[j] - max);
            scores[j] = weight;
            sum += weight;
        }
        return sum;
    }

    private static float dot(MemorySegment a, long aOffset, MemorySegment b, long bOffset, int length) {
        int d = 0;
        float sum = 0;
        if (length >= F.length()) {
            FloatVector accumulator = FloatVector.zero(F);
            for (; d + F.length() <= length; d += F.length()) {
                accumulator = FloatVector.fromMemorySegment(F, a, aOffset + d * 4L, LE)
                        .fma(FloatVector.fromMemorySegment(F, b, bOffset + d * 4L, LE), accumulator);
            }
            sum = Lanes.sum(accumulator);
        }
        for (; d < length; d++) {
            sum += a.get(FLOAT, aOffset + d * 4L) * b.get(FLOAT, bOffset + d * 4L);
        }
        return sum;
    }

    /** {@code out += weight * v}. */
    private static void accumulate(MemorySegment out, long outOffset, float weight, MemorySegment v, long vOffset,
                                   int length) {
        int d = 0;
        FloatVector weights = FloatVector.broadcast(F, weight);
        for (; d + F.length() <= length; d += F.length()) {
            FloatVector.fromMemorySegment(F, v, vOffset + d * 4L, LE)
                    .fma(weights, FloatVector.fromMemorySegment(F, out, outOffset + d * 4L, LE))
                    .intoMemorySegment(out, outOffset + d * 4L, LE);
        }
        for (; d < length; d++) {
            out.set(FLOAT, outOffset + d * 4L, out.get(FLOAT, outOffset + d * 4L) + weight * v.get(FLOAT, vOffset + d * 4L));
        }
    }

    @Override
    public long kvCacheBytes() {
        long bytes = 0;
        for (int layer = 0; layer < spec.layers(); layer++) {
            bytes += keys[layer].byteSize() + values[layer].byteSize();
        }
        return bytes;
    }

    @Override
    public void close() {
        // The cache memory belongs to the compute backend's arena and goes when the backend closes.
    }
}
