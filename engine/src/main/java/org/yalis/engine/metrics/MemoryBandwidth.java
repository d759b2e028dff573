package org.yalis.engine.metrics;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import org.yalis.bindings.posix.Libc;
import org.yalis.engine.cpu.ComputePool;
import org.yalis.engine.cpu.Lanes;

/**
 * This machine's memory bandwidth as the CPU backend sees it: the ceiling for decode, which streams
 * every weight once per step. Buffers are huge-page anonymous memory (like the copied weights), far
 * larger than the caches, touched once before timing; each figure is the best of several passes.
 *
 * @param readGigabytesPerSecond  a sum over one buffer (what decode does to weights)
 * @param copyGigabytesPerSecond  {@code b = a}, bytes read plus written
 * @param triadGigabytesPerSecond {@code a = b + s * c}, bytes read plus written
 */
public record MemoryBandwidth(int threads, long bufferBytes, double readGigabytesPerSecond,
                              double copyGigabytesPerSecond, double triadGigabytesPerSecond) {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    public static MemoryBandwidth measure(int threads, long bufferBytes, int passes) {
        long bytes = bufferBytes / 64 * 64;
        try (Arena arena = Arena.ofShared(); ComputePool pool = new ComputePool(threads)) {
            MemorySegment a = Libc.mapAnonymous(bytes, true, arena);
            MemorySegment b = Libc.mapAnonymous(bytes, true, arena);
            MemorySegment c = Libc.mapAnonymous(bytes, true, arena);
            a.fill((byte) 1);
            b.fill((byte) 2);
            c.fill((byte) 3);
            int blocks = (int) (bytes / (1 << 20));
            long blockBytes = bytes / blocks / 64 * 64;
            double read = best(passes, bytes, () -> pool.parallelFor(blocks, threads, (first, end) -> {
                float sum = 0;
                for (int block = first; block < end; block++) {
                    sum += sumBlock(a, block * blockBytes, blockBytes);
                }
                sink = sum;
            }));
            double copy = best(passes, 2 * bytes, () -> pool.parallelFor(blocks, threads, (first, end) ->
                    MemorySegment.copy(a, first * blockBytes, b, first * blockBytes, (end - first) * blockBytes)));
            double triad = best(passes, 3 * bytes, () -> pool.parallelFor(blocks, threads, (first, end) -> {
                for (int block = first; block < end; block++) {
                    triadBlock(a, b, c, block * blockBytes, blockBytes);
                }
            }));
            return new MemoryBandwidth(threads, bytes, read, copy, triad);
        }
    }

    /** Keeps the read loop's result alive so the JIT cannot drop the loads. */
    private static volatile float sink;

    private static float sumBlock(MemorySegment a, long start, long bytes) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        long step = F.vectorByteSize();
        for (long at = start; at + 4 * step <= start + bytes; at += 4 * step) {
            s0 = s0.add(FloatVector.fromMemorySegment(F, a, at, LE));
            s1 = s1.add(FloatVector.fromMemorySegment(F, a, at + step, LE));
            s2 = s2.add(FloatVector.fromMemorySegment(F, a, at + 2 * step, LE));
            s3 = s3.add(FloatVector.fromMemorySegment(F, a, at + 3 * step, LE));
        }
        return Lanes.sum(s0.add(s1).add(s2.add(s3)));
    }

    private static void triadBlock(MemorySegment a, MemorySegment b, MemorySegment c, long start, long bytes) {
        long step = F.vectorByteSize();
        FloatVector scale = FloatVector.broadcast(F, 3f);
        for (long at = start; at + step <= start + bytes; at += step) {
            FloatVector.fromMemorySegment(F, c, at, LE).fma(scale, FloatVector.fromMemorySegment(F, b, at, LE))
                    .intoMemorySegment(a, at, LE);
        }
    }

    private static double best(int passes, long bytesMoved, Runnable pass) {
        double[] rates = new double[passes];
        pass.run();   // first touch and JIT warm-up
        for (int i = 0; i < passes; i++) {
            long start = System.nanoTime();
            pass.run();
            rates[i] = bytesMoved / ((System.nanoTime() - start) * 1e-9) / 1e9;
        }
        return Arrays.stream(rates).max().orElseThrow();
    }
}
