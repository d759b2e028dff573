package org.yalis.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.yalis.engine.tensor.DType;
import org.yalis.engine.testing.TestModels;

/**
 * Files the user cannot read, and folders they cannot write, through {@code bin/yalis} as a process: each
 * is one line naming the file and "permission denied", never "corrupt", "not valid JSON", "not a
 * tokenizer" or "internal error". Permissions mean nothing to root, so as root the runs go through
 * {@code runuser -u nobody} (skipped, saying why, where that is not possible).
 */
class PermissionErrorsIT {
    private static final Path PROJECT = Path.of(System.getProperty("yalis.project.dir", "..")).toAbsolutePath()
            .normalize();
    private static final Path LAUNCHER = PROJECT.resolve("bin/yalis");
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    @TempDir
    static Path shared;

    private static Path tiny;

    @BeforeAll
    static void setUp() throws Exception {
        if (ROOT) {
            if (!Files.isExecutable(Path.of("/usr/sbin/runuser")) && !Files.isExecutable(Path.of("/sbin/runuser"))) {
                skip("running as root without runuser: permissions cannot be tested");
            }
            Process probe = new ProcessBuilder("runuser", "-u", "nobody", "--", "test", "-x", LAUNCHER.toString())
                    .redirectErrorStream(true).start();
            if (!probe.waitFor(30, TimeUnit.SECONDS) || probe.exitValue() != 0) {
                skip("user nobody cannot run " + LAUNCHER + " (the project folder is not readable by others)");
            }
        }
        openUp(shared);
        tiny = TestModels.writeTinyModel(shared.resolve("tiny"), DType.F32, 3);
        openUp(tiny);
    }

    private static void skip(String reason) {
        System.err.println("SKIPPED: " + reason);
        Assumptions.abort(reason);
    }

    /** World-readable folders and files, so that the unprivileged user reaches them. */
    private static void openUp(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.toList()) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
                        Files.isDirectory(path) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    private record Result(int exitCode, String stderr) {
        String lastLine() {
            List<String> lines = stderr.lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING:")).toList();
            return lines.isEmpty() ? "" : lines.getLast();
        }
    }

    private static Result yalis(Path home, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (ROOT) {
            command.addAll(List.of("runuser", "-u", "nobody", "--", "env", "HOME=" + home));
        }
        command.add(LAUNCHER.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("HOME", home.toString());
        Path stderr = Files.createTempFile(shared, "err", ".txt");
        builder.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("bin/yalis " + String.join(" ", args) + " hung");
        }
        return new Result(process.exitValue(), Files.readString(stderr, StandardCharsets.UTF_8));
    }

    private static void assertPermissionError(Result result, String... fragments) {
        String line = result.lastLine();
        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(line.startsWith("error: "), result.stderr());
        assertTrue(line.contains("permission denied"), line);
        for (String fragment : fragments) {
            assertTrue(line.contains(fragment), "'" + fragment + "' in: " + line);
        }
        for (String wrong : List.of("internal error", "corrupt", "not valid JSON", "must be a Hugging Face")) {
            assertFalse(line.contains(wrong), "'" + wrong + "' in: " + line);
        }
        assertFalse(result.stderr().contains("\tat "), result.stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {"config.json", "tokenizer.json", "model.safetensors"})
    void aModelFileThisUserCannotRead(String file, @TempDir Path home) throws Exception {
        openUp(home);
        Path model = shared.resolve("model-" + file);
        Files.createDirectories(model);
        try (Stream<Path> files = Files.list(tiny)) {
            for (Path source : files.toList()) {
                Files.copy(source, model.resolve(source.getFileName()));
            }
        }
        openUp(model);
        Path unreadable = model.resolve(file);
        Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
        assertPermissionError(yalis(home, "generate", "--model", model.toString(), "--prompt", "hi",
                "--max-new-tokens", "2"), unreadable.toString());
    }

    @Test
    void aFolderThisUserCannotWriteTo(@TempDir Path home) throws Exception {
        openUp(home);
        Path locked = shared.resolve("locked");
        Files.createDirectories(locked);
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        assertPermissionError(yalis(home, "synth", "--preset", "tiny", "--out", locked.resolve("model").toString()),
                "cannot write --out");
        // The synthetic model cache in a folder that cannot be written (YALIS_CACHE set there, through a script
        // so that it survives runuser).
        List<String> command = List.of("bench", "--model", "synth:tiny", "--batch", "1", "--prompt-len", "4",
                "--decode-len", "2", "--repeat", "1", "--warmup", "0", "--membw-gbps", "10");
        Path script = shared.resolve("with-cache.sh");
        Files.writeString(script, "#!/bin/sh\nYALIS_CACHE=" + locked + " exec " + LAUNCHER + " \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> full = new ArrayList<>();
        if (ROOT) {
            full.addAll(List.of("runuser", "-u", "nobody", "--", "env", "HOME=" + home));
        }
        full.add(script.toString());
        full.addAll(command);
        Path stderr = Files.createTempFile(shared, "err", ".txt");
        Process process = new ProcessBuilder(full).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile()).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "bench hung");
        assertPermissionError(new Result(process.exitValue(), Files.readString(stderr)), "synthetic model cache",
                "YALIS_CACHE");
    }
}
