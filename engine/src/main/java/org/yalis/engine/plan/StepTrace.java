package org.yalis.engine.plan;

import java.util.LinkedHashMap;
import java.util.Map;

import org.yalis.engine.tensor.DType;

/**
 * What one phase (prefill or decode) of a run asks of one rank, as the engine's own code issued it in a
 * dry run: every matrix product by shape, every attention call by the work it reads, every collective
 * with its message size and group, and the bytes the elementwise operations move. Counts, not times:
 * a {@link CostModel} prices them on a cluster.
 */
public final class StepTrace {

    /** {@code out[tokens x outFeatures] = x[tokens x inFeatures] · weightᵀ}, weights of {@code weightType}. */
    public record Matmul(int tokens, int outFeatures, int inFeatures, DType weightType, DType activationType) {
        public double flops() {
            return 2.0 * tokens * outFeatures * inFeatures;
        }

        /** The weight once, the input read and the output written. */
        public double bytes() {
            return weightType.bytesFor(outFeatures, inFeatures)
                    + activationType.bytesFor(tokens, inFeatures) + activationType.bytesFor(tokens, outFeatures);
        }
    }

    /**
     * One layer's attention over one step: its multiply-add work, the cached keys and values it reads, and the
     * sequences it covers (a CPU kernel loops over them; a GPU kernel covers them in one launch).
     */
    public record AttentionCall(double flops, double kvBytes, int sequences) {
    }

    public enum CollectiveKind { ALL_REDUCE, ALL_GATHER }

    /**
     * A collective over {@code groupSize} ranks whose world ranks are {@code firstRank + i * stride}, of
     * {@code bytes} per rank (the tensor all-reduced, or each rank's part of an all-gather).
     */
    public record Collective(CollectiveKind kind, long bytes, int groupSize, int firstRank, int stride) {
        /** The world rank of member {@code i}. */
        public int member(int i) {
            return firstRank + i * stride;
        }
    }

    private final Map<Matmul, Long> matmuls = new LinkedHashMap<>();
    private final Map<AttentionCall, Long> attention = new LinkedHashMap<>();
    private final Map<Collective, Long> collectives = new LinkedHashMap<>();
    private double elementwiseBytes;
    private long elementwiseOps;
    private int steps;
    private long tokens;

    void matmul(Matmul call) {
        matmuls.merge(call, 1L, Long::sum);
    }

    void attention(AttentionCall call) {
        attention.merge(call, 1L, Long::sum);
    }

    void collective(Collective call) {
        collectives.merge(call, 1L, Long::sum);
    }

    void elementwise(double bytes) {
        elementwiseBytes += bytes;
        elementwiseOps++;
    }

    void step(int stepTokens) {
        steps++;
        tokens += stepTokens;
    }

    /** Each distinct product and how often it ran. */
    public Map<Matmul, Long> matmuls() {
        return matmuls;
    }

    public Map<AttentionCall, Long> attention() {
        return attention;
    }

    public Map<Collective, Long> collectives() {
        return collectives;
    }

    public double elementwiseBytes() {
        return elementwiseBytes;
    }

    /** Elementwise operations issued (norms, RoPE, SiLU, adds, copies): each is a launch on a GPU. */
    public long elementwiseOps() {
        return elementwiseOps;
    }

    public int steps() {
        return steps;
    }

    public long tokens() {
        return tokens;
    }

    /** Collective calls by message size, as {@code yalis bench} reports them ({@code message_bytes}). */
    public Map<Long, Long> collectiveMessages() {
        Map<Long, Long> bySize = new java.util.TreeMap<>();
        collectives.forEach((call, count) -> bySize.merge(call.bytes(), count, Long::sum));
        return bySize;
    }

    public long collectiveBytes() {
        long total = 0;
        for (Map.Entry<Collective, Long> entry : collectives.entrySet()) {
            total += entry.getKey().bytes() * entry.getValue();
        }
        return total;
    }

    public long collectiveCalls() {
        return collectives.values().stream().mapToLong(Long::longValue).sum();
    }
}
