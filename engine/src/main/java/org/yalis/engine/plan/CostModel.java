package org.yalis.engine.plan;

import java.util.Map;

/**
 * Prices a {@link RunTrace} on a {@link Cluster}: the roofline of each operation on one rank's share of a
 * device, and each collective from {@link CollectiveTimes}.
 *
 * <pre>
 * matrix product   max(2mnk / (peak · eff(m)), bytes / (bandwidth · bw_eff)) + kernel
 *                  eff(m) = gemm_efficiency · m / (m + gemm_half_tokens)
 * attention        max(flops / (peak · attention_efficiency), kv bytes / (bandwidth · bw_eff)) + kernel
 *                  + attention_sequence_s per sequence
 * collectives      each call's time ({@link CollectiveTimes}) + collective_skew · the phase's compute time
 * the rest         elementwise bytes / (bandwidth · bw_eff) + kernel per operation + step cost per step
 * </pre>
 */
public final class CostModel {
    private final Cluster cluster;
    private final CollectiveTimes collectives;

    public CostModel(Cluster cluster, CollectiveTimes collectives) {
        this.cluster = cluster;
        this.collectives = collectives;
    }

    /** The seconds of each category in one phase, and the phase's steps. */
    public record PhaseCost(double gemmSeconds, double attentionSeconds, double collectiveSeconds,
                            double otherSeconds, int steps, long tokens) {
        public double totalSeconds() {
            return gemmSeconds + attentionSeconds + collectiveSeconds + otherSeconds;
        }

        public double collectiveShare() {
            double total = totalSeconds();
            return total == 0 ? 0 : collectiveSeconds / total;
        }

        /** The same phase scaled to {@code count} of its average steps (the poster's ten decode steps). */
        public PhaseCost averageSteps(int count) {
            double scale = steps == 0 ? 0 : (double) count / steps;
            return new PhaseCost(gemmSeconds * scale, attentionSeconds * scale, collectiveSeconds * scale,
                    otherSeconds * scale, count, Math.round(tokens * scale));
        }
    }

    /** A whole run: both phases, end to end. */
    public record Prediction(RunTrace trace, Placement placement, String collective, PhaseCost prefill,
                             PhaseCost decode) {
        public double endToEndSeconds() {
            return prefill.totalSeconds() + decode.totalSeconds();
        }

        /** Generated tokens per second over the whole run. */
        public double throughputTokensPerSecond() {
            return (double) trace.shape().batch() * trace.shape().decodeLength() / endToEndSeconds();
        }
    }

    public Prediction predict(RunTrace trace) {
        Placement placement = Placement.of(trace.shape().ranks(), cluster);
        return new Prediction(trace, placement, collectives.name(), phase(trace.prefill(), placement),
                phase(trace.decode(), placement));
    }

    PhaseCost phase(StepTrace trace, Placement placement) {
        Cluster.Device d = cluster.device();
        double peak = d.peakFlops() * placement.deviceShare();
        double bandwidth = d.memoryBandwidth() * d.bandwidthEfficiency() * placement.deviceShare();
        double gemm = 0;
        for (Map.Entry<StepTrace.Matmul, Long> entry : trace.matmuls().entrySet()) {
            gemm += entry.getValue() * matmulSeconds(entry.getKey(), peak, bandwidth, d);
        }
        double attention = 0;
        for (Map.Entry<StepTrace.AttentionCall, Long> entry : trace.attention().entrySet()) {
            StepTrace.AttentionCall call = entry.getKey();
            attention += entry.getValue() * (Math.max(call.flops() / (peak * d.attentionEfficiency()),
                    call.kvBytes() / bandwidth) + d.kernelSeconds() + call.sequences() * d.attentionSequenceSeconds());
        }
        double collective = 0;
        for (Map.Entry<StepTrace.Collective, Long> entry : trace.collectives().entrySet()) {
            collective += entry.getValue() * collectives.seconds(entry.getKey(), placement);
        }
        double other = trace.elementwiseBytes() / bandwidth + trace.elementwiseOps() * d.kernelSeconds()
                + trace.steps() * d.stepSeconds();
        if (!trace.collectives().isEmpty()) {
            // Ranks arrive at each collective at different times: the early ones wait for the last.
            collective += d.collectiveSkew() * (gemm + attention + other);
        }
        return new PhaseCost(gemm, attention, collective, other, trace.steps(), trace.tokens());
    }

    /** The roofline time of one product on a rank with {@code peak} FLOP/s and {@code bandwidth} bytes/s. */
    static double matmulSeconds(StepTrace.Matmul m, double peak, double bandwidth, Cluster.Device d) {
        double efficiency = d.gemmEfficiency() * m.tokens() / (m.tokens() + d.gemmHalfTokens());
        return Math.max(m.flops() / (peak * efficiency), m.bytes() / bandwidth) + d.kernelSeconds();
    }
}
