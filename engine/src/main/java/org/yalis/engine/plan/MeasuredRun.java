package org.yalis.engine.plan;

import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

import org.yalis.engine.YalisException;

/**
 * What one {@code yalis bench --json --profile} run measured, as a plan is compared with it: the run's shape,
 * its median end-to-end time, and per phase the profiled breakdown (milliseconds of gemm, attention,
 * collective and the rest) with the collective message sizes.
 */
public record MeasuredRun(String name, String model, String collective, int tpRows, int tpCols, int batch,
                          int promptLength, int decodeLength, double endToEndMs,
                          Phase prefill, Phase decode, double readGigabytesPerSecond, double gemmGigaflops) {

    public record Phase(double gemmMs, double attentionMs, double collectiveMs, double otherMs, int steps,
                        Map<Long, Long> messages) {
        public double totalMs() {
            return gemmMs + attentionMs + collectiveMs + otherMs;
        }

        public double collectiveShare() {
            double total = totalMs();
            return total == 0 ? 0 : collectiveMs / total;
        }
    }

    public static MeasuredRun fromBenchJson(JsonNode json, String name) {
        JsonNode breakdown = json.path("breakdown");
        if (!breakdown.path("decode").path("gemm_ms").isNumber() || breakdown.path("decode").path("steps").asInt() == 0) {
            throw new YalisException(name + " has no profiled breakdown; run yalis bench with --profile --json");
        }
        String[] grid = json.path("grid").asText("1x1").split("x");
        JsonNode roofline = json.path("roofline");
        // The rate bench's roofline bounds prefill with (the bf16 GEMM's for bf16 weights).
        double gemmRate = roofline.path(roofline.path("prefill_peak").asText("fma_gflops")).asDouble();
        return new MeasuredRun(name, json.path("model").asText(), json.path("collective").asText("local"),
                Integer.parseInt(grid[0]), Integer.parseInt(grid[1]), json.path("batch").asInt(),
                json.path("prompt_len").asInt(), json.path("decode_len").asInt(),
                json.path("median").path("e2e_ms").asDouble(),
                phase(breakdown.path("prefill"), json.path("collectives").path("prefill")),
                phase(breakdown.path("decode"), json.path("collectives").path("decode")),
                roofline.path("membw_read_gbps").asDouble(), gemmRate);
    }

    private static Phase phase(JsonNode row, JsonNode collectives) {
        Map<Long, Long> messages = new TreeMap<>();
        collectives.path("message_bytes").fields().forEachRemaining(e -> messages.put(Long.parseLong(e.getKey()),
                e.getValue().asLong()));
        return new Phase(row.path("gemm_ms").asDouble(), row.path("attention_ms").asDouble(),
                row.path("collective_ms").asDouble(), row.path("other_ms").asDouble(), row.path("steps").asInt(),
                messages);
    }

    public double collectiveShare() {
        double total = prefill.totalMs() + decode.totalMs();
        return total == 0 ? 0 : (prefill.collectiveMs() + decode.collectiveMs()) / total;
    }
}
