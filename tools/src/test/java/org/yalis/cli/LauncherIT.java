package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.bindings.KnownLibrary;
import org.yalis.bindings.NativeLibraryLocator;
import org.yalis.engine.testing.TestModels;

/** Runs {@code bin/yalis} as a user would: a separate process, after {@code mvn package}. */
class LauncherIT {
    private static final Path PROJECT = Path.of(System.getProperty("yalis.project.dir", "..")).toAbsolutePath()
            .normalize();
    private static final Path LAUNCHER = PROJECT.resolve("bin/yalis");

    private record Result(int exitCode, String stdout, String stderr) {
        /** Stderr without the JVM's own notice about the incubating Vector API. */
        List<String> stderrLines() {
            return stderr.lines().filter(line -> !line.isBlank() && !line.startsWith("WARNING: Using incubator"))
                    .toList();
        }
    }

    private static Result run(Map<String, String> environment, Path launcher, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        Path stdout = Files.createTempFile("yalis-out", ".txt");
        Path stderr = Files.createTempFile("yalis-err", ".txt");
        builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("bin/yalis " + String.join(" ", args) + " hung for 120 s");
        }
        Result result = new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
        Files.delete(stdout);
        Files.delete(stderr);
        return result;
    }

    private static Result run(String... args) throws IOException, InterruptedException {
        return run(Map.of(), LAUNCHER, args);
    }

    @Test
    void expectedGreedyOutputsThroughTheCommandLine() throws Exception {
        Path model = TestModels.requireStories260K();
        JsonNode expected = new ObjectMapper().readTree(model.resolve("expected-greedy.json").toFile());
        JsonNode cases = expected.get("cases");
        int maxNewTokens = cases.get(0).get("max_new_tokens").asInt();
        List<String> args = new ArrayList<>(List.of("generate", "--model", model.toString(), "--temperature", "0",
                "--max-new-tokens", String.valueOf(maxNewTokens), "--json"));
        for (JsonNode testCase : cases) {
            assertEquals(maxNewTokens, testCase.get("max_new_tokens").asInt(), "both cases share one N");
            args.add("--prompt");
            args.add(testCase.get("prompt").asText());
        }
        Result result = run(args.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.stderr());
        List<String> lines = result.stdout().lines().toList();
        assertEquals(cases.size(), lines.size(), "one JSON object per prompt on stdout:\n" + result.stdout());
        for (int i = 0; i < cases.size(); i++) {
            JsonNode line = new ObjectMapper().readTree(lines.get(i));
            JsonNode want = cases.get(i);
            assertEquals(want.get("prompt").asText(), line.get("prompt").asText());
            assertArrayEquals(ids(want.get("prompt_ids")), ids(line.get("prompt_ids")));
            assertArrayEquals(ids(want.get("generated_ids")), ids(line.get("generated_ids")));
            assertEquals(want.get("text").asText(), want.get("prompt").asText() + line.get("text").asText());
            assertEquals("length", line.get("finish_reason").asText());
            JsonNode metrics = line.get("metrics");
            for (String key : List.of("prefill_ms", "decode_ms", "prefill_tokens_per_s", "decode_tokens_per_s")) {
                assertTrue(metrics.get(key).asDouble() > 0, key + " in " + metrics);
            }
        }
    }

    @Test
    void plainTextStreamsThePromptAndItsContinuation() throws Exception {
        Path model = TestModels.requireStories260K();
        Result result = run("generate", "--model", model.toString(), "--prompt", "Once upon a time",
                "--max-new-tokens", "30", "--temperature", "0");
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdout().startsWith("Once upon a time, there was a little girl named Lily."),
                result.stdout());
    }

    @Test
    void infoListsTheJdkTheVectorWidthAndTheBackends() throws Exception {
        Result result = run("info");
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdout().contains("JDK            25"), result.stdout());
        assertTrue(result.stdout().matches("(?s).*vector width +\\d+ bits.*"), result.stdout());
        assertTrue(result.stdout().matches("(?s).*attention backends \\(--attention\\):\\s+cpu .*\\n  cuda +devices cuda: .*"),
                result.stdout());
        assertTrue(result.stdout().matches("(?s).*compute backends \\(--device\\):\\n  cpu +host memory: .*\\n  cuda +device "
                + "memory: .*"), result.stdout());
        assertTrue(result.stdout().matches("(?s).*collective backends \\(--collective\\):\\n  auto +ranks as processes, host and device buffers: .*\\n  hier +ranks as processes, host buffers: .*\\n  local +ranks as threads, host "
                + "buffers: .*\\n  mpi +ranks as processes, host and device buffers: .*\\n  nccl +ranks as processes, "
                + "device buffers: .*"), result.stdout());
        assertTrue(result.stdout().contains("compute        cpu, cuda"), result.stdout());
        assertTrue(result.stdout().contains("CUDA runtime"), result.stdout());
        assertTrue(result.stdout().contains("MPI flavor"), result.stdout());
        if (Files.isRegularFile(Path.of("/usr/lib/x86_64-linux-gnu/libmpi.so.40"))
                && System.getenv("YALIS_MPI_LIBRARY") == null) {
            // Debian's Open MPI (.ci/run installs it): flavor from its symbols, version without MPI_Init.
            assertTrue(result.stdout().matches("(?s).*MPI flavor +Open MPI \\(pointer handles\\), Open MPI v.*"),
                    result.stdout());
        }
    }

    /**
     * The cuda section either lists GPUs or says in one line why there is none (here: libcudart
     * without a driver), and never shows a stack trace.
     */
    @Test
    void infoHasACudaSectionWithGpusOrTheReasonThereIsNone() throws Exception {
        Result result = run("info");
        assertEquals(0, result.exitCode(), result.stderr());
        String stdout = result.stdout();
        assertTrue(stdout.matches("(?s).*\\ncuda:\\n  runtime +\\S.*\\n  driver +\\S.*"), stdout);
        assertTrue(stdout.matches("(?s).*\\n  (GPU 0 +compute \\d+\\.\\d+, \\d+ SMs, .* total, .* free"
                + "|no GPU: \\S[^\\n]*)\\n.*"), stdout);
        assertFalse(stdout.contains("\tat ") || result.stderr().contains("\tat "), "no stack trace");
        NativeLibraryLocator locator = NativeLibraryLocator.fromEnvironment();
        if (locator.locate(KnownLibrary.CUDA_RUNTIME).found() && !locator.locate(KnownLibrary.CUDA_DRIVER).found()) {
            // The build machines: the toolkit's runtime, no driver.
            assertTrue(stdout.contains("  no GPU: no CUDA driver (cudaGetDeviceCount: cudaErrorInsufficientDriver)\n"),
                    stdout);
        }
    }

    @Test
    void badInputIsOneLineAndANonZeroExit() throws Exception {
        Result result = run("generate", "--model", "/nonexistent/model", "--prompt", "hi");
        assertEquals(1, result.exitCode());
        assertEquals(1, result.stderrLines().size(), result.stderr());
        assertTrue(result.stderrLines().getFirst().startsWith("error: model folder /nonexistent/model does not exist"),
                result.stderr());
        assertFalse(result.stderr().contains("\tat "), "no stack trace");
    }

    @Test
    void cudaWithoutADriverIsOneLineAndExitOne() throws Exception {
        NativeLibraryLocator locator = NativeLibraryLocator.fromEnvironment();
        Assumptions.assumeTrue(locator.locate(KnownLibrary.CUDA_RUNTIME).found()
                && !locator.locate(KnownLibrary.CUDA_DRIVER).found(), "needs a CUDA runtime without a driver");
        Path model = TestModels.requireStories260K();
        Result result = run("generate", "--model", model.toString(), "--prompt", "hi", "--device", "cuda");
        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals(List.of("error: --device cuda: no CUDA driver (cudaGetDeviceCount: cudaErrorInsufficientDriver)"),
                result.stderrLines(), result.stderr());
    }

    @Test
    void anOlderJdkIsRefusedWithAClearMessage() throws Exception {
        Path java17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
        Assumptions.assumeTrue(Files.isExecutable(java17.resolve("bin/java")),
                "no JDK 17 at " + java17 + " to play the older JDK");
        Result result = run(Map.of("JAVA_HOME", java17.toString(), "YALIS_JVM_ROOT", "/nonexistent",
                "PATH", "/usr/bin:/bin"), LAUNCHER, "info");
        assertEquals(1, result.exitCode());
        assertTrue(result.stderr().contains("needs JDK 25 or newer") && result.stderr().contains("Java 17"),
                result.stderr());
    }

    @Test
    void anUnbuiltTreeSaysHowToBuild(@TempDir Path tree) throws Exception {
        Files.createDirectories(tree.resolve("bin"));
        Path launcher = Files.copy(LAUNCHER, tree.resolve("bin/yalis"));
        Result result = run(Map.of(), launcher, "info");
        assertEquals(1, result.exitCode());
        assertTrue(result.stderr().contains("not built") && result.stderr().contains("mvn -q -DskipTests package"),
                result.stderr());
    }

    private static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).asInt();
        }
        return ids;
    }
}
