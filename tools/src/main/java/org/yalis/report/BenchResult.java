package org.yalis.report;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.yalis.engine.metrics.Category;

/**
 * The fields of one {@code yalis bench --json} result that the report draws.
 *
 * @param key        {@code batch_B_prompt_P_decode_D}: the workload, which runs must share to be compared
 * @param grid       the tensor-parallel grid, {@code RxC}
 * @param e2eMs      median end-to-end latency of the batch
 * @param breakdown  per phase ({@link #PHASES}), the milliseconds of each category
 */
public record BenchResult(String key, String model, String device, String attention, String collective, int ranks,
                          String grid, int batch, int promptLength, int decodeLength, double e2eMs,
                          double prefillTokensPerSecond, double decodeTokensPerSecond,
                          Map<String, Map<Category, Double>> breakdown) {

    /** The phases of {@code breakdown} in the bench output, in the order the report draws them. */
    public static final List<String> PHASES = List.of("prefill", "decode", "decode_10_steps");

    /** Whether {@code record} looks like a bench result (rather than a comm-bench line). */
    static boolean matches(JsonNode record) {
        return record.has("key") && record.has("median") && record.has("breakdown");
    }

    static BenchResult from(JsonNode record, String where) {
        JsonFields fields = new JsonFields(record, where);
        Map<String, Map<Category, Double>> breakdown = new LinkedHashMap<>();
        for (String phase : PHASES) {
            Map<Category, Double> millis = new EnumMap<>(Category.class);
            for (Category category : Category.values()) {
                millis.put(category, fields.number("breakdown", phase, category.label() + "_ms"));
            }
            breakdown.put(phase, millis);
        }
        return new BenchResult(fields.text("key"), fields.text("model"), fields.text("device"),
                fields.text("attention"), fields.text("collective"), fields.integer("ranks"), fields.text("grid"),
                fields.integer("batch"), fields.integer("prompt_len"), fields.integer("decode_len"),
                fields.number("median", "e2e_ms"), fields.number("median", "prefill_tokens_per_s"),
                fields.number("median", "decode_tokens_per_s"), breakdown);
    }

    /** The model as a short name: a folder's last component, a {@code synth:} preset as it is. */
    public String modelName() {
        String trimmed = model.replaceAll("[/\\\\]+$", "");
        int slash = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
        return slash < 0 ? trimmed : trimmed.substring(slash + 1);
    }

    /** The workload in short: {@code b1 p128 d32}. */
    public String workload() {
        return "b" + batch + " p" + promptLength + " d" + decodeLength;
    }
}
