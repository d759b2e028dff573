package org.yalis.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.yalis.engine.YalisException;

/**
 * The results a report is drawn from, read from any mix of files: each file holds one JSON object
 * (possibly spread over lines) or several (JSON lines, or simply one after another), and each object
 * is a {@code yalis bench --json} result or a {@code yalis comm-bench --json} line, told apart by
 * their fields, so a file may even mix the two.
 *
 * @param files per input file, how many of each it held (listed in the report)
 */
public record BenchmarkResults(List<BenchResult> bench, List<CommBenchPoint> collectives, List<InputFile> files) {

    /** @param name the file name as given on the command line */
    public record InputFile(String name, int benchResults, int collectivePoints) {
    }

    public BenchmarkResults {
        bench = List.copyOf(bench);
        collectives = List.copyOf(collectives);
        files = List.copyOf(files);
    }

    public static BenchmarkResults read(List<Path> paths) {
        List<BenchResult> bench = new ArrayList<>();
        List<CommBenchPoint> collectives = new ArrayList<>();
        List<InputFile> files = new ArrayList<>();
        ObjectMapper mapper = new ObjectMapper();
        for (Path path : paths) {
            if (!Files.isRegularFile(path)) {
                throw new YalisException("result file " + path + " does not exist");
            }
            int benchBefore = bench.size();
            int collectivesBefore = collectives.size();
            int record = 0;
            try (MappingIterator<JsonNode> records = mapper.readerFor(JsonNode.class).readValues(path.toFile())) {
                while (records.hasNextValue()) {
                    JsonNode node = records.nextValue();
                    record++;
                    String where = path + ", record " + record;
                    if (BenchResult.matches(node)) {
                        bench.add(BenchResult.from(node, where));
                    } else if (CommBenchPoint.matches(node)) {
                        collectives.add(CommBenchPoint.from(node, where));
                    } else {
                        throw new YalisException(where + " is neither a 'yalis bench --json' result (fields key, "
                                + "median, breakdown) nor a 'yalis comm-bench --json' line (fields backend, op, "
                                + "bytes, time_us)");
                    }
                }
            } catch (JsonProcessingException e) {
                String line = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
                throw new YalisException(path + ", after record " + record + ": not JSON ("
                        + e.getOriginalMessage().replaceAll("\\s+", " ") + line + ")");
            } catch (IOException e) {
                throw new YalisException("cannot read " + path + ": " + e.getMessage());
            }
            if (record == 0) {
                throw new YalisException("result file " + path + " holds no results");
            }
            files.add(new InputFile(path.toString(), bench.size() - benchBefore, collectives.size() - collectivesBefore));
        }
        return new BenchmarkResults(bench, collectives, files);
    }
}
