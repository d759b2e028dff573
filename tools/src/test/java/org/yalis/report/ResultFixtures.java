package org.yalis.report;

import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Result records shaped like {@code yalis bench --json} and {@code yalis comm-bench --json} output. */
final class ResultFixtures {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private ResultFixtures() {
    }

    /**
     * A bench result whose breakdown in every phase is {@code gemm, attention, collective, other}
     * milliseconds, scaled by 1, 2 and 3 for prefill, decode and decode_10_steps.
     */
    static ObjectNode bench(String model, int ranks, String grid, String collective, double e2eMs, double gemm,
                            double attention, double collectiveMs, double other) {
        ObjectNode result = MAPPER.createObjectNode();
        result.put("key", "batch_1_prompt_16_decode_8");
        result.put("model", model);
        result.put("device", "cpu");
        result.put("attention", "cpu");
        result.put("collective", collective);
        result.put("ranks", ranks);
        result.put("grid", grid);
        result.put("threads", 2);
        result.put("batch", 1);
        result.put("prompt_len", 16);
        result.put("decode_len", 8);
        ObjectNode median = result.putObject("median");
        median.put("e2e_ms", e2eMs);
        median.put("prefill_tokens_per_s", 100.5);
        median.put("decode_tokens_per_s", 50.25);
        ObjectNode breakdown = result.putObject("breakdown");
        List<String> phases = List.of("prefill", "decode", "decode_10_steps");
        for (int i = 0; i < phases.size(); i++) {
            int scale = i + 1;
            ObjectNode row = breakdown.putObject(phases.get(i));
            row.put("gemm_ms", gemm * scale);
            row.put("attention_ms", attention * scale);
            row.put("collective_ms", collectiveMs * scale);
            row.put("other_ms", other * scale);
            row.put("step_ms", (gemm + attention + collectiveMs + other) * scale);
            row.put("steps", 7);
        }
        result.putObject("roofline").put("fma_gflops", 100.0);
        return result;
    }

    static ObjectNode comm(String backend, int ranks, String op, long bytes, double timeMicros, double busbw) {
        ObjectNode line = MAPPER.createObjectNode();
        line.put("backend", backend);
        line.put("ranks", ranks);
        line.put("group", "world");
        line.put("op", op);
        line.put("dtype", "f32");
        line.put("bytes", bytes);
        line.put("time_us", timeMicros);
        line.put("time_us_min", timeMicros * 0.9);
        line.put("time_us_max", timeMicros * 1.2);
        line.put("algbw_gbps", busbw);
        line.put("busbw_gbps", busbw);
        line.put("repeats", 3);
        return line;
    }

    /** JSON lines: one compact object per line. */
    static String lines(List<ObjectNode> records) throws Exception {
        StringBuilder text = new StringBuilder();
        for (ObjectNode record : records) {
            text.append(MAPPER.writeValueAsString(record)).append('\n');
        }
        return text.toString();
    }
}
