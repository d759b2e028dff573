package org.yalis.benchmarks;

import org.yalis.engine.metrics.ComputePeak;
import org.yalis.engine.metrics.MemoryBandwidth;

/**
 * This machine's ceilings, measured the way {@code yalis bench} measures them for its rooflines:
 * the read bandwidth of a buffer far larger than the caches, and the f32 FMA rate with every vector
 * register busy.
 */
record Ceilings(int threads, double readGigabytesPerSecond, double gigaflops) {
    /** Three buffers of this size: far past any last-level cache. */
    private static final long BANDWIDTH_BUFFER_BYTES = 512L << 20;

    /** The higher of each ceiling. */
    Ceilings best(Ceilings other) {
        return new Ceilings(threads, Math.max(readGigabytesPerSecond, other.readGigabytesPerSecond),
                Math.max(gigaflops, other.gigaflops));
    }

    static Ceilings measure(int threads) {
        MemoryBandwidth bandwidth = MemoryBandwidth.measure(threads, BANDWIDTH_BUFFER_BYTES, 3);
        return new Ceilings(threads, bandwidth.readGigabytesPerSecond(), ComputePeak.measureGigaflops(threads));
    }
}
