package org.yalis.report;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One {@code yalis bench-serving --json} line: a load at one concurrency (or request rate) and what the
 * clients measured.
 *
 * @param load       the concurrency, or the request rate when the run was paced by rate
 * @param byRate     whether {@code load} is a request rate (requests/s) rather than a concurrency
 */
public record ServingPoint(String model, double load, boolean byRate, int requests, int promptTokens, int outputTokens,
                           double requestThroughput, double outputThroughput, double ttftP50Ms, double ttftP99Ms,
                           double tpotP50Ms, double tpotP99Ms, double e2eP50Ms, double e2eP99Ms) {

    static boolean matches(JsonNode record) {
        return "serving".equals(record.path("benchmark").asText()) && record.has("ttft_ms");
    }

    static ServingPoint from(JsonNode record, String where) {
        JsonFields fields = new JsonFields(record, where);
        boolean byRate = record.path("concurrency").isNull() || record.path("concurrency").isMissingNode();
        return new ServingPoint(fields.text("model"), byRate ? fields.number("request_rate") : fields.integer("concurrency"),
                byRate, fields.integer("completed"), fields.integer("prompt_tokens"), fields.integer("output_tokens"),
                fields.number("request_throughput"), fields.number("output_throughput"),
                fields.number("ttft_ms", "p50"), fields.number("ttft_ms", "p99"), fields.number("tpot_ms", "p50"),
                fields.number("tpot_ms", "p99"), fields.number("e2e_ms", "p50"), fields.number("e2e_ms", "p99"));
    }
}
