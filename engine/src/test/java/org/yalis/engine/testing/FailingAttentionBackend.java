package org.yalis.engine.testing;

import java.util.concurrent.atomic.AtomicInteger;

import org.yalis.engine.attention.Attention;
import org.yalis.engine.attention.AttentionBackend;
import org.yalis.engine.attention.AttentionBackends;
import org.yalis.engine.attention.AttentionBatch;
import org.yalis.engine.attention.AttentionCapabilities;
import org.yalis.engine.attention.AttentionSpec;
import org.yalis.engine.tensor.ComputeBackend;
import org.yalis.engine.tensor.Tensor;

/**
 * Test-only attention ("fail-once"): the cpu backend, except that the {@link #FAIL_AT}-th decode
 * call in this JVM throws. With ranks as threads exactly one rank fails mid-generation. With ranks
 * as MPI processes every process counts on its own, so only the process whose
 * {@code OMPI_COMM_WORLD_RANK} equals {@code YALIS_TEST_FAIL_RANK} (when that is set) fails.
 */
public final class FailingAttentionBackend implements AttentionBackend {
    public static final int FAIL_AT = 40;
    public static final AtomicInteger DECODE_CALLS = new AtomicInteger();

    @Override
    public String name() {
        return "fail-once";
    }

    @Override
    public String description() {
        return "test only: cpu attention that throws once, mid-generation";
    }

    @Override
    public AttentionCapabilities capabilities() {
        return cpu().capabilities();
    }

    private static AttentionBackend cpu() {
        return AttentionBackends.available().stream().filter(b -> b.name().equals("cpu")).findFirst().orElseThrow();
    }

    private static boolean thisProcessFails() {
        String failingRank = System.getenv("YALIS_TEST_FAIL_RANK");
        return failingRank == null || failingRank.equals(System.getenv("OMPI_COMM_WORLD_RANK"));
    }

    @Override
    public Attention create(AttentionSpec spec, ComputeBackend device) {
        Attention delegate = cpu().create(spec, device);
        boolean fails = thisProcessFails();
        return new Attention() {
            @Override
            public void beginStep(AttentionBatch batch) {
                delegate.beginStep(batch);
            }

            @Override
            public void writeKv(int layer, Tensor keys, Tensor values) {
                delegate.writeKv(layer, keys, values);
            }

            @Override
            public void prefill(int layer, Tensor queries, Tensor out) {
                delegate.prefill(layer, queries, out);
            }

            @Override
            public void decode(int layer, Tensor queries, Tensor out) {
                if (fails && DECODE_CALLS.incrementAndGet() == FAIL_AT) {
                    throw new IllegalStateException("injected failure in one rank's attention");
                }
                delegate.decode(layer, queries, out);
            }

            @Override
            public long kvCacheBytes() {
                return delegate.kvCacheBytes();
            }

            @Override
            public void close() {
                delegate.close();
            }
        };
    }
}
