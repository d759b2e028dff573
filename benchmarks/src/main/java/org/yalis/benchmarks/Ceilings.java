package org.yalis.benchmarks;

import org.yalis.engine.metrics.ComputePeak;
import org.yalis.engine.metrics.LibraryGemmPeak;
import org.yalis.engine.metrics.MemoryBandwidth;

/**
 * This machine's ceilings, measured the way {@code yalis bench} measures them for its rooflines:
 * the best read bandwidth of a buffer far larger than the caches (several access patterns), the f32
 * FMA rate with every vector register busy, and, where oneDNN is installed, its bf16 and int8 GEMM
 * rates (the fastest dot products the CPU has: the prefill ceiling of bf16 and int8 weights).
 *
 * @param bf16Gigaflops 0 where oneDNN is not usable
 * @param int8Gigaops   0 where oneDNN is not usable
 */
record Ceilings(int threads, double readGigabytesPerSecond, double gigaflops, double bf16Gigaflops,
                double int8Gigaops) {
    /** The read buffer: far past any last-level cache. */
    private static final long BANDWIDTH_BUFFER_BYTES = 1L << 30;

    /** The higher of each ceiling. */
    Ceilings best(Ceilings other) {
        return new Ceilings(threads, Math.max(readGigabytesPerSecond, other.readGigabytesPerSecond),
                Math.max(gigaflops, other.gigaflops), Math.max(bf16Gigaflops, other.bf16Gigaflops),
                Math.max(int8Gigaops, other.int8Gigaops));
    }

    /** The arithmetic ceiling of a product with weights named {@code weights} (a DType name). */
    double arithmeticCeiling(String weights) {
        if (weights.equals("BF16") && bf16Gigaflops > 0) {
            return bf16Gigaflops;
        }
        if (weights.equals("Q8_0") && int8Gigaops > 0) {
            return int8Gigaops;
        }
        return gigaflops;
    }

    static Ceilings measure(int threads) {
        MemoryBandwidth bandwidth = MemoryBandwidth.measure(threads, BANDWIDTH_BUFFER_BYTES, 3);
        LibraryGemmPeak library = LibraryGemmPeak.measure(threads).orElse(new LibraryGemmPeak(threads, 0, 0, "none"));
        return new Ceilings(threads, bandwidth.readGigabytesPerSecond(), ComputePeak.measureGigaflops(threads),
                library.bf16Gigaflops(), library.int8Gigaops());
    }
}
