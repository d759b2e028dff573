package org.yalis.engine.metrics;


import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import org.yalis.engine.cpu.ComputePool;
import org.yalis.engine.cpu.Lanes;

/**
 * The f32 fused-multiply-add rate this machine reaches from Java: every thread runs 8 independent
 * FMA chains on vectors held in registers. The prefill ceiling is this rate over the FLOPs per token.
 */
public final class ComputePeak {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static volatile float sink;

    private ComputePeak() {
    }

    /** GFLOP/s over {@code threads} threads (an FMA counts as two FLOPs). */
    public static double measureGigaflops(int threads) {
        try (ComputePool pool = new ComputePool(threads)) {
            double best = 0;
            for (int pass = 0; pass < 4; pass++) {
                long iterations = pass == 0 ? 1 << 20 : 1 << 24;
                long start = System.nanoTime();
                pool.parallelFor(threads, threads, (first, end) -> {
                    for (int t = first; t < end; t++) {
                        sink = chains(iterations);
                    }
                });
                double elapsed = (System.nanoTime() - start) * 1e-9;
                double flops = 2.0 * 8 * F.length() * iterations * threads;
                if (pass > 0) {
                    best = Math.max(best, flops / elapsed / 1e9);
                }
            }
            return best;
        }
    }

    private static float chains(long iterations) {
        FloatVector m = FloatVector.broadcast(F, 0.999999f);
        FloatVector a = FloatVector.broadcast(F, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(F, 1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        for (long i = 0; i < iterations; i++) {
            c0 = c0.fma(m, a);
            c1 = c1.fma(m, a);
            c2 = c2.fma(m, a);
            c3 = c3.fma(m, a);
            c4 = c4.fma(m, a);
            c5 = c5.fma(m, a);
            c6 = c6.fma(m, a);
            c7 = c7.fma(m, a);
        }
        return Lanes.sum(c0.add(c1).add(c2.add(c3)).add(c4.add(c5).add(c6.add(c7))));
    }
}
