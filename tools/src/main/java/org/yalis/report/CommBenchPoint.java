package org.yalis.report;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One {@code yalis comm-bench --json} line: a collective at one message size.
 *
 * @param group           {@code world}, {@code row} or {@code column}
 * @param bytes           the message size
 * @param timeMicros      median latency
 * @param busGigabytesPerSecond bus bandwidth (the nccl-tests convention), GB/s of 1e9 bytes
 */
public record CommBenchPoint(String backend, int ranks, String group, String operation, long bytes,
                             double timeMicros, double busGigabytesPerSecond) {

    /** Whether {@code record} looks like a comm-bench line (rather than a bench result). */
    static boolean matches(JsonNode record) {
        return record.has("backend") && record.has("op") && record.has("bytes") && record.has("time_us");
    }

    static CommBenchPoint from(JsonNode record, String where) {
        JsonFields fields = new JsonFields(record, where);
        return new CommBenchPoint(fields.text("backend"), fields.integer("ranks"), fields.text("group"),
                fields.text("op"), fields.longInteger("bytes"), fields.number("time_us"),
                fields.number("busbw_gbps"));
    }
}
