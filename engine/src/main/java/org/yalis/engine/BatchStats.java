package org.yalis.engine;

/**
 * Totals of one {@link Engine#generate} call: tokens and time per phase, and how the cache fared.
 */
public record BatchStats(int prefillTokens, double prefillMs, int prefillSteps, int decodeTokens, double decodeMs,
                         int decodeSteps, int preemptions, double wallMs) {

    public double prefillTokensPerSecond() {
        return prefillMs > 0 ? prefillTokens / (prefillMs / 1000) : 0;
    }

    public double decodeTokensPerSecond() {
        return decodeMs > 0 ? decodeTokens / (decodeMs / 1000) : 0;
    }
}
