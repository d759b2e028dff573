package org.yalis.engine;

/**
 * Totals of one {@link Engine#generate} call: tokens and time per phase, and how the cache fared.
 * {@code prefillTokens} are the tokens computed; {@code prefixCacheHitTokens} are prompt tokens whose keys
 * and values were taken from the prefix cache instead.
 */
public record BatchStats(int prefillTokens, double prefillMs, int prefillSteps, int decodeTokens, double decodeMs,
                         int decodeSteps, int preemptions, double wallMs, int prefixCacheHitTokens) {

    public double prefillTokensPerSecond() {
        return prefillMs > 0 ? prefillTokens / (prefillMs / 1000) : 0;
    }

    public double decodeTokensPerSecond() {
        return decodeMs > 0 ? decodeTokens / (decodeMs / 1000) : 0;
    }
}
