package org.yalis.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.YalisException;
import org.yalis.engine.metrics.Category;

class BenchmarkResultsTest {
    @TempDir
    Path temp;

    private Path write(String name, String text) throws Exception {
        return Files.writeString(temp.resolve(name), text);
    }

    @Test
    void filesOfOnePrettyObjectOfJsonLinesAndOfBothKindsMixedAreAllRead() throws Exception {
        Path pretty = write("tp1.json", ResultFixtures.MAPPER.writerWithDefaultPrettyPrinter()
                .writeValueAsString(ResultFixtures.bench("synth:tiny", 1, "1x1", "local", 100, 60, 10, 0, 5)));
        Path lines = write("tp.jsonl", ResultFixtures.lines(List.of(
                ResultFixtures.bench("synth:tiny", 2, "2x1", "local", 70, 30, 6, 20, 4),
                ResultFixtures.bench("synth:tiny", 4, "2x2", "mpi", 50, 15, 3, 25, 3))));
        Path comm = write("comm.jsonl", ResultFixtures.lines(List.of(
                ResultFixtures.comm("local", 2, "all-reduce", 1024, 12.5, 0.08),
                ResultFixtures.comm("local", 2, "all-reduce", 2048, 13.0, 0.16))));
        Path mixed = write("mixed.jsonl", ResultFixtures.lines(List.of(
                ResultFixtures.comm("mpi", 2, "all-reduce", 1024, 20, 0.05),
                ResultFixtures.bench("/models/stories260K/", 1, "1x1", "local", 9, 5, 1, 0, 1))));

        BenchmarkResults results = BenchmarkResults.read(List.of(pretty, lines, comm, mixed));

        assertEquals(4, results.bench().size());
        assertEquals(3, results.collectives().size());
        assertEquals(List.of(1, 2, 0, 1), results.files().stream().map(BenchmarkResults.InputFile::benchResults).toList());
        assertEquals(List.of(0, 0, 2, 1), results.files().stream().map(BenchmarkResults.InputFile::collectivePoints).toList());
        BenchResult fourRanks = results.bench().get(2);
        assertEquals(4, fourRanks.ranks());
        assertEquals("2x2", fourRanks.grid());
        assertEquals("mpi", fourRanks.collective());
        assertEquals(50, fourRanks.e2eMs());
        assertEquals(25.0 * 3, fourRanks.breakdown().get("decode_10_steps").get(Category.COLLECTIVE));
        assertEquals(15.0 * 2, fourRanks.breakdown().get("decode").get(Category.GEMM));
        assertEquals("stories260K", results.bench().get(3).modelName(), "a folder shows as its name");
        assertEquals("b1 p16 d8", fourRanks.workload());
        CommBenchPoint point = results.collectives().get(1);
        assertEquals(2048, point.bytes());
        assertEquals(13.0, point.timeMicros());
        assertEquals(0.16, point.busGigabytesPerSecond());
    }

    @Test
    void aRecordOfNeitherKindIsNamedByFileAndPosition() throws Exception {
        Path file = write("odd.jsonl", ResultFixtures.lines(List.of(
                ResultFixtures.comm("local", 2, "all-reduce", 1024, 12.5, 0.08))) + "{\"threads\": 2, \"membw_read_gbps\": 9}\n");
        YalisException error = assertThrows(YalisException.class, () -> BenchmarkResults.read(List.of(file)));
        assertTrue(error.getMessage().contains("odd.jsonl, record 2 is neither a 'yalis bench --json' result"),
                error.getMessage());
    }

    @Test
    void aMissingFieldIsNamed() throws Exception {
        var record = ResultFixtures.bench("m", 1, "1x1", "local", 1, 1, 1, 0, 1);
        ((com.fasterxml.jackson.databind.node.ObjectNode) record.get("breakdown").get("decode")).remove("other_ms");
        Path file = write("partial.json", ResultFixtures.MAPPER.writeValueAsString(record));
        YalisException error = assertThrows(YalisException.class, () -> BenchmarkResults.read(List.of(file)));
        assertTrue(error.getMessage().contains("partial.json, record 1: field 'breakdown.decode.other_ms' should be a "
                + "number, found nothing"), error.getMessage());
    }

    @Test
    void brokenJsonEmptyFilesAndMissingFilesAreErrorsNotEmptyCharts() throws Exception {
        Path broken = write("broken.jsonl", ResultFixtures.lines(List.of(
                ResultFixtures.comm("local", 2, "all-reduce", 1024, 12.5, 0.08))) + "{\"backend\": \n");
        YalisException notJson = assertThrows(YalisException.class, () -> BenchmarkResults.read(List.of(broken)));
        assertTrue(notJson.getMessage().contains("broken.jsonl, after record 1: not JSON"), notJson.getMessage());

        Path empty = write("empty.json", "\n");
        YalisException nothing = assertThrows(YalisException.class, () -> BenchmarkResults.read(List.of(empty)));
        assertTrue(nothing.getMessage().contains("holds no results"), nothing.getMessage());

        YalisException missing = assertThrows(YalisException.class,
                () -> BenchmarkResults.read(List.of(temp.resolve("absent.json"))));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    }
}
