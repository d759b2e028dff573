package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class CommBenchCommandTest {

    private static List<JsonNode> run(String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Yalis.execute(args, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, code, err.toString());
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString().lines().toList()) {
            lines.add(new ObjectMapper().readTree(line));
        }
        return lines;
    }

    @Test
    void inProcessRanksGiveOneCheckedJsonLinePerOperationAndSize() throws Exception {
        List<JsonNode> lines = run("comm-bench", "--ranks", "2", "--min-bytes", "1KiB", "--max-bytes", "4MiB",
                "--warmup", "1", "--repeat", "5", "--json");
        // 13 sizes (1 KiB .. 4 MiB) x 3 operations.
        assertEquals(13 * 3, lines.size());
        for (String op : List.of("all-reduce", "all-gather", "broadcast")) {
            List<JsonNode> points = lines.stream().filter(l -> l.get("op").asText().equals(op)).toList();
            assertEquals(1024, points.getFirst().get("bytes").asLong());
            assertEquals(4L << 20, points.getLast().get("bytes").asLong());
            for (JsonNode point : points) {
                assertEquals("local", point.get("backend").asText());
                assertEquals(2, point.get("ranks").asInt());
                assertTrue(point.get("time_us").asDouble() > 0, point.toString());
                assertTrue(point.get("time_us_min").asDouble() <= point.get("time_us").asDouble());
                assertTrue(point.get("busbw_gbps").asDouble() > 0, point.toString());
            }
            // Latency dominates small messages and bandwidth large ones: 4096x the bytes must move at a higher
            // rate (in the steady state two in-process ranks sum 1 KiB in about 1 us, about 1 GB/s).
            assertTrue(points.getLast().get("algbw_gbps").asDouble() > 2 * points.getFirst().get("algbw_gbps").asDouble(),
                    op + ": " + points.getFirst() + " vs " + points.getLast());
        }
    }

    @Test
    void gridGroupsAreMeasuredToo() throws Exception {
        List<JsonNode> lines = run("comm-bench", "--ranks", "4", "--grid", "2,2", "--ops", "all-reduce",
                "--min-bytes", "4KiB", "--max-bytes", "8KiB", "--warmup", "0", "--repeat", "3", "--json");
        assertEquals(List.of("world", "world", "row", "row", "column", "column"),
                lines.stream().map(l -> l.get("group").asText()).toList());
        assertEquals(List.of(4, 4, 2, 2, 2, 2), lines.stream().map(l -> l.get("ranks").asInt()).toList());
    }
}
