package org.yalis.engine.metrics;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import org.yalis.bindings.posix.Libc;
import org.yalis.engine.cpu.ComputePool;
import org.yalis.engine.cpu.Lanes;

/**
 * This machine's memory bandwidth as the CPU backend can see it: the ceiling for decode, which
 * streams every weight once per step.
 *
 * <p>The read ceiling is the best of several ways of reading one buffer, because which is fastest
 * depends on the machine: one sequential stream per thread, several streams per thread at far-apart
 * offsets (more misses in flight than one stream's prefetcher keeps), and the decode kernel's own
 * pattern (rows of 4 KiB read 4 at a time). The buffer is huge-page anonymous memory, like the
 * copied weights, far larger than the caches and touched before timing; each figure is the best of
 * several passes, the way a roofline must be: a ceiling measured lower than the machine's real limit
 * would make any kernel look efficient.
 *
 * @param readGigabytesPerSecond  the best read rate of {@link #readPatterns}: the decode ceiling
 * @param readPatterns            each read pattern's best rate (GB/s), by name
 * @param copyGigabytesPerSecond  {@code b = a}, bytes read plus written
 * @param triadGigabytesPerSecond {@code a = b + s * c}, bytes read plus written
 */
public record MemoryBandwidth(int threads, long bufferBytes, double readGigabytesPerSecond,
                              Map<String, Double> readPatterns, double copyGigabytesPerSecond,
                              double triadGigabytesPerSecond) {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Streams per thread the read test tries. */
    private static final int[] STREAMS = {1, 2, 4};
    /** The decode kernel reads 4 weight rows at once; a bf16 row of a 2048-wide model is 4 KiB. */
    private static final long DECODE_ROW_BYTES = 4096;
    private static final int DECODE_ROWS = 4;

    public MemoryBandwidth {
        readPatterns = Map.copyOf(readPatterns);
    }

    /**
     * Measures with a read buffer of {@code bufferBytes} (copy and triad use a third of it per
     * array, so no more than {@code bufferBytes} is resident at once) and {@code passes} timed passes
     * per figure.
     */
    public static MemoryBandwidth measure(int threads, long bufferBytes, int passes) {
        long bytes = bufferBytes / (threads * 4096L * DECODE_ROWS * 4) * (threads * 4096L * DECODE_ROWS * 4);
        if (bytes == 0) {
            throw new IllegalArgumentException("a bandwidth buffer of " + bufferBytes + " bytes is too small");
        }
        Map<String, Double> patterns = new LinkedHashMap<>();
        double copy;
        double triad;
        try (ComputePool pool = new ComputePool(threads)) {
            try (Arena arena = Arena.ofShared()) {
                MemorySegment a = Libc.mapAnonymous(bytes, true, arena);
                a.fill((byte) 1);
                long share = bytes / threads;
                for (int streams : STREAMS) {
                    patterns.put(streams + (streams == 1 ? " stream" : " streams") + " per thread",
                            best(passes, bytes, () -> pool.parallelFor(threads, threads, (first, end) -> {
                                for (int t = first; t < end; t++) {
                                    sink = sumStreams(a, t * share, share, streams);
                                }
                            })));
                }
                patterns.put("decode rows (4 x 4 KiB at a time)", best(passes, bytes,
                        () -> pool.parallelFor(threads, threads, (first, end) -> {
                            for (int t = first; t < end; t++) {
                                sink = sumRows(a, t * share, share);
                            }
                        })));
            }
            try (Arena arena = Arena.ofShared()) {
                long third = bytes / 3 / (threads * 4096L) * (threads * 4096L);
                MemorySegment a = Libc.mapAnonymous(third, true, arena);
                MemorySegment b = Libc.mapAnonymous(third, true, arena);
                MemorySegment c = Libc.mapAnonymous(third, true, arena);
                a.fill((byte) 1);
                b.fill((byte) 2);
                c.fill((byte) 3);
                long share = third / threads;
                copy = best(passes, 2 * third, () -> pool.parallelFor(threads, threads, (first, end) ->
                        MemorySegment.copy(a, first * share, b, first * share, (end - first) * share)));
                triad = best(passes, 3 * third, () -> pool.parallelFor(threads, threads, (first, end) -> {
                    for (int t = first; t < end; t++) {
                        triadBlock(a, b, c, t * share, share);
                    }
                }));
            }
        }
        double read = patterns.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        return new MemoryBandwidth(threads, bytes, read, patterns, copy, triad);
    }

    /** The name of the read pattern that set {@link #readGigabytesPerSecond}. */
    public String fastestReadPattern() {
        return readPatterns.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    /** Keeps the read loops' results alive so the JIT cannot drop the loads. */
    private static volatile float sink;

    /** Sums {@code bytes} from {@code start} as {@code streams} equal parts read side by side. */
    private static float sumStreams(MemorySegment a, long start, long bytes, int streams) {
        long part = bytes / streams / 256 * 256;
        long step = F.vectorByteSize();
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        if (streams == 1) {
            for (long at = start; at + 4 * step <= start + bytes; at += 4 * step) {
                s0 = s0.add(FloatVector.fromMemorySegment(F, a, at, LE));
                s1 = s1.add(FloatVector.fromMemorySegment(F, a, at + step, LE));
                s2 = s2.add(FloatVector.fromMemorySegment(F, a, at + 2 * step, LE));
                s3 = s3.add(FloatVector.fromMemorySegment(F, a, at + 3 * step, LE));
            }
        } else if (streams == 2) {
            for (long at = start; at + 2 * step <= start + part; at += 2 * step) {
                s0 = s0.add(FloatVector.fromMemorySegment(F, a, at, LE));
                s1 = s1.add(FloatVector.fromMemorySegment(F, a, at + step, LE));
                s2 = s2.add(FloatVector.fromMemorySegment(F, a, at + part, LE));
                s3 = s3.add(FloatVector.fromMemorySegment(F, a, at + part + step, LE));
            }
        } else {
            for (long at = start; at + step <= start + part; at += step) {
                s0 = s0.add(FloatVector.fromMemorySegment(F, a, at, LE));
                s1 = s1.add(FloatVector.fromMemorySegment(F, a, at + part, LE));
                s2 = s2.add(FloatVector.fromMemorySegment(F, a, at + 2 * part, LE));
                s3 = s3.add(FloatVector.fromMemorySegment(F, a, at + 3 * part, LE));
            }
        }
        return Lanes.sum(s0.add(s1).add(s2.add(s3)));
    }

    /** Sums {@code bytes} as consecutive units of 4 rows of 4 KiB, the rows of a unit read side by side. */
    private static float sumRows(MemorySegment a, long start, long bytes) {
        long step = F.vectorByteSize();
        long unit = DECODE_ROWS * DECODE_ROW_BYTES;
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        for (long row = start; row + unit <= start + bytes; row += unit) {
            for (long at = row; at < row + DECODE_ROW_BYTES; at += step) {
                s0 = s0.add(FloatVector.fromMemorySegment(F, a, at, LE));
                s1 = s1.add(FloatVector.fromMemorySegment(F, a, at + DECODE_ROW_BYTES, LE));
                s2 = s2.add(FloatVector.fromMemorySegment(F, a, at + 2 * DECODE_ROW_BYTES, LE));
                s3 = s3.add(FloatVector.fromMemorySegment(F, a, at + 3 * DECODE_ROW_BYTES, LE));
            }
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
