package org.yalis.engine;

/**
 * Timings of one request, in milliseconds from the start of the batch.
 *
 * @param timeToFirstTokenMs  start of the batch to the first generated token (queueing included)
 * @param prefillMs           the request's first prefill step starting to its first token
 * @param decodeMs            first token to last token
 * @param endToEndMs          start of the batch to the request's last token
 */
public record RequestMetrics(int promptTokens, int generatedTokens, double timeToFirstTokenMs, double prefillMs,
                             double decodeMs, double endToEndMs) {

    public double prefillTokensPerSecond() {
        return prefillMs > 0 ? promptTokens / (prefillMs / 1000) : 0;
    }

    /** Tokens after the first over the decode time: the first token comes from prefill. */
    public double decodeTokensPerSecond() {
        return decodeMs > 0 ? (generatedTokens - 1) / (decodeMs / 1000) : 0;
    }
}
