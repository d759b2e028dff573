package org.yalis.engine.comm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;

/**
 * All-reduce latency against message size per backend, as {@code yalis comm-bench --json} measured it on
 * this machine (one file, or several concatenated: one line per backend, group and size), and the
 * fastest backend for a message of any size: each backend's time is interpolated between its two
 * nearest measured sizes on log-log axes (latency and bandwidth regimes are both straight there), and
 * extrapolated beyond its largest as bytes over its last bandwidth.
 */
public final class CommProfile {
    /** One backend's medians at its measured sizes, smallest first. */
    private record Curve(long[] bytes, double[] micros) {
        double at(long size) {
            return interpolate(bytes, micros, size);
        }
    }

    /**
     * The time at {@code size} of a curve measured at {@code bytes} (ascending): log-log interpolation between
     * the two nearest sizes, the smallest size's time below it, its last bandwidth beyond the largest.
     */
    public static double interpolate(long[] bytes, double[] times, double size) {
        int n = bytes.length;
        if (size <= bytes[0]) {
            return times[0];
        }
        if (size >= bytes[n - 1]) {
            return times[n - 1] * size / bytes[n - 1];
        }
        int i = 1;
        while (bytes[i] < size) {
            i++;
        }
        double t = (Math.log(size) - Math.log(bytes[i - 1])) / (Math.log(bytes[i]) - Math.log(bytes[i - 1]));
        return Math.exp(Math.log(times[i - 1]) + t * (Math.log(times[i]) - Math.log(times[i - 1])));
    }

    private final Map<String, Curve> curves;
    private final String source;

    private CommProfile(Map<String, Curve> curves, String source) {
        this.curves = curves;
        this.source = source;
    }

    /**
     * The world all-reduces of {@code file} on {@code buffers} ("host" or "device") over {@code ranks}
     * ranks, for the backends among {@code candidates}; an error naming the file if it has none.
     */
    public static CommProfile read(Path file, String buffers, int ranks, Set<String> candidates) {
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
            if (!"all-reduce".equals(node.path("op").asText()) || !"world".equals(node.path("group").asText())
                    || !buffers.equals(node.path("buffers").asText()) || node.path("ranks").asInt() != ranks
                    || !candidates.contains(node.path("backend").asText()) || !node.path("time_us").isNumber()
                    || !node.path("bytes").canConvertToLong() || !(node.path("time_us").asDouble() > 0)) {
                continue;
            }
            points.computeIfAbsent(node.get("backend").asText(), b -> new ArrayList<>())
                    .add(new double[] {node.get("bytes").asLong(), node.get("time_us").asDouble()});
        }
        Map<String, Curve> curves = new LinkedHashMap<>();
        points.forEach((backend, list) -> {
            list.sort(Comparator.comparingDouble(p -> p[0]));
            curves.put(backend, new Curve(list.stream().mapToLong(p -> (long) p[0]).toArray(),
                    list.stream().mapToDouble(p -> p[1]).toArray()));
        });
        if (curves.isEmpty()) {
            throw new YalisException("--comm-profile " + file + " has no all-reduce of the world group over " + ranks
                    + " ranks on " + buffers + " buffers for " + candidates + "; measure them with mpirun -np " + ranks
                    + " bin/yalis comm-bench --collective NAME --ops all-reduce --json >> " + file.getFileName());
        }
        return new CommProfile(curves, file.toString());
    }

    /** The backends it has measurements of. */
    public Set<String> backends() {
        return curves.keySet();
    }

    /** The backend predicted fastest for an all-reduce of {@code bytes}. */
    public String fastest(long bytes) {
        String best = null;
        double bestMicros = Double.MAX_VALUE;
        for (Map.Entry<String, Curve> entry : curves.entrySet()) {
            double micros = entry.getValue().at(bytes);
            if (micros < bestMicros) {
                bestMicros = micros;
                best = entry.getKey();
            }
        }
        return best;
    }

    /** The measured (interpolated) time of an all-reduce of {@code bytes} on {@code backend}, in microseconds. */
    public double micros(String backend, long bytes) {
        Curve curve = curves.get(backend);
        if (curve == null) {
            throw new YalisException("--comm-profile " + source + " has no all-reduce measured with " + backend
                    + " (it has " + curves.keySet() + "); run yalis comm-bench --collective " + backend + " --json");
        }
        return curve.at(bytes);
    }

    /** Where the measurements came from. */
    public String source() {
        return source;
    }
}
