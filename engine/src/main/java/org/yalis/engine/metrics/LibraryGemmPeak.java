package org.yalis.engine.metrics;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

import org.yalis.bindings.dnnl.Dnnl;
import org.yalis.bindings.dnnl.DnnlMatmul;
import org.yalis.engine.cpu.ComputePool;

/**
 * The arithmetic rate of this CPU's fastest dot-product instructions, as oneDNN's GEMM reaches it: bf16
 * (AMX tiles or AVX512_BF16, twice the f32 FMA rate or far more) and int8 (AMX or VNNI). These are the
 * prefill ceilings for bf16 and int8 weights; an efficiency measured against the f32 FMA rate alone
 * would look better than it is.
 *
 * <p>Measured as the engine runs its GEMMs: each compute thread runs a single-threaded primitive on its
 * own operands, sized to stay in its caches (compute-bound: 256 x 1024 by 1024 x 512 per thread), best of
 * several passes.
 *
 * @param bf16Gigaflops bf16 GEMM rate, all threads (a multiply-add counts as 2)
 * @param int8Gigaops   u8 x s8 GEMM rate, all threads
 * @param implementation oneDNN's kernel name for the bf16 GEMM
 */
public record LibraryGemmPeak(int threads, double bf16Gigaflops, double int8Gigaops, String implementation) {
    private static final int M = 256;
    private static final int K = 1024;
    private static final int N = 512;
    private static final int PASSES = 5;
    private static final int CALLS_PER_PASS = 20;

    /** The peaks on {@code threads} threads, or empty where oneDNN is not usable here. */
    public static Optional<LibraryGemmPeak> measure(int threads) {
        if (!Dnnl.availability().available()) {
            return Optional.empty();
        }
        Dnnl dnnl = Dnnl.load();
        try (Arena arena = Arena.ofShared(); ComputePool pool = new ComputePool(threads)) {
            String[] implementation = new String[1];
            double bf16 = rate(dnnl, arena, pool, DnnlMatmul.DataType.BF16, DnnlMatmul.DataType.BF16,
                    DnnlMatmul.DataType.F32, implementation);
            double int8 = rate(dnnl, arena, pool, DnnlMatmul.DataType.U8, DnnlMatmul.DataType.S8,
                    DnnlMatmul.DataType.S32, new String[1]);
            return Optional.of(new LibraryGemmPeak(threads, bf16, int8, implementation[0]));
        }
    }

    private static double rate(Dnnl dnnl, Arena arena, ComputePool pool, DnnlMatmul.DataType source,
                               DnnlMatmul.DataType weights, DnnlMatmul.DataType destination, String[] implementation) {
        int threads = pool.threads();
        DnnlMatmul[] primitives = new DnnlMatmul[threads];
        MemorySegment[][] buffers = new MemorySegment[threads][];
        pool.parallelFor(threads, threads, (first, end) -> {
            dnnl.useOneThreadHere();
            for (int t = first; t < end; t++) {
                primitives[t] = DnnlMatmul.create(dnnl, arena, M, K, N, source, weights, destination, K, N);
                MemorySegment a = arena.allocate((long) M * K * 4, 64);
                MemorySegment b = arena.allocate((long) N * K * 4, 64);
                a.fill((byte) 1);
                b.fill((byte) 1);
                buffers[t] = new MemorySegment[] {a, b, arena.allocate((long) M * N * 4, 64),
                        arena.allocate(Math.max(64, primitives[t].scratchpadBytes()), 64)};
            }
        });
        implementation[0] = primitives[0].implementation();
        double best = 0;
        for (int pass = 0; pass <= PASSES; pass++) {
            long start = System.nanoTime();
            pool.parallelFor(threads, threads, (first, end) -> {
                for (int t = first; t < end; t++) {
                    for (int call = 0; call < CALLS_PER_PASS; call++) {
                        primitives[t].execute(buffers[t][0], buffers[t][1], buffers[t][2], buffers[t][3]);
                    }
                }
            });
            double seconds = (System.nanoTime() - start) * 1e-9;
            if (pass > 0) {   // the first pass pays for first touches
                best = Math.max(best, 2.0 * M * K * N * CALLS_PER_PASS * threads / seconds / 1e9);
            }
        }
        return best;
    }
}
