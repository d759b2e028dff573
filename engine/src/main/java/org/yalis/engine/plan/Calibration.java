package org.yalis.engine.plan;

import java.util.List;
import java.util.function.Function;

/**
 * Fits a cluster's device efficiencies to measured {@code bench} runs: the eight shape and overhead figures of
 * {@link Cluster.Device} (gemm efficiency and its half-rate rows, bandwidth efficiency, attention efficiency,
 * the cost of an operation, of a step and of an attention sequence, the collective skew) are moved, by
 * coordinate search on log scales, to minimise the squared log error of every phase's gemm, attention,
 * collective and other milliseconds and of each run's end-to-end time.
 * Peak rates stay those measured ({@code bench --membw}, the roofline's GEMM rate).
 */
public final class Calibration {

    /** A run measured, its dry-run trace, and how to time its collectives. */
    public record Sample(MeasuredRun measured, RunTrace trace, CollectiveTimes collectives) {
    }

    private Calibration() {
    }

    public static Cluster fit(Cluster start, List<Sample> samples) {
        double[] x = {start.device().gemmEfficiency(), Math.max(start.device().gemmHalfTokens(), 0.5),
                start.device().bandwidthEfficiency(), start.device().attentionEfficiency(),
                Math.max(start.device().kernelSeconds(), 1e-7), Math.max(start.device().stepSeconds(), 1e-6),
                Math.max(start.device().attentionSequenceSeconds(), 1e-7), Math.max(start.device().collectiveSkew(), 1e-3)};
        boolean[] fraction = {true, false, true, true, false, false, false, false};
        Function<double[], Cluster> clusterOf = p -> start.withDevice(new Cluster.Device(start.device().name(),
                start.device().peakFlops(), start.device().memoryBandwidth(), start.device().memoryBytes(), p[0], p[1],
                p[2], p[3], p[4], p[5], p[6], p[7], start.device().activationType()));
        double best = loss(clusterOf.apply(x), samples);
        for (double factor = 4; factor > 1.002; factor = Math.sqrt(factor)) {
            boolean improved = true;
            while (improved) {
                improved = false;
                for (int i = 0; i < x.length; i++) {
                    for (double step : new double[] {factor, 1 / factor}) {
                        double[] trial = x.clone();
                        trial[i] = fraction[i] ? Math.min(1, x[i] * step) : x[i] * step;
                        double value = loss(clusterOf.apply(trial), samples);
                        if (value < best - 1e-12) {
                            best = value;
                            x = trial;
                            improved = true;
                        }
                    }
                }
            }
        }
        return clusterOf.apply(x);
    }

    static double loss(Cluster cluster, List<Sample> samples) {
        double total = 0;
        for (Sample sample : samples) {
            CostModel.Prediction p = new CostModel(cluster, sample.collectives()).predict(sample.trace());
            MeasuredRun m = sample.measured();
            total += phaseLoss(p.prefill(), m.prefill()) + phaseLoss(p.decode(), m.decode());
            total += 2 * squaredLog(p.endToEndSeconds() * 1e3, m.endToEndMs());
        }
        return total;
    }

    private static double phaseLoss(CostModel.PhaseCost predicted, MeasuredRun.Phase measured) {
        return squaredLog(predicted.gemmSeconds() * 1e3, measured.gemmMs())
                + squaredLog(predicted.attentionSeconds() * 1e3, measured.attentionMs())
                + squaredLog(predicted.otherSeconds() * 1e3, measured.otherMs())
                + squaredLog(predicted.collectiveSeconds() * 1e3, measured.collectiveMs());
    }

    /** Squared log error, counting only what was measured (a category that took no time weighs nothing). */
    private static double squaredLog(double predicted, double measured) {
        if (!(measured > 0) || !(predicted > 0)) {
            return 0;
        }
        double e = Math.log(predicted / measured);
        return e * e;
    }
}
