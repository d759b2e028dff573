package org.yalis.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.yalis.engine.UserFiles;
import org.yalis.engine.YalisException;

/**
 * The results a report is drawn from, read from any mix of files: each file holds one JSON object
 * (possibly spread over lines) or several (JSON lines, or simply one after another), and each object
 * is a {@code yalis bench --json} result, a {@code yalis comm-bench --json} line or a
 * {@code yalis bench-serving --json} line, told apart by their fields, so a file may even mix them.
 *
 * @param files per input file, how many of each it held (listed in the report)
 */
public record BenchmarkResults(List<BenchResult> bench, List<CommBenchPoint> collectives, List<ServingPoint> serving,
                               List<InputFile> files) {

    /** @param name the file name as given on the command line */
    public record InputFile(String name, int benchResults, int collectivePoints, int servingPoints) {
    }

    public BenchmarkResults {
        bench = List.copyOf(bench);
        collectives = List.copyOf(collectives);
        serving = List.copyOf(serving);
        files = List.copyOf(files);
    }

    public static BenchmarkResults read(List<Path> paths) {
        List<BenchResult> bench = new ArrayList<>();
        List<CommBenchPoint> collectives = new ArrayList<>();
        List<ServingPoint> serving = new ArrayList<>();
        List<InputFile> files = new ArrayList<>();
        for (Path path : paths) {
            if (!Files.isRegularFile(path)) {
                throw new YalisException("result file " + path + " does not exist");
            }
            try (InputStream in = Files.newInputStream(path)) {
                files.add(readRecords(path.toString(), in, bench, collectives, serving));
            } catch (IOException e) {
                throw new YalisException(UserFiles.cannotRead(path, "result file", e));
            }
        }
        return new BenchmarkResults(bench, collectives, serving, files);
    }

    /** The results in {@code bytes}, as one result file named {@code name}. */
    public static BenchmarkResults parse(byte[] bytes, String name) {
        List<BenchResult> bench = new ArrayList<>();
        List<CommBenchPoint> collectives = new ArrayList<>();
        List<ServingPoint> serving = new ArrayList<>();
        try {
            InputFile file = readRecords(name, new java.io.ByteArrayInputStream(bytes), bench, collectives, serving);
            return new BenchmarkResults(bench, collectives, serving, List.of(file));
        } catch (IOException e) {
            throw new YalisException("cannot read " + name + ": " + e.getMessage());
        }
    }

    /** Every JSON record of one result file, sorted into bench results and comm-bench points. */
    private static InputFile readRecords(String name, InputStream in, List<BenchResult> bench,
                                         List<CommBenchPoint> collectives, List<ServingPoint> serving) throws IOException {
        int benchBefore = bench.size();
        int collectivesBefore = collectives.size();
        int servingBefore = serving.size();
        int record = 0;
        try (MappingIterator<JsonNode> records = new ObjectMapper().readerFor(JsonNode.class).readValues(in)) {
            while (records.hasNextValue()) {
                JsonNode node = records.nextValue();
                record++;
                String where = name + ", record " + record;
                if (BenchResult.matches(node)) {
                    bench.add(BenchResult.from(node, where));
                } else if (CommBenchPoint.matches(node)) {
                    collectives.add(CommBenchPoint.from(node, where));
                } else if (ServingPoint.matches(node)) {
                    serving.add(ServingPoint.from(node, where));
                } else {
                    throw new YalisException(where + " is neither a 'yalis bench --json' result (fields key, "
                            + "median, breakdown), a 'yalis comm-bench --json' line (fields backend, op, "
                            + "bytes, time_us) nor a 'yalis bench-serving --json' line (benchmark: serving)");
                }
            }
        } catch (JsonProcessingException e) {
            throw new YalisException(name + ", after record " + record + ": not JSON (" + UserFiles.where(e) + ")");
        }
        if (record == 0) {
            throw new YalisException("result file " + name + " holds no results");
        }
        return new InputFile(name, bench.size() - benchBefore, collectives.size() - collectivesBefore,
                serving.size() - servingBefore);
    }
}
