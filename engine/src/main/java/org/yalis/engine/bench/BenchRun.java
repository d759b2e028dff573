package org.yalis.engine.bench;

import org.yalis.engine.metrics.PhaseBreakdown;

/**
 * One measured batch, with the metrics Yalis defines: time to first token, time between tokens,
 * end-to-end time, and throughput from the tokens actually generated.
 *
 * @param timeBetweenTokensMs mean over requests of decode time over (generated - 1)
 * @param throughputTokensPerSecond generated tokens over the end-to-end time
 */
public record BenchRun(double prefillMs, double decodeMs, double timeToFirstTokenMs, double timeBetweenTokensMs,
                       double endToEndMs, long generatedTokens, double prefillTokensPerSecond,
                       double decodeTokensPerSecond, double throughputTokensPerSecond, PhaseBreakdown prefill,
                       PhaseBreakdown decode) {
}
