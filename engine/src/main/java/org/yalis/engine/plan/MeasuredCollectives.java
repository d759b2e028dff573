package org.yalis.engine.plan;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;
import org.yalis.engine.comm.CommProfile;

/**
 * Collective times read from {@code yalis comm-bench --json} lines ({@code --comm-profile}): each call takes
 * the median measured for its operation, backend and group size, interpolated between the two nearest
 * measured sizes on log-log axes (beyond the largest, at its bandwidth). An all-gather's size there is the
 * gathered result, so a call bringing {@code b} bytes per rank over {@code p} ranks reads the curve at
 * {@code p * b}.
 */
public record MeasuredCollectives(String name, String buffers, Map<String, Curve> curves, String source)
        implements CollectiveTimes {

    /** Median times (us) at measured sizes, smallest first. */
    public record Curve(long[] bytes, double[] micros) {
    }

    public static MeasuredCollectives read(Path file, String backend, String buffers) {
        String text = new String(UserFiles.read(file, "--comm-profile"), StandardCharsets.UTF_8);
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        int line = 0;
        for (String row : text.lines().toList()) {
            line++;
            if (row.isBlank()) {
                continue;
            }
            JsonNode node = UserFiles.parseJson(row.getBytes(StandardCharsets.UTF_8), "--comm-profile " + file
                    + " line " + line, "give the output of yalis comm-bench --json");
            if (!backend.equals(node.path("backend").asText()) || !buffers.equals(node.path("buffers").asText())
                    || !"world".equals(node.path("group").asText()) || !(node.path("time_us").asDouble() > 0)
                    || !node.path("bytes").canConvertToLong()) {
                continue;
            }
            points.computeIfAbsent(key(node.path("op").asText(), node.path("ranks").asInt()), k -> new ArrayList<>())
                    .add(new double[] {node.get("bytes").asLong(), node.get("time_us").asDouble()});
        }
        if (points.isEmpty()) {
            throw new YalisException("--comm-profile " + file + " has no world-group measurement of " + backend + " on "
                    + buffers + " buffers; add one with bin/yalis comm-bench --collective " + backend + " --json >> "
                    + file.getFileName());
        }
        Map<String, Curve> curves = new LinkedHashMap<>();
        points.forEach((key, list) -> {
            list.sort(Comparator.comparingDouble(p -> p[0]));
            curves.put(key, new Curve(list.stream().mapToLong(p -> (long) p[0]).toArray(),
                    list.stream().mapToDouble(p -> p[1]).toArray()));
        });
        return new MeasuredCollectives(backend, buffers, Map.copyOf(curves), file.toString());
    }

    private static String key(String op, int ranks) {
        return op + "/" + ranks;
    }

    @Override
    public double seconds(StepTrace.Collective call, Placement placement) {
        String op = call.kind() == StepTrace.CollectiveKind.ALL_REDUCE ? "all-reduce" : "all-gather";
        Curve curve = curves.get(key(op, call.groupSize()));
        if (curve == null) {
            throw new YalisException("--comm-profile " + source + " has no " + op + " of " + name + " over "
                    + call.groupSize() + " ranks; measure it with bin/yalis comm-bench --collective " + name
                    + " --ranks " + call.groupSize() + " --json");
        }
        double bytes = call.kind() == StepTrace.CollectiveKind.ALL_REDUCE ? call.bytes()
                : (double) call.bytes() * call.groupSize();
        return CommProfile.interpolate(curve.bytes(), curve.micros(), bytes) * 1e-6;
    }
}
