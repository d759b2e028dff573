package org.yalis.bindings.mpi;

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

/**
 * Finds an MPI launcher ({@code mpirun}) of a given flavor on {@code PATH} and runs JVM ranks under
 * it with a hard timeout that kills the whole process tree.
 */
record MpiLauncher(MpiFlavor flavor, Path executable) {

    /** What a launch printed (stdout and stderr merged) and how it ended. */
    record Result(int exitCode, String output, boolean timedOut, double seconds, long survivors) {
    }

    /**
     * Open MPI's launcher: {@code mpirun.openmpi} or {@code orterun}, or an {@code mpirun} whose
     * {@code --version} says Open MPI. MPICH's: {@code mpirun.mpich} / {@code mpiexec.mpich} /
     * {@code mpiexec.hydra}, or an {@code mpirun} that says HYDRA.
     */
    static Optional<MpiLauncher> find(MpiFlavor flavor) {
        List<String> names = flavor == MpiFlavor.OPEN_MPI ? List.of("mpirun.openmpi", "orterun", "mpirun")
                : List.of("mpirun.mpich", "mpiexec.mpich", "mpiexec.hydra", "mpirun");
        String marker = flavor == MpiFlavor.OPEN_MPI ? "Open MPI" : "HYDRA";
        for (String name : names) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(candidate) && version(candidate).contains(marker)) {
                    return Optional.of(new MpiLauncher(flavor, candidate));
                }
            }
        }
        return Optional.empty();
    }

    private static String version(Path launcher) {
        try {
            Process process = new ProcessBuilder(launcher.toString(), "--version").redirectErrorStream(true).start();
            process.getOutputStream().close();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "";
            }
            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /**
     * Runs {@code ranks} JVMs of {@code mainClass} under this launcher, with this JVM's class path
     * (the {@code java.class.path} property: test and main classes, and surefire's jars) and the
     * FFM flag. Kills the launcher and every descendant after {@code timeoutSeconds}.
     */
    Result run(int ranks, long timeoutSeconds, String mainClass, String... args) throws IOException,
            InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        if (flavor == MpiFlavor.OPEN_MPI) {
            // Root in CI containers; 4 ranks on 2 cores; the JVM keeps its own signal handlers.
            command.addAll(List.of("--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
                    "--mca", "opal_signal", ""));
        }
        command.addAll(List.of("-np", Integer.toString(ranks)));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));

        Path log = Files.createTempFile("yalis-mpirun-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        // Nothing inherited from an MPI job this test may itself run in, nor a library override.
        env.keySet().removeIf(key -> key.startsWith("OMPI_") || key.startsWith("PMI_") || key.startsWith("PMIX_")
                || key.startsWith("HYDI_") || key.equals(MpiLibrarySelector.OVERRIDE_ENV));
        env.put("OMPI_MCA_opal_signal", "");
        long start = System.nanoTime();
        Process process = builder.start();
        process.getOutputStream().close();
        boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        long survivors = 0;
        if (!finished) {
            survivors = killTree(process);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        return new Result(finished ? process.exitValue() : -1, output, !finished, seconds, survivors);
    }

    /** Kills the launcher and every process under it (the ranks), leaves first; returns how many outlived it. */
    private static long killTree(Process process) throws InterruptedException {
        List<ProcessHandle> descendants = process.descendants().toList();
        for (ProcessHandle child : descendants.reversed()) {
            child.destroyForcibly();
        }
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        for (ProcessHandle child : descendants) {
            child.onExit().completeOnTimeout(child, 10, TimeUnit.SECONDS).join();
        }
        return descendants.stream().filter(ProcessHandle::isAlive).count();
    }
}
