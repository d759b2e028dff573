package org.yalis.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * {@code out = x · Wᵀ} on the CPU with the Vector API, for f32, bf16 and f16 weights and f32
 * activations.
 *
 * <p>Shape of the work: the output rows are split among threads in units of 4 weight rows. Tokens
 * go in blocks of {@link #TOKEN_BLOCK}; within a block, a unit meets the tokens 4 at a time
 * (16 independent accumulators: register blocking, so prefill is bound by FMA throughput, not by
 * loads) and the remaining tokens one at a time (decode, bound by memory bandwidth).
 *
 * <p>bf16 weights are read as 32-bit pairs: the low element of a pair is {@code pair << 16} and
 * the high one {@code pair & 0xFFFF0000}, two instructions and no shuffle. That yields the even and
 * odd elements of each block of {@code 2 x lanes} as separate vectors, so the activations are first
 * rearranged the same way (evens, then odds, per block). For 4 or more tokens the unit's rows are
 * widened (or, f32, copied) once into a per-thread f32 array in that same layout, which stays in L1
 * while the block's tokens stream past from a heap copy of the activations: C2 compiles vector loads
 * from arrays with int indices into tighter loops than from memory segments (about 1.5x the FMA
 * rate, measured on this kernel). f16 weights are always widened first (in natural order): their
 * conversion is too long to inline into a kernel loop.
 *
 * <p>Every output element is computed with the same sequence of operations whatever path it takes
 * (one accumulator, whole vectors in order, one lane reduction, then the remainder in order;
 * widening to f32 is exact), so a token's result does not depend on which other tokens share the
 * batch: batched greedy decoding equals one-at-a-time decoding exactly.
 */
final class CpuMatmul {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Half as many bits as a float vector: one 16-bit weight per float lane. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class,
            VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int L = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final int TOKEN_BLOCK = 32;
    private static final int ROW_TILE = 4;
    /** Most activations one call copies to the heap (64 MiB); a longer prefill is split into calls by tokens. */
    private static final long MAX_ARRAY_FLOATS = 1 << 24;
    /** Below this many multiply-adds a parallel loop costs more than it saves. */
    private static final long PARALLEL_THRESHOLD = 1 << 15;
    /** Per-thread buffers: [0] rearranged activations (calling thread), [1] a widened weight unit. */
    private static final ThreadLocal<MemorySegment[]> BUFFERS = ThreadLocal.withInitial(() -> new MemorySegment[2]);
    /** Per-thread arrays: [0] the activations' heap copy (calling thread), [1] a widened weight unit. */
    private static final ThreadLocal<float[][]> ARRAYS = ThreadLocal.withInitial(() -> new float[2][]);

    /**
     * The activations and output of one call; fields are read once per kernel and hoisted.
     *
     * @param kVector elements covered by whole vectors (a multiple of {@code 2 x lanes} for pairs)
     * @param xArray  the activations (as {@code x} holds them) on the heap, for blocks of 4 or more
     *                tokens; null when no block has that many
     */
    private record Problem(MemorySegment x, long xRowBytes, MemorySegment out, int outRows, int k, int kVector,
                           float[] xArray) {
    }

    private CpuMatmul() {
    }

    static void multiply(ComputePool pool, Tensor x, Tensor w, Tensor out) {
        int tokens = x.rows();
        int k = x.cols();
        int rows = w.rows();
        if (w.cols() != k || out.rows() != tokens || out.cols() != rows) {
            throw new IllegalArgumentException("matmul shapes: x " + x + ", w " + w + ", out " + out);
        }
        if (x.dtype() != DType.F32 || out.dtype() != DType.F32) {
            throw new IllegalArgumentException("CPU matmul computes on f32 activations, got " + x.dtype());
        }
        if ((long) tokens * k > MAX_ARRAY_FLOATS && tokens > 4) {
            // Each token's outputs depend on its own row alone, so splitting by tokens changes no bit.
            int chunk = Math.max(4, (int) (MAX_ARRAY_FLOATS / k) / TOKEN_BLOCK * TOKEN_BLOCK);
            for (int first = 0; first < tokens; first += chunk) {
                int count = Math.min(chunk, tokens - first);
                multiply(pool, x.rowSlice(first, count), w, out.rowSlice(first, count));
            }
            return;
        }
        MemorySegment activations;
        int kVector;
        if (w.dtype() != DType.BF16) {
            // f32 weights are read as they are; f16 weights are widened to f32 (natural order) first.
            activations = x.data();
            kVector = k - k % L;
        } else {
            kVector = k - k % (2 * L);
            activations = buffer(0, (long) tokens * k * 4);
            deinterleaveAll(pool, x, activations, kVector);
        }
        float[] xArray = null;
        if (tokens >= 4) {
            xArray = array(0, tokens * k);
            MemorySegment.copy(activations, FLOAT, 0, xArray, 0, tokens * k);
        }
        Problem p = new Problem(activations, (long) k * 4, out.data(), rows, k, kVector, xArray);
        int units = (rows + ROW_TILE - 1) / ROW_TILE;
        ComputePool.RangeTask task = (first, end) -> multiplyUnits(p, w, tokens, first, end);
        if ((long) tokens * rows * k < PARALLEL_THRESHOLD) {
            task.run(0, units);
        } else {
            pool.parallelFor(units, task);
        }
    }

    private static float[] array(int which, int floats) {
        float[][] arrays = ARRAYS.get();
        if (arrays[which] == null || arrays[which].length < floats) {
            int grown = arrays[which] == null ? floats : (int) Math.min(MAX_ARRAY_FLOATS, 2L * arrays[which].length);
            arrays[which] = new float[Math.max(floats, grown)];
        }
        return arrays[which];
    }

    private static MemorySegment buffer(int which, long bytes) {
        MemorySegment[] buffers = BUFFERS.get();
        if (buffers[which] == null || buffers[which].byteSize() < bytes) {
            buffers[which] = Arena.ofAuto().allocate(Math.max(bytes, buffers[which] == null ? 0
                    : buffers[which].byteSize() * 2), 64);
        }
        return buffers[which];
    }

    private static void multiplyUnits(Problem p, Tensor w, int tokens, int firstUnit, int endUnit) {
        MemorySegment weights = w.data();
        DType type = w.dtype();
        long rowBytes = w.rowBytes();
        for (int blockStart = 0; blockStart < tokens; blockStart += TOKEN_BLOCK) {
            int blockEnd = Math.min(tokens, blockStart + TOKEN_BLOCK);
            // 4 or more tokens: each unit is widened into an array and meets the tokens 4 at a time.
            boolean arrays = p.xArray != null && blockEnd - blockStart >= 4;
            // f16 is always widened first (natural order): its conversion is too long for a kernel loop.
            boolean widen = type == DType.F16;
            for (int unit = firstUnit; unit < endUnit; unit++) {
                int row = unit * ROW_TILE;
                if (row + ROW_TILE > p.outRows) {
                    for (int r = row; r < p.outRows; r++) {
                        MemorySegment single = weights;
                        long singleStart = r * rowBytes;
                        if (type == DType.F16) {
                            single = buffer(1, (long) p.k * 4);
                            widenF16Row(weights, singleStart, single, 0, p.k);
                            singleStart = 0;
                        }
                        for (int t = blockStart; t < blockEnd; t++) {
                            if (type == DType.BF16) {
                                bf16Rows1Token1(p, weights, singleStart, r, t);
                            } else {
                                f32Rows1Token1(p, single, singleStart, r, t);
                            }
                        }
                    }
                    continue;
                }
                if (arrays) {
                    float[] tile = widenUnit(weights, row * rowBytes, rowBytes, type, p.k, p.kVector);
                    int t = blockStart;
                    for (; t + 4 <= blockEnd; t += 4) {
                        rows4Tokens4(p, tile, row, t);
                    }
                    for (; t < blockEnd; t++) {
                        rows4Token1(p, tile, row, t);
                    }
                    continue;
                }
                MemorySegment tile = weights;
                long tileStart = row * rowBytes;
                long tileRowBytes = rowBytes;
                DType tileType = type;
                if (widen) {
                    tile = widenUnitToSegment(weights, tileStart, rowBytes, p.k);
                    tileStart = 0;
                    tileRowBytes = (long) p.k * 4;
                    tileType = DType.F32;
                }
                for (int t = blockStart; t < blockEnd; t++) {
                    switch (tileType) {
                        case F32 -> f32Rows4Token1(p, tile, tileStart, tileRowBytes, row, t);
                        default -> bf16Rows4Token1(p, tile, tileStart, tileRowBytes, row, t);
                    }
                }
            }
        }
    }

    /**
     * A unit of 4 weight rows as f32 in this thread's array, in the layout the activations have: bf16 rows
     * widened in the pair layout (per block: the low halves of the pairs, then the high halves; elements
     * past {@code kVector} in natural order), f16 rows widened and f32 rows copied in natural order.
     */
    private static float[] widenUnit(MemorySegment w, long start, long rowBytes, DType type, int k, int kVector) {
        float[] unit = array(1, ROW_TILE * k);
        for (int r = 0; r < ROW_TILE; r++) {
            long source = start + r * rowBytes;
            int destination = r * k;
            switch (type) {
                case BF16 -> {
                    for (int i = 0; i < kVector; i += 2 * L) {
                        IntVector pair = IntVector.fromMemorySegment(I, w, source + i * 2L, LE);
                        bf16Low(pair).intoArray(unit, destination + i);
                        bf16High(pair).intoArray(unit, destination + i + L);
                    }
                    for (int i = kVector; i < k; i++) {
                        unit[destination + i] = scalarWeight(w, source, type, i);
                    }
                }
                case F16 -> {
                    int kWhole = k - k % L;
                    for (int i = 0; i < kWhole; i += L) {
                        halfToFloat(halves(w, source + i * 2L)).intoArray(unit, destination + i);
                    }
                    for (int i = kWhole; i < k; i++) {
                        unit[destination + i] = scalarWeight(w, source, type, i);
                    }
                }
                case F32 -> MemorySegment.copy(w, FLOAT, source, unit, destination, k);
                case I32, Q8_0 -> throw new IllegalArgumentException("integer weights");
            }
        }
        return unit;
    }

    /** A unit of 4 f16 rows widened to f32 (natural order) into this thread's buffer, for the one-token kernels. */
    private static MemorySegment widenUnitToSegment(MemorySegment w, long start, long rowBytes, int k) {
        MemorySegment unit = buffer(1, (long) ROW_TILE * k * 4);
        for (int r = 0; r < ROW_TILE; r++) {
            widenF16Row(w, start + r * rowBytes, unit, (long) r * k * 4, k);
        }
        return unit;
    }

    /** {@code L} f16 values as 16-bit patterns in int lanes. */
    private static IntVector halves(MemorySegment w, long offset) {
        return ((IntVector) ShortVector.fromMemorySegment(S, w, offset, LE).convertShape(VectorOperators.S2I, I, 0))
                .and(0xFFFF);
    }

    /** f16 to f32 in natural order, {@code L} at a time (widened to int lanes, then rebiased). */
    private static void widenF16Row(MemorySegment w, long source, MemorySegment unit, long destination, int k) {
        int kVector = k - k % L;
        for (int i = 0; i < kVector; i += L) {
            halfToFloat(halves(w, source + i * 2L)).intoMemorySegment(unit, destination + i * 4L, LE);
        }
        for (int i = kVector; i < k; i++) {
            unit.set(FLOAT, destination + i * 4L, Float.float16ToFloat(w.get(SHORT, source + i * 2L)));
        }
    }

    /**
     * IEEE half to float on 16-bit values held in int lanes: shifting the exponent and mantissa
     * into float position and scaling by 2^112 rebias normals and subnormals alike; infinities and
     * NaNs (exponent 31) get the float's all-ones exponent; the sign is put back last.
     */
    private static FloatVector halfToFloat(IntVector half) {
        IntVector magnitude = half.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
        IntVector bits = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> infOrNan = half.and(0x7C00).eq(0x7C00);
        bits = bits.blend(magnitude.or(0x7F800000), infOrNan);
        return bits.or(half.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    private static float scalarWeight(MemorySegment w, long rowStart, DType type, int k) {
        return switch (type) {
            case F32 -> w.get(FLOAT, rowStart + k * 4L);
            case BF16 -> Float.intBitsToFloat(w.get(SHORT, rowStart + k * 2L) << 16);
            case F16 -> Float.float16ToFloat(w.get(SHORT, rowStart + k * 2L));
            case I32, Q8_0 -> throw new IllegalArgumentException("integer weights");
        };
    }

    // ---------------------------------------------------------------- f32 weights (and widened units)

    /** 4 rows x 4 tokens: 16 accumulators, on a widened unit and the activations' heap copy. */
    private static void rows4Tokens4(Problem p, float[] w, int row, int token) {
        float[] x = p.xArray;
        int k = p.k;
        int x0 = token * k;
        int w1 = k, w2 = 2 * k, w3 = 3 * k;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int i = 0; i < p.kVector; i += L) {
            int xo = x0 + i;
            FloatVector t0 = FloatVector.fromArray(F, x, xo);
            FloatVector t1 = FloatVector.fromArray(F, x, xo + k);
            FloatVector t2 = FloatVector.fromArray(F, x, xo + 2 * k);
            FloatVector t3 = FloatVector.fromArray(F, x, xo + 3 * k);
            FloatVector r = FloatVector.fromArray(F, w, i);
            a00 = r.fma(t0, a00); a01 = r.fma(t1, a01); a02 = r.fma(t2, a02); a03 = r.fma(t3, a03);
            r = FloatVector.fromArray(F, w, w1 + i);
            a10 = r.fma(t0, a10); a11 = r.fma(t1, a11); a12 = r.fma(t2, a12); a13 = r.fma(t3, a13);
            r = FloatVector.fromArray(F, w, w2 + i);
            a20 = r.fma(t0, a20); a21 = r.fma(t1, a21); a22 = r.fma(t2, a22); a23 = r.fma(t3, a23);
            r = FloatVector.fromArray(F, w, w3 + i);
            a30 = r.fma(t0, a30); a31 = r.fma(t1, a31); a32 = r.fma(t2, a32); a33 = r.fma(t3, a33);
        }
        store(p, w, 0, row, token, a00);
        store(p, w, 0, row, token + 1, a01);
        store(p, w, 0, row, token + 2, a02);
        store(p, w, 0, row, token + 3, a03);
        store(p, w, w1, row + 1, token, a10);
        store(p, w, w1, row + 1, token + 1, a11);
        store(p, w, w1, row + 1, token + 2, a12);
        store(p, w, w1, row + 1, token + 3, a13);
        store(p, w, w2, row + 2, token, a20);
        store(p, w, w2, row + 2, token + 1, a21);
        store(p, w, w2, row + 2, token + 2, a22);
        store(p, w, w2, row + 2, token + 3, a23);
        store(p, w, w3, row + 3, token, a30);
        store(p, w, w3, row + 3, token + 1, a31);
        store(p, w, w3, row + 3, token + 2, a32);
        store(p, w, w3, row + 3, token + 3, a33);
    }

    /** 4 rows x 1 token on a widened unit: a block's last tokens that do not fill 4. */
    private static void rows4Token1(Problem p, float[] w, int row, int token) {
        float[] x = p.xArray;
        int k = p.k;
        int x0 = token * k;
        int w1 = k, w2 = 2 * k, w3 = 3 * k;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < p.kVector; i += L) {
            FloatVector t = FloatVector.fromArray(F, x, x0 + i);
            a0 = FloatVector.fromArray(F, w, i).fma(t, a0);
            a1 = FloatVector.fromArray(F, w, w1 + i).fma(t, a1);
            a2 = FloatVector.fromArray(F, w, w2 + i).fma(t, a2);
            a3 = FloatVector.fromArray(F, w, w3 + i).fma(t, a3);
        }
        store(p, w, 0, row, token, a0);
        store(p, w, w1, row + 1, token, a1);
        store(p, w, w2, row + 2, token, a2);
        store(p, w, w3, row + 3, token, a3);
    }

    private static void f32Rows4Token1(Problem p, MemorySegment w, long w0, long rb, int row, int token) {
        MemorySegment x = p.x;
        long x0 = token * p.xRowBytes;
        long w1 = w0 + rb, w2 = w0 + 2 * rb, w3 = w0 + 3 * rb;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < p.kVector; k += L) {
            long step = k * 4L;
            FloatVector t = FloatVector.fromMemorySegment(F, x, x0 + step, LE);
            a0 = FloatVector.fromMemorySegment(F, w, w0 + step, LE).fma(t, a0);
            a1 = FloatVector.fromMemorySegment(F, w, w1 + step, LE).fma(t, a1);
            a2 = FloatVector.fromMemorySegment(F, w, w2 + step, LE).fma(t, a2);
            a3 = FloatVector.fromMemorySegment(F, w, w3 + step, LE).fma(t, a3);
        }
        store(p, w, w0, DType.F32, row, token, a0);
        store(p, w, w1, DType.F32, row + 1, token, a1);
        store(p, w, w2, DType.F32, row + 2, token, a2);
        store(p, w, w3, DType.F32, row + 3, token, a3);
    }

    private static void f32Rows1Token1(Problem p, MemorySegment w, long w0, int row, int token) {
        long x0 = token * p.xRowBytes;
        FloatVector a = FloatVector.zero(F);
        for (int k = 0; k < p.kVector; k += L) {
            FloatVector t = FloatVector.fromMemorySegment(F, p.x, x0 + k * 4L, LE);
            a = FloatVector.fromMemorySegment(F, w, w0 + k * 4L, LE).fma(t, a);
        }
        store(p, w, w0, DType.F32, row, token, a);
    }

    // ---------------------------------------------------------------- bf16 weights, read as pairs

    private static FloatVector bf16Low(IntVector pair) {
        return pair.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector bf16High(IntVector pair) {
        return pair.and(0xFFFF0000).reinterpretAsFloats();
    }

    private static void bf16Rows4Token1(Problem p, MemorySegment w, long w0, long rb, int row, int token) {
        MemorySegment x = p.x;
        long x0 = token * p.xRowBytes;
        long odd = L * 4L;
        long w1 = w0 + rb, w2 = w0 + 2 * rb, w3 = w0 + 3 * rb;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < p.kVector; k += 2 * L) {
            long step = k * 2L;
            FloatVector e = FloatVector.fromMemorySegment(F, x, x0 + k * 4L, LE);
            FloatVector o = FloatVector.fromMemorySegment(F, x, x0 + k * 4L + odd, LE);
            IntVector p0 = IntVector.fromMemorySegment(I, w, w0 + step, LE);
            IntVector p1 = IntVector.fromMemorySegment(I, w, w1 + step, LE);
            IntVector p2 = IntVector.fromMemorySegment(I, w, w2 + step, LE);
            IntVector p3 = IntVector.fromMemorySegment(I, w, w3 + step, LE);
            a0 = bf16High(p0).fma(o, bf16Low(p0).fma(e, a0));
            a1 = bf16High(p1).fma(o, bf16Low(p1).fma(e, a1));
            a2 = bf16High(p2).fma(o, bf16Low(p2).fma(e, a2));
            a3 = bf16High(p3).fma(o, bf16Low(p3).fma(e, a3));
        }
        store(p, w, w0, DType.BF16, row, token, a0);
        store(p, w, w1, DType.BF16, row + 1, token, a1);
        store(p, w, w2, DType.BF16, row + 2, token, a2);
        store(p, w, w3, DType.BF16, row + 3, token, a3);
    }

    private static void bf16Rows1Token1(Problem p, MemorySegment w, long w0, int row, int token) {
        long x0 = token * p.xRowBytes;
        long odd = L * 4L;
        FloatVector a = FloatVector.zero(F);
        for (int k = 0; k < p.kVector; k += 2 * L) {
            FloatVector e = FloatVector.fromMemorySegment(F, p.x, x0 + k * 4L, LE);
            FloatVector o = FloatVector.fromMemorySegment(F, p.x, x0 + k * 4L + odd, LE);
            IntVector pair = IntVector.fromMemorySegment(I, w, w0 + k * 2L, LE);
            a = bf16High(pair).fma(o, bf16Low(pair).fma(e, a));
        }
        store(p, w, w0, DType.BF16, row, token, a);
    }

    // ---------------------------------------------------------------- shared epilogue

    /** {@link #store(Problem, MemorySegment, long, DType, int, int, FloatVector)} for a widened unit's row at {@code rowStart}. */
    private static void store(Problem p, float[] w, int rowStart, int row, int token, FloatVector accumulator) {
        float sum = Lanes.sum(accumulator);
        int x0 = token * p.k;
        for (int k = p.kVector; k < p.k; k++) {
            sum += w[rowStart + k] * p.xArray[x0 + k];
        }
        p.out.set(FLOAT, ((long) token * p.outRows + row) * 4L, sum);
    }

    /** Reduces one accumulator, adds the elements past the last whole vector in order, writes the sum. */
    private static void store(Problem p, MemorySegment w, long rowStart, DType type, int row, int token,
                              FloatVector accumulator) {
        float sum = Lanes.sum(accumulator);
        long x0 = token * p.xRowBytes;
        for (int k = p.kVector; k < p.k; k++) {
            sum += scalarWeight(w, rowStart, type, k) * p.x.get(FLOAT, x0 + k * 4L);
        }
        p.out.set(FLOAT, ((long) token * p.outRows + row) * 4L, sum);
    }

    // ---------------------------------------------------------------- activation layout for pairs

    /**
     * Rewrites each token's activations so every block of {@code 2 x lanes} holds its even elements
     * then its odd elements, matching the low and high halves of the weight pairs. Elements past
     * {@code kVector} stay in place for the scalar remainder.
     */
    private static void deinterleaveAll(ComputePool pool, Tensor x, MemorySegment destination, int kVector) {
        int k = x.cols();
        MemorySegment source = x.data();
        ComputePool.RangeTask task = (first, end) -> {
            for (int t = first; t < end; t++) {
                long row = (long) t * k * 4;
                for (int block = 0; block < kVector; block += 2 * L) {
                    for (int j = 0; j < L; j++) {
                        long from = row + (block + 2L * j) * 4;
                        destination.set(FLOAT, row + (block + (long) j) * 4, source.get(FLOAT, from));
                        destination.set(FLOAT, row + (block + (long) L + j) * 4, source.get(FLOAT, from + 4));
                    }
                }
                MemorySegment.copy(source, row + kVector * 4L, destination, row + kVector * 4L, (k - kVector) * 4L);
            }
        };
        if ((long) x.rows() * k < PARALLEL_THRESHOLD) {
            task.run(0, x.rows());
        } else {
            pool.parallelFor(x.rows(), task);
        }
    }
}
