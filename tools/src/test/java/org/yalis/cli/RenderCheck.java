package org.yalis.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/** Runs {@code tools/report-render-check.sh}, the headless Chromium check of a report page. */
final class RenderCheck {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    record Result(int exitCode, String output) {
    }

    private RenderCheck() {
    }

    /** Skips the calling test, saying why on stderr too, when this machine has no Chromium. */
    static void requireChromium() {
        if (!Files.isExecutable(CHROMIUM)) {
            String reason = CHROMIUM + " not installed: skipping the headless Chromium check of the report "
                    + "(apt-get install chromium; .ci/run installs it as root)";
            System.err.println("SKIPPED: " + reason);
            Assumptions.abort(reason);
        }
    }

    static Result run(Path html, Path screenshot) throws IOException, InterruptedException {
        Path script = Path.of(System.getProperty("yalis.project.dir", ".."), "tools", "report-render-check.sh");
        List<String> command = new ArrayList<>(List.of("bash", script.toString(), html.toString()));
        if (screenshot != null) {
            command.add(screenshot.toString());
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("CHROMIUM", CHROMIUM.toString());
        Process process = builder.start();
        // Read before waiting: a full pipe would block the script.
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return new Result(-1, output + "\n(timed out)");
        }
        return new Result(process.exitValue(), output);
    }
}
