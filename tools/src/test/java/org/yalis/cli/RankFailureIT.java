package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.yalis.engine.testing.TestModels;

/**
 * The rank-failure matrix: one rank of a tensor-parallel {@code bin/yalis generate} fails (it throws, or
 * its process is killed with SIGKILL) while loading, in prefill, in decode, or inside a collective, through
 * {@code YALIS_FAULT} (docs/errors.md). Every time, the job ends non-zero within 30 s, what it prints names
 * the failed rank, and no process of it is left running.
 *
 * <p>Ranks as MPI processes under Open MPI's mpirun (2 and 4 processes), and ranks as threads of one process
 * ({@code --collective local}), where only a throw is a rank failing: SIGKILL takes the whole process.
 */
class RankFailureIT {
    private static final Path LAUNCHER = Path.of(System.getProperty("yalis.project.dir", "..")).toAbsolutePath()
            .normalize().resolve("bin/yalis");
    private static final double STOPS_WITHIN_SECONDS = 30;
    private static Path model;

    @BeforeAll
    static void model() {
        model = TestModels.requireStories260K();
    }

    private static List<String> generate(int ranks, String collective) {
        return new ArrayList<>(List.of(LAUNCHER.toString(), "generate", "--model", model.toString(), "--prompt",
                "Once upon a time", "--prompt", "Lily and Tom", "--temperature", "0", "--max-new-tokens", "64",
                "--tp", String.valueOf(ranks), "--collective", collective));
    }

    @ParameterizedTest(name = "mpirun -np {0}: rank {1} {3} at {2}")
    @CsvSource({
        "2, 1, load, throw", "2, 1, prefill, throw", "2, 1, decode, throw", "2, 1, collective, throw",
        "2, 1, load, kill", "2, 1, prefill, kill", "2, 1, decode, kill", "2, 1, collective, kill",
        "4, 2, load, throw", "4, 3, prefill, throw", "4, 1, decode, throw", "4, 2, collective, throw",
        "4, 3, load, kill", "4, 1, prefill, kill", "4, 2, decode, kill", "4, 3, collective, kill",
    })
    void aFailedMpiRankStopsTheJob(int ranks, int failing, String at, String how) throws Exception {
        String job = UUID.randomUUID().toString();
        MpiJob.Result result = MpiJob.run(120, Map.of("YALIS_FAULT", "rank=" + failing + ",at=" + at + ",how=" + how,
                "JAVA_OPTS", "-Dyalis.test.job=" + job), new MpiJob.Program(ranks, generate(ranks, "mpi")));
        String output = result.stdout() + result.stderr();
        assertFalse(result.timedOut(), "the job hung:\n" + output);
        assertNotEquals(0, result.exitCode(), output);
        assertTrue(result.seconds() < STOPS_WITHIN_SECONDS, "the job took " + result.seconds() + " s to stop:\n" + output);
        assertTrue(output.contains("rank " + failing), "the failed rank is named:\n" + output);
        if (how.equals("throw")) {
            assertTrue(output.contains("error: rank " + failing + ": ") && output.contains("injected fault"),
                    "the failed rank's own error line is printed:\n" + output);
        } else {
            assertTrue(output.contains("process rank " + failing + " ") && output.contains("signal 9"),
                    "mpirun names the rank and how it died:\n" + output);
        }
        assertNothingLeftOf(job);
    }

    @ParameterizedTest(name = "local ranks: {0} ranks, rank {1} throws at {2}")
    @CsvSource({
        "2, 1, load", "2, 1, prefill", "2, 1, decode", "2, 1, collective",
        "4, 3, load", "4, 2, prefill", "4, 1, decode", "4, 3, collective",
    })
    void aFailedLocalRankStopsTheProcess(int ranks, int failing, String at) throws Exception {
        String job = UUID.randomUUID().toString();
        ProcessBuilder builder = new ProcessBuilder(generate(ranks, "local"));
        builder.environment().put("YALIS_FAULT", "rank=" + failing + ",at=" + at + ",how=throw");
        builder.environment().put("JAVA_OPTS", "-Dyalis.test.job=" + job);
        Path stderr = Files.createTempFile("yalis-err", ".txt");
        builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
        long start = System.nanoTime();
        Process process = builder.start();
        boolean finished = process.waitFor(120, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        String output = Files.readString(stderr, StandardCharsets.UTF_8);
        Files.delete(stderr);
        assertTrue(finished, "the process hung:\n" + output);
        assertEquals(1, process.exitValue(), output);
        assertTrue(seconds < STOPS_WITHIN_SECONDS, "the process took " + seconds + " s to stop:\n" + output);
        List<String> errors = output.lines().filter(line -> line.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), "one error line:\n" + output);
        assertTrue(errors.getFirst().startsWith("error: rank " + failing + ": ")
                && errors.getFirst().contains("injected fault"), "the failed rank and its cause:\n" + output);
        assertFalse(output.contains("\tat "), "no stack trace:\n" + output);
        assertNothingLeftOf(job);
    }

    /** No process whose command line carries the job's mark is still running (after a grace period). */
    private static void assertNothingLeftOf(String job) throws InterruptedException {
        List<ProcessHandle> left = List.of();
        for (int attempt = 0; attempt < 50; attempt++) {
            left = ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                    .filter(process -> process.info().commandLine().orElse("").contains(job)).toList();
            if (left.isEmpty()) {
                return;
            }
            Thread.sleep(100);
        }
        left.forEach(ProcessHandle::destroyForcibly);
        throw new AssertionError(left.size() + " processes of the job were left running: "
                + left.stream().map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList());
    }
}
