package org.yalis.engine.comm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.YalisException;

/**
 * The auto collective's choice from comm-bench lines, on hand-worked cases: log-log interpolation between
 * measured sizes, extrapolation as bandwidth beyond the largest, and only the lines that describe the run
 * (world all-reduces, its buffers, its rank count, a candidate backend) taken.
 */
class CommProfileTest {
    @TempDir
    Path temp;

    private static String line(String backend, int ranks, String group, String op, String buffers, long bytes,
                               double micros) {
        return "{\"backend\":\"" + backend + "\",\"ranks\":" + ranks + ",\"group\":\"" + group + "\",\"op\":\"" + op
                + "\",\"dtype\":\"f32\",\"buffers\":\"" + buffers + "\",\"bytes\":" + bytes + ",\"time_us\":" + micros
                + "}\n";
    }

    private CommProfile profile(String text) throws Exception {
        Path file = Files.writeString(temp.resolve("profile.jsonl"), text);
        return CommProfile.read(file, "host", 4, Set.of("mpi", "hier"));
    }

    @Test
    void theFastestBackendIsInterpolatedOnLogLogAxes() throws Exception {
        // mpi: 2 us at 1 KiB, 32 us at 16 KiB (time grows as the size: t = 2 (b/1KiB)); hier: a flat 10 us.
        CommProfile profile = profile(line("mpi", 4, "world", "all-reduce", "host", 1024, 2)
                + line("mpi", 4, "world", "all-reduce", "host", 16384, 32)
                + line("hier", 4, "world", "all-reduce", "host", 1024, 10)
                + line("hier", 4, "world", "all-reduce", "host", 16384, 10));
        assertEquals("mpi", profile.fastest(512), "below the smallest size: the smallest's time");
        assertEquals("mpi", profile.fastest(4096), "mpi 8 us against hier 10 us");
        assertEquals("hier", profile.fastest(8192), "mpi 16 us against hier 10 us");
        // Beyond the largest, time grows as bytes over the last bandwidth: at 32 KiB mpi 64 us, hier 20 us.
        assertEquals("hier", profile.fastest(32768));
    }

    @Test
    void onlyTheLinesOfThisRunAreRead() throws Exception {
        // Each decoy would make mpi win everywhere if it were taken.
        CommProfile profile = profile(line("mpi", 4, "world", "all-reduce", "host", 1024, 50)
                + line("hier", 4, "world", "all-reduce", "host", 1024, 5)
                + line("mpi", 4, "row", "all-reduce", "host", 1024, 1)
                + line("mpi", 4, "world", "all-gather", "host", 1024, 1)
                + line("mpi", 4, "world", "all-reduce", "device", 1024, 1)
                + line("mpi", 2, "world", "all-reduce", "host", 1024, 1)
                + line("nccl", 4, "world", "all-reduce", "host", 1024, 0.1));
        assertEquals("hier", profile.fastest(1024));
        assertEquals(Set.of("mpi", "hier"), profile.backends());
    }

    @Test
    void aProfileWithoutTheRunsMeasurementsSaysHowToTakeThem() throws Exception {
        YalisException error = assertThrows(YalisException.class,
                () -> profile(line("mpi", 2, "world", "all-reduce", "host", 1024, 1)));
        assertTrue(error.getMessage().contains("over 4 ranks") && error.getMessage().contains("comm-bench"),
                error.getMessage());
    }

    @Test
    void theChoicesArePrintedAsSizeRanges() throws Exception {
        CommProfile profile = profile(line("mpi", 4, "world", "all-reduce", "host", 1024, 1)
                + line("mpi", 4, "world", "all-reduce", "host", 2048, 1000)
                + line("hier", 4, "world", "all-reduce", "host", 1024, 1000)
                + line("hier", 4, "world", "all-reduce", "host", 2048, 1));
        Communicator one = LocalCommunicator.createGroup(1).getFirst();
        Map<String, Communicator> backends = new LinkedHashMap<>();
        backends.put("mpi", one);
        backends.put("hier", one);
        AutoCommunicator auto = new AutoCommunicator(backends, profile);
        assertEquals("mpi", auto.backendFor(1024));
        assertEquals("hier", auto.backendFor(1025), "1025 bytes are in the class above 1 KiB");
        assertEquals("up to 1.0 KiB mpi, above 1.0 KiB hier", auto.ranges());
        assertEquals(java.util.Optional.of(auto.ranges()), auto.choices(), "what the bench breakdown records");
    }
}
