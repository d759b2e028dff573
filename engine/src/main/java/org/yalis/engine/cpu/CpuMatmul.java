package org.yalis.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.tensor.Tensor;

/**
 * {@code out = x · Wᵀ} on the CPU with the Vector API, for f32, bf16 and f16 weights and f32
 * activations.
 *
 * <p>Shape of the work: weights are streamed once per call in tiles of 4 rows; each tile meets the
 * activations in tiles of 4 tokens (16 independent accumulators: register blocking, so prefill is
 * bound by FMA throughput rather than loads) or one token at a time (decode, bound by memory
 * bandwidth). Tokens are processed in blocks of {@link #TOKEN_BLOCK} so a weight tile stays in L1
 * while a block of activations is reused from L2.
 *
 * <p>Half-precision weights are read as 32-bit pairs: for bf16 the low element of a pair is
 * {@code pair << 16} and the high one {@code pair & 0xFFFF0000}, two instructions and no shuffle.
 * That yields the even and odd elements of a block as separate vectors, so the activations are
 * first rearranged the same way (evens then odds in each block of {@code 2 x lanes}).
 *
 * <p>Every output element is computed with the same sequence of operations whatever tile it falls
 * in (one accumulator, blocks in order, one lane reduction, the remainder in order), so a token's
 * result does not depend on which other tokens share the batch: batched greedy decoding equals
 * one-at-a-time decoding exactly.
 */
final class CpuMatmul {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final int TOKEN_BLOCK = 64;
    private static final int ROW_TILE = 4;
    /** Lane rotations for {@link #sumLanes}, built once: constants the JIT keeps in registers. */
    private static final VectorShuffle<Float> FOLD_HALF = VectorShuffle.iota(F, L / 2, 1, true);
    private static final VectorShuffle<Float> FOLD_QUARTER = VectorShuffle.iota(F, Math.max(1, L / 4), 1, true);
    private static final VectorShuffle<Float> FOLD_EIGHTH = VectorShuffle.iota(F, Math.max(1, L / 8), 1, true);
    /** Below this many multiply-adds a parallel loop costs more than it saves. */
    private static final long PARALLEL_THRESHOLD = 1 << 15;

    /** The operands of one call; fields are read once per kernel and hoisted out of its loop. */
    private record Problem(MemorySegment w, long wRowBytes, DType wType, MemorySegment x, long xRowBytes,
                           MemorySegment out, int outRows, int k, int kVector) {
    }

    private CpuMatmul() {
    }

    static void multiply(ComputePool pool, Scratch scratch, Tensor x, Tensor w, Tensor out) {
        int tokens = x.rows();
        int k = x.cols();
        int rows = w.rows();
        if (w.cols() != k || out.rows() != tokens || out.cols() != rows) {
            throw new IllegalArgumentException("matmul shapes: x " + x + ", w " + w + ", out " + out);
        }
        if (x.dtype() != DType.F32 || out.dtype() != DType.F32) {
            throw new IllegalArgumentException("CPU matmul computes on f32 activations, got " + x.dtype());
        }
        MemorySegment activations = x.data();
        int kVector;
        if (w.dtype() == DType.F32) {
            kVector = k - k % L;
        } else {
            kVector = k - k % (2 * L);
            activations = scratch.floats((long) tokens * k);
            MemorySegment pairs = activations;
            deinterleaveAll(pool, x, pairs, kVector);
        }
        Problem p = new Problem(w.data(), w.rowBytes(), w.dtype(), activations, (long) k * 4, out.data(), rows, k,
                kVector);
        int units = (rows + ROW_TILE - 1) / ROW_TILE;
        ComputePool.RangeTask task = (first, end) -> multiplyUnits(p, tokens, first, end);
        if ((long) tokens * rows * k < PARALLEL_THRESHOLD) {
            task.run(0, units);
        } else {
            pool.parallelFor(units, task);
        }
    }

    private static void multiplyUnits(Problem p, int tokens, int firstUnit, int endUnit) {
        for (int blockStart = 0; blockStart < tokens; blockStart += TOKEN_BLOCK) {
            int blockEnd = Math.min(tokens, blockStart + TOKEN_BLOCK);
            for (int unit = firstUnit; unit < endUnit; unit++) {
                int row = unit * ROW_TILE;
                if (row + ROW_TILE <= p.outRows) {
                    int t = blockStart;
                    for (; t + 4 <= blockEnd; t += 4) {
                        switch (p.wType) {
                            case F32 -> f32Rows4Tokens4(p, row, t);
                            case BF16 -> bf16Rows4Tokens4(p, row, t);
                            case F16 -> f16Rows4Tokens4(p, row, t);
                            default -> throw new IllegalStateException(p.wType.toString());
                        }
                    }
                    for (; t < blockEnd; t++) {
                        switch (p.wType) {
                            case F32 -> f32Rows4Token1(p, row, t);
                            case BF16 -> bf16Rows4Token1(p, row, t);
                            case F16 -> f16Rows4Token1(p, row, t);
                            default -> throw new IllegalStateException(p.wType.toString());
                        }
                    }
                } else {
                    for (int r = row; r < p.outRows; r++) {
                        for (int t = blockStart; t < blockEnd; t++) {
                            switch (p.wType) {
                                case F32 -> f32Row1Token1(p, r, t);
                                case BF16 -> bf16Row1Token1(p, r, t);
                                case F16 -> f16Row1Token1(p, r, t);
                                default -> throw new IllegalStateException(p.wType.toString());
                            }
                        }
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- f32 weights

    private static void f32Rows4Tokens4(Problem p, int row, int token) {
        MemorySegment w = p.w;
        MemorySegment x = p.x;
        long rb = p.wRowBytes;
        long xb = p.xRowBytes;
        long w0 = row * rb;
        long x0 = token * xb;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int k = 0; k < p.kVector; k += L) {
            long wo = w0 + k * 4L;
            long xo = x0 + k * 4L;
            FloatVector t0 = FloatVector.fromMemorySegment(F, x, xo, LE);
            FloatVector t1 = FloatVector.fromMemorySegment(F, x, xo + xb, LE);
            FloatVector t2 = FloatVector.fromMemorySegment(F, x, xo + 2 * xb, LE);
            FloatVector t3 = FloatVector.fromMemorySegment(F, x, xo + 3 * xb, LE);
            FloatVector r = FloatVector.fromMemorySegment(F, w, wo, LE);
            a00 = r.fma(t0, a00); a01 = r.fma(t1, a01); a02 = r.fma(t2, a02); a03 = r.fma(t3, a03);
            r = FloatVector.fromMemorySegment(F, w, wo + rb, LE);
            a10 = r.fma(t0, a10); a11 = r.fma(t1, a11); a12 = r.fma(t2, a12); a13 = r.fma(t3, a13);
            r = FloatVector.fromMemorySegment(F, w, wo + 2 * rb, LE);
            a20 = r.fma(t0, a20); a21 = r.fma(t1, a21); a22 = r.fma(t2, a22); a23 = r.fma(t3, a23);
            r = FloatVector.fromMemorySegment(F, w, wo + 3 * rb, LE);
            a30 = r.fma(t0, a30); a31 = r.fma(t1, a31); a32 = r.fma(t2, a32); a33 = r.fma(t3, a33);
        }
        store4x4(p, row, token, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
    }

    private static void f32Rows4Token1(Problem p, int row, int token) {
        MemorySegment w = p.w;
        MemorySegment x = p.x;
        long rb = p.wRowBytes;
        long w0 = row * rb;
        long x0 = token * p.xRowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < p.kVector; k += L) {
            long wo = w0 + k * 4L;
            FloatVector t = FloatVector.fromMemorySegment(F, x, x0 + k * 4L, LE);
            a0 = FloatVector.fromMemorySegment(F, w, wo, LE).fma(t, a0);
            a1 = FloatVector.fromMemorySegment(F, w, wo + rb, LE).fma(t, a1);
            a2 = FloatVector.fromMemorySegment(F, w, wo + 2 * rb, LE).fma(t, a2);
            a3 = FloatVector.fromMemorySegment(F, w, wo + 3 * rb, LE).fma(t, a3);
        }
        store(p, row, token, a0);
        store(p, row + 1, token, a1);
        store(p, row + 2, token, a2);
        store(p, row + 3, token, a3);
    }

    private static void f32Row1Token1(Problem p, int row, int token) {
        long w0 = row * p.wRowBytes;
        long x0 = token * p.xRowBytes;
        FloatVector a = FloatVector.zero(F);
        for (int k = 0; k < p.kVector; k += L) {
            FloatVector t = FloatVector.fromMemorySegment(F, p.x, x0 + k * 4L, LE);
            a = FloatVector.fromMemorySegment(F, p.w, w0 + k * 4L, LE).fma(t, a);
        }
        store(p, row, token, a);
    }

    // ---------------------------------------------------------------- bf16 weights

    private static FloatVector bf16Low(IntVector pair) {
        return pair.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector bf16High(IntVector pair) {
        return pair.and(0xFFFF0000).reinterpretAsFloats();
    }

    private static void bf16Rows4Tokens4(Problem p, int row, int token) {
        MemorySegment w = p.w;
        MemorySegment x = p.x;
        long rb = p.wRowBytes;
        long xb = p.xRowBytes;
        long w0 = row * rb;
        long x0 = token * xb;
        long odd = L * 4L;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int k = 0; k < p.kVector; k += 2 * L) {
            long wo = w0 + k * 2L;
            long xo = x0 + k * 4L;
            FloatVector e0 = FloatVector.fromMemorySegment(F, x, xo, LE);
            FloatVector o0 = FloatVector.fromMemorySegment(F, x, xo + odd, LE);
            FloatVector e1 = FloatVector.fromMemorySegment(F, x, xo + xb, LE);
            FloatVector o1 = FloatVector.fromMemorySegment(F, x, xo + xb + odd, LE);
            FloatVector e2 = FloatVector.fromMemorySegment(F, x, xo + 2 * xb, LE);
            FloatVector o2 = FloatVector.fromMemorySegment(F, x, xo + 2 * xb + odd, LE);
            FloatVector e3 = FloatVector.fromMemorySegment(F, x, xo + 3 * xb, LE);
            FloatVector o3 = FloatVector.fromMemorySegment(F, x, xo + 3 * xb + odd, LE);
            IntVector pair = IntVector.fromMemorySegment(I, w, wo, LE);
            FloatVector lo = bf16Low(pair);
            FloatVector hi = bf16High(pair);
            a00 = hi.fma(o0, lo.fma(e0, a00)); a01 = hi.fma(o1, lo.fma(e1, a01));
            a02 = hi.fma(o2, lo.fma(e2, a02)); a03 = hi.fma(o3, lo.fma(e3, a03));
            pair = IntVector.fromMemorySegment(I, w, wo + rb, LE);
            lo = bf16Low(pair);
            hi = bf16High(pair);
            a10 = hi.fma(o0, lo.fma(e0, a10)); a11 = hi.fma(o1, lo.fma(e1, a11));
            a12 = hi.fma(o2, lo.fma(e2, a12)); a13 = hi.fma(o3, lo.fma(e3, a13));
            pair = IntVector.fromMemorySegment(I, w, wo + 2 * rb, LE);
            lo = bf16Low(pair);
            hi = bf16High(pair);
            a20 = hi.fma(o0, lo.fma(e0, a20)); a21 = hi.fma(o1, lo.fma(e1, a21));
            a22 = hi.fma(o2, lo.fma(e2, a22)); a23 = hi.fma(o3, lo.fma(e3, a23));
            pair = IntVector.fromMemorySegment(I, w, wo + 3 * rb, LE);
            lo = bf16Low(pair);
            hi = bf16High(pair);
            a30 = hi.fma(o0, lo.fma(e0, a30)); a31 = hi.fma(o1, lo.fma(e1, a31));
            a32 = hi.fma(o2, lo.fma(e2, a32)); a33 = hi.fma(o3, lo.fma(e3, a33));
        }
        store4x4(p, row, token, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
    }

    private static void bf16Rows4Token1(Problem p, int row, int token) {
        MemorySegment w = p.w;
        MemorySegment x = p.x;
        long rb = p.wRowBytes;
        long w0 = row * rb;
        long x0 = token * p.xRowBytes;
        long odd = L * 4L;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < p.kVector; k += 2 * L) {
            long wo = w0 + k * 2L;
            FloatVector e = FloatVector.fromMemorySegment(F, x, x0 + k * 4L, LE);
            FloatVector o = FloatVector.fromMemorySegment(F, x, x0 + k * 4L + odd, LE);
            IntVector p0 = IntVector.fromMemorySegment(I, w, wo, LE);
            IntVector p1 = IntVector.fromMemorySegment(I, w, wo + rb, LE);
            IntVector p2 = IntVector.fromMemorySegment(I, w, wo + 2 * rb, LE);
            IntVector p3 = IntVector.fromMemorySegment(I, w, wo + 3 * rb, LE);
            a0 = bf16High(p0).fma(o, bf16Low(p0).fma(e, a0));
            a1 = bf16High(p1).fma(o, bf16Low(p1).fma(e, a1));
            a2 = bf16High(p2).fma(o, bf16Low(p2).fma(e, a2));
            a3 = bf16High(p3).fma(o, bf16Low(p3).fma(e, a3));
        }
        store(p, row, token, a0);
        store(p, row + 1, token, a1);
        store(p, row + 2, token, a2);
        store(p, row + 3, token, a3);
    }

    private static void bf16Row1Token1(Problem p, int row, int token) {
        long w0 = row * p.wRowBytes;
        long x0 = token * p.xRowBytes;
        long odd = L * 4L;
        FloatVector a = FloatVector.zero(F);
        for (int k = 0; k < p.kVector; k += 2 * L) {
            FloatVector e = FloatVector.fromMemorySegment(F, p.x, x0 + k * 4L, LE);
            FloatVector o = FloatVector.fromMemorySegment(F, p.x, x0 + k * 4L + odd, LE);
            IntVector pair = IntVector.fromMemorySegment(I, p.w, w0 + k * 2L, LE);
            a = bf16High(pair).fma(o, bf16Low(pair).fma(e, a));
        }
        store(p, row, token, a);
    }

    // ---------------------------------------------------------------- f16 weights

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

    private static FloatVector f16Low(IntVector pair) {
        return halfToFloat(pair.and(0xFFFF));
    }

    private static FloatVector f16High(IntVector pair) {
        return halfToFloat(pair.lanewise(VectorOperators.LSHR, 16));
    }

    private static void f16Rows4Tokens4(Problem p, int row, int token) {
        MemorySegment w = p.w;
        MemorySegment x = p.x;
        long rb = p.wRowBytes;
        long xb = p.xRowBytes;
        long w0 = row * rb;
        long x0 = token * xb;
        long odd = L * 4L;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int k = 0; k < p.kVector; k += 2 * L) {
            long wo = w0 + k * 2L;
            long xo = x0 + k * 4L;
            FloatVector e0 = FloatVector.fromMemorySegment(F, x, xo, LE);
            FloatVector o0 = FloatVector.fromMemorySegment(F, x, xo + odd, LE);
            FloatVector e1 = FloatVector.fromMemorySegment(F, x, xo + xb, LE);
            FloatVector o1 = FloatVector.fromMemorySegment(F, x, xo + xb + odd, LE);
            FloatVector e2 = FloatVector.fromMemorySegment(F, x, xo + 2 * xb, LE);
            FloatVector o2 = FloatVector.fromMemorySegment(F, x, xo + 2 * xb + odd, LE);
            FloatVector e3 = FloatVector.fromMemorySegment(F, x, xo + 3 * xb, LE);
            FloatVector o3 = FloatVector.fromMemorySegment(F, x, xo + 3 * xb + odd, LE);
            IntVector pair = IntVector.fromMemorySegment(I, w, wo, LE);
            FloatVector lo = f16Low(pair);
            FloatVector hi = f16High(pair);
            a00 = hi.fma(o0, lo.fma(e0, a00)); a01 = hi.fma(o1, lo.fma(e1, a01));
            a02 = hi.fma(o2, lo.fma(e2, a02)); a03 = hi.fma(o3, lo.fma(e3, a03));
            pair = IntVector.fromMemorySegment(I, w, wo + rb, LE);
            lo = f16Low(pair);
            hi = f16High(pair);
            a10 = hi.fma(o0, lo.fma(e0, a10)); a11 = hi.fma(o1, lo.fma(e1, a11));
            a12 = hi.fma(o2, lo.fma(e2, a12)); a13 = hi.fma(o3, lo.fma(e3, a13));
            pair = IntVector.fromMemorySegment(I, w, wo + 2 * rb, LE);
            lo = f16Low(pair);
            hi = f16High(pair);
            a20 = hi.fma(o0, lo.fma(e0, a20)); a21 = hi.fma(o1, lo.fma(e1, a21));
            a22 = hi.fma(o2, lo.fma(e2, a22)); a23 = hi.fma(o3, lo.fma(e3, a23));
            pair = IntVector.fromMemorySegment(I, w, wo + 3 * rb, LE);
            lo = f16Low(pair);
            hi = f16High(pair);
            a30 = hi.fma(o0, lo.fma(e0, a30)); a31 = hi.fma(o1, lo.fma(e1, a31));
            a32 = hi.fma(o2, lo.fma(e2, a32)); a33 = hi.fma(o3, lo.fma(e3, a33));
        }
        store4x4(p, row, token, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
    }

    private static void f16Rows4Token1(Problem p, int row, int token) {
        MemorySegment w = p.w;
        MemorySegment x = p.x;
        long rb = p.wRowBytes;
        long w0 = row * rb;
        long x0 = token * p.xRowBytes;
        long odd = L * 4L;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < p.kVector; k += 2 * L) {
            long wo = w0 + k * 2L;
            FloatVector e = FloatVector.fromMemorySegment(F, x, x0 + k * 4L, LE);
            FloatVector o = FloatVector.fromMemorySegment(F, x, x0 + k * 4L + odd, LE);
            IntVector p0 = IntVector.fromMemorySegment(I, w, wo, LE);
            IntVector p1 = IntVector.fromMemorySegment(I, w, wo + rb, LE);
            IntVector p2 = IntVector.fromMemorySegment(I, w, wo + 2 * rb, LE);
            IntVector p3 = IntVector.fromMemorySegment(I, w, wo + 3 * rb, LE);
            a0 = f16High(p0).fma(o, f16Low(p0).fma(e, a0));
            a1 = f16High(p1).fma(o, f16Low(p1).fma(e, a1));
            a2 = f16High(p2).fma(o, f16Low(p2).fma(e, a2));
            a3 = f16High(p3).fma(o, f16Low(p3).fma(e, a3));
        }
        store(p, row, token, a0);
        store(p, row + 1, token, a1);
        store(p, row + 2, token, a2);
        store(p, row + 3, token, a3);
    }

    private static void f16Row1Token1(Problem p, int row, int token) {
        long w0 = row * p.wRowBytes;
        long x0 = token * p.xRowBytes;
        long odd = L * 4L;
        FloatVector a = FloatVector.zero(F);
        for (int k = 0; k < p.kVector; k += 2 * L) {
            FloatVector e = FloatVector.fromMemorySegment(F, p.x, x0 + k * 4L, LE);
            FloatVector o = FloatVector.fromMemorySegment(F, p.x, x0 + k * 4L + odd, LE);
            IntVector pair = IntVector.fromMemorySegment(I, p.w, w0 + k * 2L, LE);
            a = f16High(pair).fma(o, f16Low(pair).fma(e, a));
        }
        store(p, row, token, a);
    }

    // ---------------------------------------------------------------- shared epilogue

    @SuppressWarnings("checkstyle:ParameterNumber")
    private static void store4x4(Problem p, int row, int token,
                                 FloatVector a00, FloatVector a01, FloatVector a02, FloatVector a03,
                                 FloatVector a10, FloatVector a11, FloatVector a12, FloatVector a13,
                                 FloatVector a20, FloatVector a21, FloatVector a22, FloatVector a23,
                                 FloatVector a30, FloatVector a31, FloatVector a32, FloatVector a33) {
        store(p, row, token, a00);
        store(p, row, token + 1, a01);
        store(p, row, token + 2, a02);
        store(p, row, token + 3, a03);
        store(p, row + 1, token, a10);
        store(p, row + 1, token + 1, a11);
        store(p, row + 1, token + 2, a12);
        store(p, row + 1, token + 3, a13);
        store(p, row + 2, token, a20);
        store(p, row + 2, token + 1, a21);
        store(p, row + 2, token + 2, a22);
        store(p, row + 2, token + 3, a23);
        store(p, row + 3, token, a30);
        store(p, row + 3, token + 1, a31);
        store(p, row + 3, token + 2, a32);
        store(p, row + 3, token + 3, a33);
    }

    /** Reduces one accumulator, adds the elements past the last full vector, and writes the result. */
    private static void store(Problem p, int row, int token, FloatVector accumulator) {
        float sum = sumLanes(accumulator);
        long w0 = row * p.wRowBytes;
        long x0 = token * p.xRowBytes;
        for (int k = p.kVector; k < p.k; k++) {
            float weight = switch (p.wType) {
                case F32 -> p.w.get(FLOAT, w0 + k * 4L);
                case BF16 -> Float.intBitsToFloat(p.w.get(SHORT, w0 + k * 2L) << 16);
                case F16 -> Float.float16ToFloat(p.w.get(SHORT, w0 + k * 2L));
                default -> throw new IllegalStateException(p.wType.toString());
            };
            sum += weight * p.x.get(FLOAT, x0 + k * 4L);
        }
        p.out.set(FLOAT, ((long) token * p.outRows + row) * 4L, sum);
    }

    /**
     * The sum of the lanes in one fixed order: the vector folded onto itself (rotated by half, a
     * quarter, an eighth of its lanes), then the remaining partial sums in lane order.
     * {@code reduceLanes(ADD)} is not usable here: its order is unspecified "and may even vary over
     * time" (the Java fallback adds in lane order, the JIT's intrinsic as a tree), so the same token
     * gave different bits depending on which kernel ran it and whether that kernel was compiled yet.
     */
    private static float sumLanes(FloatVector accumulator) {
        FloatVector folded = accumulator.add(accumulator.rearrange(FOLD_HALF));
        int partialSums = L / 2;
        if (L >= 4) {
            folded = folded.add(folded.rearrange(FOLD_QUARTER));
            partialSums = L / 4;
        }
        if (L >= 8) {
            folded = folded.add(folded.rearrange(FOLD_EIGHTH));
            partialSums = L / 8;
        }
        float sum = folded.lane(0);
        for (int i = 1; i < partialSums; i++) {
            sum += folded.lane(i);
        }
        return sum;
    }

    // ---------------------------------------------------------------- activation layout for paired weights

    /**
     * Rewrites each token's activations so every block of {@code 2 x lanes} holds its even elements
     * then its odd elements, matching the low and high halves of the weight pairs. Elements past
     * {@code kVector} stay in place for the scalar remainder.
     */
    private static void deinterleaveAll(ComputePool pool, Tensor x, MemorySegment destination, int kVector) {
        int k = x.cols();
        ComputePool.RangeTask task = (first, end) -> {
            for (int t = first; t < end; t++) {
                long row = (long) t * k * 4;
                MemorySegment source = x.data();
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
