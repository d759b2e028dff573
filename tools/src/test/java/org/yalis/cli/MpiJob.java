package org.yalis.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * Runs a multi-process job under Open MPI's {@code mpirun} (as root, oversubscribed, the JVM keeping
 * its own signal handlers) with a hard timeout that kills the whole process tree, so a hung job
 * fails the test instead of the build.
 */
final class MpiJob {

    /** How a job ended: its exit code (-1 if killed), its output streams and its duration. */
    record Result(int exitCode, String stdout, String stderr, boolean timedOut, double seconds) {
    }

    /** One program of an MPMD job: {@code ranks} processes running {@code command}. */
    record Program(int ranks, List<String> command) {
    }

    private MpiJob() {
    }

    /** Open MPI's mpirun, or a skipped test that says why. */
    static Path requireMpirun() {
        Optional<Path> mpirun = List.of("mpirun.openmpi", "mpirun").stream()
                .flatMap(name -> java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin:/bin")
                        .split(File.pathSeparator)).map(dir -> Path.of(dir.isEmpty() ? "." : dir, name)))
                .filter(Files::isExecutable).findFirst();
        if (mpirun.isEmpty()) {
            String reason = "mpirun not found; .ci/run installs openmpi-bin";
            System.err.println("SKIPPED: " + reason);
            Assumptions.abort(reason);
        }
        return mpirun.orElseThrow();
    }

    /** {@code java} with the engine's flags and this test JVM's class path (test classes included). */
    static List<String> javaWithTestClassPath(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-preview", "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-Dai.djl.offline=true", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return command;
    }

    /** {@code mpirun} (as root, oversubscribed, unbound, the JVM keeping its signals) for {@code programs}. */
    static List<String> command(Program... programs) {
        List<String> command = new ArrayList<>(List.of(requireMpirun().toString(), "--allow-run-as-root",
                "--oversubscribe", "--bind-to", "none", "--mca", "opal_signal", ""));
        for (int i = 0; i < programs.length; i++) {
            if (i > 0) {
                command.add(":");
            }
            command.addAll(List.of("-np", String.valueOf(programs[i].ranks())));
            command.addAll(programs[i].command());
        }
        return command;
    }

    /** Drops what an enclosing MPI job set (a test run under mpirun must start a job of its own). */
    static void cleanEnvironment(Map<String, String> environment) {
        environment.keySet().removeIf(key -> key.startsWith("OMPI_") || key.startsWith("PMI")
                || key.startsWith("HYDI_"));
        environment.put("OMPI_MCA_opal_signal", "");
    }

    static Result run(long timeoutSeconds, Map<String, String> environment, Program... programs)
            throws IOException, InterruptedException {
        Path stdout = Files.createTempFile("yalis-mpi-out", ".txt");
        Path stderr = Files.createTempFile("yalis-mpi-err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command(programs)).redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        cleanEnvironment(builder.environment());
        builder.environment().putAll(environment);
        long start = System.nanoTime();
        Process process = builder.start();
        process.getOutputStream().close();
        boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) {
            List<ProcessHandle> descendants = process.descendants().toList();
            descendants.reversed().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Result result = new Result(finished ? process.exitValue() : -1, Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8), !finished, seconds);
        Files.deleteIfExists(stdout);
        Files.deleteIfExists(stderr);
        return result;
    }
}
